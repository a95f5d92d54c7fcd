"""Oracles off the ledger: signed observations, aggregation rules, continuous feeds, re-checking.

`observation` and `aggregation` are pure and are imported by the contracts as well.
"""

import baobab.vocab.errors  # noqa: F401,E402  (the codes this package's modules raise)
