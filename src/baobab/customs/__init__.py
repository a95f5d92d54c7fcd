"""Customs: declarations fed by the ledger, certificates of origin, and checks that find
mispriced goods (the price filters in `misinvoicing.py`)."""
