"""What the pages need of the ledger: to ask a contract, as the signed-in person's organisation.

    ledger.query(org, client, contract, function, args)   -> the contract's answer
    ledger.submit(org, client, contract, function, args)  -> the committed outcome

A person acts through its organisation's client identity (`User.client`), signed by the node that
serves the organisation; the access rules and the supervisors' log apply as for any request.
`GatewayLedger` does this over a node's Gateway (both modes).
"""

from __future__ import annotations

from typing import Any, Protocol


class Ledger(Protocol):
    def query(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> Any: ...
    def submit(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> Any: ...


class GatewayLedger:
    """Over anything with `signer(org, names)`, `evaluate(signed)` and `submit(signed)` (the Gateway)."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    def query(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.gateway.evaluate(self.gateway.signer(org, [client, "app"]).proposal(contract, function, args))

    def submit(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.gateway.submit(self.gateway.signer(org, [client, "app"]).proposal(contract, function, args))
