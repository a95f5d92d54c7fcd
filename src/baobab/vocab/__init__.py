"""The code lists that contracts, trade documents, risk checks and customs share, kept once.

Pure data and predicates, audited like contract code (contracts import them): trade terms and
document types in `trade.py`. Countries (ISO 3166-1) are in `baobab.core.codes` and currencies
(ISO 4217 with their minor units) in `baobab.core.money`, beside the primitives that use them.
"""
