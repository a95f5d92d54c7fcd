"""The one way in to the ledger: `Gateway` (submit, evaluate, status, events) over an
`Endorser`, and the read-only `LedgerView`. The API, reactors and services use only these,
in the embedded and the network mode alike.

The ledger types a caller of the gateway meets are re-exported here, so that callers need
import nothing else from the ledger.
"""

from baobab.gateway.endorser import Endorser, LocalEndorser
from baobab.gateway.gateway import Gateway, gateway_of
from baobab.gateway.view import BlockEntry, LedgerView, TxRecord
from baobab.ledger.contract import REFUSAL_STATUS, HeldRefusal, Refused
from baobab.ledger.membership import GOVERNANCE, Caller, Membership, org_key
from baobab.ledger.node import Outcome
from baobab.ledger.runtime import KEY_POLICY_NS, Supervise
from baobab.ledger.tx import MAX_TX_BYTES, check_signed_proposal, now_rfc3339, parse_time, tx_id_of
from baobab.ledger.validator import VALID

__all__ = ["BlockEntry", "Caller", "Endorser", "GOVERNANCE", "Gateway", "HeldRefusal", "KEY_POLICY_NS", "LedgerView", "LocalEndorser",
           "MAX_TX_BYTES", "Membership", "Outcome", "REFUSAL_STATUS", "Refused", "Supervise", "TxRecord", "VALID",
           "check_signed_proposal", "gateway_of", "now_rfc3339", "org_key", "parse_time", "tx_id_of"]
