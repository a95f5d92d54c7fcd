"""Pure primitives: canonical JSON, hashing, signatures, Merkle trees, money, errors. No I/O."""
