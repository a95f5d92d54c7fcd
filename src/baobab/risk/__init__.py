"""Off-ledger risk checks. Duplicate-financing registry: normalise a financeable document,
fingerprint it under the network key, screen it against earlier registrations."""

import baobab.vocab.errors  # noqa: F401,E402  (the codes this package's modules raise)
from baobab.risk.fingerprints import RULES, FingerprintSet, NetworkKey, fingerprint
from baobab.risk.normalise import Document, document
from baobab.risk.screening import Flag, ScreeningIndex, decide

__all__ = ["RULES", "Document", "FingerprintSet", "Flag", "NetworkKey", "ScreeningIndex", "decide", "document", "fingerprint"]
