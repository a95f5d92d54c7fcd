"""The payments backbone: an interoperable switch for banks and mobile-money providers.

Its own bounded context beside the ledger (DESIGN.md): a double-entry journal (`journal.py`),
participants with liquidity and net debit caps, and two-phase ILP transfers (`switch.py`), with
the error codes of Mojaloop's FSPIOP v1.1 (`errors.py`). Contracts order payments through
payment instructions (contracts/payment_instruction.py); the payer's node carries them out here
and records the settlement proof that comes back.
"""
