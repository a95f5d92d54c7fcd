"""Customs: declarations fed by the ledger, certificates of origin, and checks that find
mispriced goods (the price filters in `misinvoicing.py`)."""

import baobab.vocab.errors  # noqa: F401,E402  (the codes this package's modules raise)
