"""Off-ledger trade documents: OpenAttestation v2 wrapping and selective disclosure,
structured trade document types, and a content-addressed store for document contents."""

import baobab.vocab.errors  # noqa: F401,E402  (the codes this package's modules raise)
