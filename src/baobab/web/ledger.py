"""What the pages need of the ledger: to ask a contract, as the signed-in person's organisation.

    ledger.query(org, client, contract, function, args)   -> the contract's answer
    ledger.submit(org, client, contract, function, args)  -> the committed outcome
    ledger.contracts_with(function)                       -> installed contracts offering it
    ledger.members()                                      -> every member's record (public facts)

A person acts through its organisation's client identity (`User.client`), signed by the node that
serves the organisation; the access rules and the supervisors' log apply as for any request.
`GatewayLedger` does this over a node's Gateway (both modes).
"""

from __future__ import annotations

from typing import Any, Protocol


class Ledger(Protocol):
    def query(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> Any: ...
    def submit(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> Any: ...
    def contracts_with(self, function: str) -> list[str]: ...
    def members(self) -> list[dict[str, Any]]: ...


class GatewayLedger:
    """Over anything with `signer(org, names)`, `evaluate(signed)` and `submit(signed)` (the Gateway)."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    def query(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.gateway.evaluate(self.gateway.signer(org, [client, "app"]).proposal(contract, function, args))

    def submit(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.gateway.submit(self.gateway.signer(org, [client, "app"]).proposal(contract, function, args))

    def contracts_with(self, function: str) -> list[str]:
        return [c["contract"] for c in self.gateway.view.contracts() if any(f["name"] == function for f in c["functions"])]

    def members(self) -> list[dict[str, Any]]:
        """Members' public facts (id, name, country, roles, status), as the membership records hold them."""
        members = self.gateway.view.members()
        ids = list(self.gateway.view.genesis.get("organisations", []))
        known = [o["id"] for o in ids] + [i for i in members.active_ids() if i not in {o["id"] for o in ids}]
        out = []
        for org in known:
            record = members.org(org)
            if record is not None:
                out.append({k: record.get(k) for k in ("id", "name", "country", "roles", "status")} | {"id": org})
        return out
