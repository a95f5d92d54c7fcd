"""The governance system contract: membership changes by the network's governance policy.

Organisation records live at `governance:org/<id>`; the admins and the governance policy at
`governance:config`. Only transactions endorsed as the governance policy requires (for
example a majority of admin organisations) can add, suspend, reinstate or re-key one.
A suspended organisation's new proposals and endorsements are refused; its past blocks stay
verifiable because re-keying never rewrites history, it only changes state from then on.
"""

from __future__ import annotations

from typing import Any

from baobab.core.errors import BaobabError
from baobab.ledger.contract import Context, Contract, ContractError, function
from baobab.ledger.membership import check_org

GOVERNED = {"governance": True}


class Governance(Contract):
    name = "governance"

    def _org(self, ctx: Context, org_id: str) -> dict[str, Any]:
        record = ctx.get(f"org/{org_id}")
        if record is None:
            raise ContractError(f"unknown organisation {org_id}")
        return record

    def _require_admin(self, ctx: Context) -> None:
        if ctx.caller.org not in ctx.get("config")["admins"]:
            raise ContractError("only an admin organisation may propose governance changes")

    @function(policy=GOVERNED)
    def add_org(self, ctx: Context, org: dict[str, Any]) -> dict[str, Any]:
        self._require_admin(ctx)
        try:
            record = check_org({**org, "status": "active"})
        except BaobabError as exc:
            raise ContractError(exc.message) from None
        if ctx.get(f"org/{record['id']}") is not None:
            raise ContractError(f"organisation {record['id']} already exists")
        ctx.put(f"org/{record['id']}", record)
        ctx.emit("org_added", {"org": record["id"]})
        return {"org": record["id"]}

    def _set_status(self, ctx: Context, org_id: str, status: str, reason: str) -> dict[str, Any]:
        self._require_admin(ctx)
        record = self._org(ctx, org_id)
        if record["status"] == status:
            raise ContractError(f"organisation {org_id} is already {status}")
        ctx.put(f"org/{org_id}", {**record, "status": status})
        ctx.emit(f"org_{status}", {"org": org_id, "reason": reason})
        return {"org": org_id, "status": status}

    @function(policy=GOVERNED)
    def suspend_org(self, ctx: Context, org_id: str, reason: str) -> dict[str, Any]:
        return self._set_status(ctx, org_id, "suspended", reason)

    @function(policy=GOVERNED)
    def reinstate_org(self, ctx: Context, org_id: str, reason: str) -> dict[str, Any]:
        return self._set_status(ctx, org_id, "active", reason)

    @function(policy=GOVERNED)
    def rekey_org(self, ctx: Context, org_id: str, peer_key: str | None = None,
                  clients: dict[str, str] | None = None) -> dict[str, Any]:
        self._require_admin(ctx)
        record = self._org(ctx, org_id)
        if peer_key is None and clients is None:
            raise ContractError("give a new peer_key, new clients, or both")
        updated = {**record, **({"peer_key": peer_key} if peer_key else {}), **({"clients": clients} if clients else {})}
        try:
            check_org(updated)
        except BaobabError as exc:
            raise ContractError(exc.message) from None
        ctx.put(f"org/{org_id}", updated)
        ctx.emit("org_rekeyed", {"org": org_id})
        return {"org": org_id}

    @function(query=True)
    def get_org(self, ctx: Context, org_id: str) -> dict[str, Any]:
        return self._org(ctx, org_id)

    @function(query=True)
    def list_orgs(self, ctx: Context) -> list[dict[str, Any]]:
        return [v for _, v in ctx.range("org/")]
