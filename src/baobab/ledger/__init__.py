"""The permissioned ledger: execute (endorse), order, validate and commit."""
