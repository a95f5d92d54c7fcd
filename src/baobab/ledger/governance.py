"""The governance system contract: membership and network configuration by a quorum of admins.

Organisation records live at `governance:org/<id>`; who governs at `governance:config`
(`admins`, `quorum`, `proposal_ttl_s`, `governance_policy`, all from genesis); network
settings read by other contracts at `governance:setting/<name>` (the financing registry's
red-flag rule and fingerprint key epoch); proposals at `governance:proposal/<id>`.

Consent is established here, not by endorsements (in the embedded mode one node holds every
peer key, so an endorsement shows only that a peer ran the contract). Adding, suspending,
reinstating and re-keying a member, and changing a setting or the governance itself, is an
*action*: one admin proposes it (its proposal counts as its approval), the other admins
approve it with transactions signed by their own client identities, and it executes in the
transaction that brings the approvals of currently active admins to the quorum. A proposal
not approved by its deadline expires; an admin approves a proposal once. An organisation
rotates its own keys itself, signed with its current client key. Every governance transaction
is still endorsed as the governance policy requires: that shows the admins' peers ran the
contract as written (in network mode no single node can forge a membership write); who agreed
is what the recorded approvals say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from baobab.core.errors import BaobabError
from baobab.ledger import policy as policies
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, ContractError, Reason, function
from baobab.ledger.membership import check_org

GOVERNED = {"governance": True}
PROPOSAL_ID = r"[0-9a-f]{24}"
OPEN, EXECUTED, WITHDRAWN = "open", "executed", "withdrawn"
# A network setting the governance keeps for another contract: check(new value, current or None).
SettingCheck = Callable[[Any, Any], dict[str, Any]]


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _org_record(value: Any, network_roles: list[str] | None = None) -> dict[str, Any]:
    try:
        return check_org(value, network_roles)
    except BaobabError as exc:
        raise ContractError(exc.message, reason="BAD_ORG") from None


class Governance(Contract):
    """`settings`: the network settings other contracts read, each with its check (the domain
    contracts give theirs: `baobab.contracts.governance`); `node_clients`: client identities
    that are the node's, not the organisation's (the supervisor-log writer), which only a
    quorum of admins re-keys."""

    name = "governance"

    def __init__(self, settings: dict[str, SettingCheck] | None = None, node_clients: tuple[str, ...] = ()) -> None:
        self.settings = dict(settings or {})
        self.node_clients = node_clients
    reasons = {
        "NOT_ADMIN": Reason("forbidden", "Only an active admin organisation proposes or approves governance changes"),
        "BAD_ORG": Reason("invalid", "The organisation record is not valid"),
        "UNKNOWN_ACTION": Reason("invalid", "No such governance action"),
        "ALREADY_APPROVED": Reason("conflict", "This admin has already approved the proposal"),
        "PROPOSAL_EXPIRED": Reason("conflict", "The proposal passed its deadline without its quorum"),
        "PROPOSAL_CLOSED": Reason("conflict", "The proposal was already executed or withdrawn"),
        "QUORUM_UNREACHABLE": Reason("conflict", "The change would leave fewer active admins than the quorum"),
    }

    # --- reading --------------------------------------------------------------------

    def _config(self, ctx: Context) -> dict[str, Any]:
        return ctx.get("config")  # type: ignore[no-any-return]

    def _org(self, ctx: Context, org_id: Any) -> dict[str, Any]:
        record = ctx.get(f"org/{org_id}") if isinstance(org_id, str) and org_id else None
        if record is None:
            raise ContractError(f"unknown organisation {org_id}", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    def _active_admins(self, ctx: Context, admins: list[str]) -> set[str]:
        return {a for a in admins if (r := ctx.get(f"org/{a}")) is not None and r["status"] == "active"}

    def _require_admin(self, ctx: Context) -> dict[str, Any]:
        config = self._config(ctx)
        if ctx.caller.org not in config["admins"]:
            raise ContractError(f"{ctx.caller.org} is not an admin organisation", reason="NOT_ADMIN")
        return config

    def _proposal(self, ctx: Context, proposal: str) -> dict[str, Any]:
        record = ctx.get(f"proposal/{proposal}") if re.fullmatch(PROPOSAL_ID, proposal) else None
        if record is None:
            raise ContractError(f"no proposal {proposal}", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    # --- actions: each checks its arguments and returns the writes it would make ---------

    def _plan(self, ctx: Context, action: str, args: dict[str, Any]) -> list[tuple[str, Any]]:
        planners = {"add_org": self._add_org, "suspend_org": self._suspend_org, "reinstate_org": self._reinstate_org,
                    "rekey_org": self._rekey_org, "configure": self._configure, "set_governance": self._set_governance}
        if action not in planners:
            raise ContractError(f"action must be one of {', '.join(sorted(planners))}", reason="UNKNOWN_ACTION")
        try:
            return planners[action](ctx, **args)
        except TypeError:
            raise ContractError(f"wrong arguments for {action}: {sorted(args)}") from None

    def _add_org(self, ctx: Context, org: dict[str, Any]) -> list[tuple[str, Any]]:
        record = _org_record({**org, "status": "active"}, self._config(ctx).get("roles"))
        if ctx.get(f"org/{record['id']}") is not None:
            raise ContractError(f"organisation {record['id']} already exists", reason="ALREADY_EXISTS")
        return [(f"org/{record['id']}", record)]

    def _status(self, ctx: Context, org_id: str, status: str, reason: str) -> list[tuple[str, Any]]:
        record = self._org(ctx, org_id)
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 200:
            raise ContractError("reason is 1 to 200 characters")
        if record["status"] == status:
            raise ContractError(f"organisation {org_id} is already {status}", reason="WRONG_STATE")
        config = self._config(ctx)
        if status == "suspended" and org_id in config["admins"] \
                and len(self._active_admins(ctx, config["admins"]) - {org_id}) < config["quorum"]:
            raise ContractError(f"suspending {org_id} would leave fewer active admins than the quorum",
                                reason="QUORUM_UNREACHABLE")
        return [(f"org/{org_id}", {**record, "status": status})]

    def _suspend_org(self, ctx: Context, org_id: str, reason: str) -> list[tuple[str, Any]]:
        return self._status(ctx, org_id, "suspended", reason)

    def _reinstate_org(self, ctx: Context, org_id: str, reason: str) -> list[tuple[str, Any]]:
        return self._status(ctx, org_id, "active", reason)

    def _rekey_org(self, ctx: Context, org_id: str, peer_key: str | None = None,
                   clients: dict[str, str] | None = None) -> list[tuple[str, Any]]:
        return [(f"org/{org_id}", self._rekeyed(self._org(ctx, org_id), peer_key, clients))]

    def _rekeyed(self, record: dict[str, Any], peer_key: Any, clients: Any) -> dict[str, Any]:
        if peer_key is None and clients is None:
            raise ContractError("give a new peer_key, new clients, or both")
        if clients is not None and not isinstance(clients, dict):
            raise ContractError("clients is {name: public key}")
        return _org_record({**record, **({"peer_key": peer_key} if peer_key is not None else {}),
                            **({"clients": {**record["clients"], **clients}} if clients else {})})

    def _configure(self, ctx: Context, setting: str, value: dict[str, Any]) -> list[tuple[str, Any]]:
        if setting not in self.settings:
            raise ContractError(f"setting must be one of {', '.join(sorted(self.settings)) or '(none on this network)'}")
        try:
            checked = self.settings[setting](value, ctx.get(f"setting/{setting}"))
        except ContractError as exc:  # the setting's own reason is not governance's: INVALID
            raise ContractError(f"{setting}: {exc}") from None
        return [(f"setting/{setting}", checked)]

    def _set_governance(self, ctx: Context, admins: list[str] | None = None, quorum: int | None = None,
                        proposal_ttl_s: int | None = None,
                        governance_policy: dict[str, Any] | None = None) -> list[tuple[str, Any]]:
        config = self._config(ctx)
        new = {**config, **{k: v for k, v in {"admins": admins, "quorum": quorum, "proposal_ttl_s": proposal_ttl_s,
                                               "governance_policy": governance_policy}.items() if v is not None}}
        if not isinstance(new["admins"], list) or not new["admins"] or len(set(new["admins"])) != len(new["admins"]):
            raise ContractError("admins is a list of distinct organisation ids")
        for admin in new["admins"]:
            self._org(ctx, admin)
        if not isinstance(new["quorum"], int) or isinstance(new["quorum"], bool) \
                or not 1 <= new["quorum"] <= len(self._active_admins(ctx, new["admins"])):
            raise ContractError("quorum must be from 1 to the number of active admins", reason="QUORUM_UNREACHABLE")
        if not isinstance(new["proposal_ttl_s"], int) or isinstance(new["proposal_ttl_s"], bool) or new["proposal_ttl_s"] < 1:
            raise ContractError("proposal_ttl_s must be a positive integer")
        try:
            policies.check(new["governance_policy"])
        except BaobabError as exc:
            raise ContractError(exc.message) from None
        return [("config", new)]

    # --- proposing and approving ----------------------------------------------------

    def _execute_if_quorum(self, ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
        config = self._config(ctx)
        valid = sorted(set(record["approvals"]) & self._active_admins(ctx, config["admins"]))
        if len(valid) < config["quorum"]:
            return record
        for key, value in self._plan(ctx, record["action"], record["args"]):  # checked again, on today's state
            ctx.put(key, value)
        record = {**record, "status": EXECUTED, "executed_at": ctx.timestamp, "quorum": valid}
        ctx.emit(f"governance_{record['action']}", {"proposal": record["id"], "args": record["args"], "approvals": valid})
        return record

    @function(policy=GOVERNED, callers=PARTIES)
    def propose(self, ctx: Context, action: str, args: dict[str, Any], ttl_s: int | None = None) -> dict[str, Any]:
        """Called by: an admin organisation (the body checks `config.admins`); the proposal is its
        approval. Actions: add_org {org}, suspend_org / reinstate_org {org_id, reason}, rekey_org
        {org_id, peer_key?, clients?}, configure {setting, value}, set_governance {admins?,
        quorum?, proposal_ttl_s?, governance_policy?}. Executes at once only if the quorum is 1."""
        config = self._require_admin(ctx)
        self._plan(ctx, action, args)  # refuse now what could never execute
        ttl = config["proposal_ttl_s"] if ttl_s is None else ttl_s
        if not 1 <= ttl <= config["proposal_ttl_s"]:
            raise ContractError(f"ttl_s is 1 to {config['proposal_ttl_s']} seconds")
        expires = (_time(ctx.timestamp) + dt.timedelta(seconds=ttl)).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = {"id": ctx.tx_id[:24], "action": action, "args": args, "by": ctx.caller.org,
                  "approvals": [ctx.caller.org], "proposed_at": ctx.timestamp, "expires": expires, "status": OPEN}
        ctx.emit("governance_proposed", {"proposal": record["id"], "action": action, "by": ctx.caller.org})
        record = self._execute_if_quorum(ctx, record)
        ctx.put(f"proposal/{record['id']}", record)
        return {"proposal": record["id"], "status": record["status"], "expires": expires}

    @function(policy=GOVERNED, callers=PARTIES)
    def approve(self, ctx: Context, proposal: str) -> dict[str, Any]:
        """Called by: an admin organisation that has not approved this proposal yet, before its
        deadline. The approval that reaches the quorum executes the action."""
        self._require_admin(ctx)
        record = self._proposal(ctx, proposal)
        if record["status"] != OPEN:
            raise ContractError(f"proposal {proposal} is {record['status']}", reason="PROPOSAL_CLOSED")
        if _time(ctx.timestamp) >= _time(record["expires"]):
            raise ContractError(f"proposal {proposal} expired at {record['expires']}", reason="PROPOSAL_EXPIRED")
        if ctx.caller.org in record["approvals"]:
            raise ContractError(f"{ctx.caller.org} has already approved proposal {proposal}", reason="ALREADY_APPROVED")
        record = self._execute_if_quorum(ctx, {**record, "approvals": [*record["approvals"], ctx.caller.org]})
        ctx.put(f"proposal/{proposal}", record)
        ctx.emit("governance_approved", {"proposal": proposal, "by": ctx.caller.org, "status": record["status"]})
        return {"proposal": proposal, "status": record["status"], "approvals": record["approvals"]}

    @function(policy=GOVERNED, callers=PARTIES)
    def withdraw(self, ctx: Context, proposal: str) -> dict[str, Any]:
        """Called by: the admin that made the proposal, while it is open."""
        self._require_admin(ctx)
        record = self._proposal(ctx, proposal)
        if record["by"] != ctx.caller.org:
            raise ContractError(f"only {record['by']} may withdraw proposal {proposal}", reason="NOT_A_PARTY")
        if record["status"] != OPEN:
            raise ContractError(f"proposal {proposal} is {record['status']}", reason="PROPOSAL_CLOSED")
        ctx.put(f"proposal/{proposal}", {**record, "status": WITHDRAWN})
        return {"proposal": proposal, "status": WITHDRAWN}

    # Endorsed by the governance policy like every membership write: the admins' peers check the
    # result (in network mode a member's own node alone could otherwise write any org record).
    @function(policy=GOVERNED, callers=ANY_MEMBER)
    def rotate_keys(self, ctx: Context, peer_key: str | None = None, clients: dict[str, str] | None = None) -> dict[str, Any]:
        """Called by: any member, for its own organisation only, signed with its current client key:
        replaces its peer key and/or the keys of the named client identities. The `audit` identity
        the node logs supervisor reads with is not the organisation's to replace (rekey_org)."""
        record = self._org(ctx, ctx.caller.org)
        for name in self.node_clients:
            if clients and name in clients and clients[name] != record["clients"].get(name):
                raise ContractError(f"the {name} identity is the node's; a quorum of admins re-keys it",
                                    reason="NOT_ALLOWED")
        updated = self._rekeyed(record, peer_key, clients)
        ctx.put(f"org/{ctx.caller.org}", updated)
        ctx.emit("org_rekeyed", {"org": ctx.caller.org, "by": ctx.caller.identity})
        return {"org": ctx.caller.org}

    # --- queries: membership and governance are public to members -------------------

    @function(query=True, callers=ANY_MEMBER)
    def get_org(self, ctx: Context, org_id: str) -> dict[str, Any]:
        """Called by: any member (membership is public within the network)."""
        return self._org(ctx, org_id)

    @function(query=True, callers=ANY_MEMBER)
    def list_orgs(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: any member."""
        return [v for _, v in ctx.range("org/")]

    @function(query=True, callers=ANY_MEMBER)
    def proposal(self, ctx: Context, proposal: str) -> dict[str, Any]:
        """Called by: any member. An open proposal past its deadline shows as expired."""
        record = self._proposal(ctx, proposal)
        if record["status"] == OPEN and _time(ctx.timestamp) >= _time(record["expires"]):
            return {**record, "status": "expired"}
        return record

    @function(query=True, callers=ANY_MEMBER)
    def config(self, ctx: Context) -> dict[str, Any]:
        """Called by: any member: the admins, the quorum, the proposal lifetime and the settings."""
        return {**self._config(ctx), "settings": {k[len("setting/"):]: v for k, v in ctx.range("setting/")}}
