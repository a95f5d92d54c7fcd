"""Who is in the network: the genesis document and the membership view over world state.

The genesis document lists the roles members may hold (`roles`: business vocabulary, which the
ledger does not define) and names the organisations (id, legal name, country, roles, the peer key
that signs endorsements, and client identities that sign proposals), the admin
organisations, the quorum of admins whose approvals a governance change needs (default: a
majority) and how long a proposal waits for them (`proposal_ttl_s`), the governance
endorsement policy, the orderer's key and the block-cutting settings.
After genesis, organisation records live in world state under the `governance` namespace
and change only through governance transactions, so every node derives the same
membership at every block, and old signatures stay checkable against the keys of their time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from baobab.core.codes import check_country
from baobab.core.errors import BaobabError
from baobab.core.keys import PublicKey
from baobab.ledger import policy as policies

ROLE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")  # which roles exist is the network's own (genesis `roles`)
ORG_ID = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
CLIENT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
GOVERNANCE = "governance"  # namespace of the system contract that owns membership state
DEFAULT_BLOCK = {"max_txs": 500, "max_bytes": 8_000_000, "timeout_ms": 50}
DEFAULT_TIME_WINDOW_S = 300
DEFAULT_PROPOSAL_TTL_S = 7 * 24 * 3600  # a governance proposal not approved by its quorum within this expires


# PublicKey is immutable, so one decoded object per key text can serve every proposal.
public_key = lru_cache(maxsize=4096)(PublicKey.from_text)


def org_key(org_id: str) -> str:
    return f"{GOVERNANCE}:org/{org_id}"


def check_roles(roles: Any, what: str) -> list[str]:
    if not isinstance(roles, list) or not roles or len(set(roles)) != len(roles) \
            or not all(isinstance(r, str) and ROLE_NAME.match(r) for r in roles):
        raise BaobabError("BAD_GENESIS", f"{what}: roles must be a non-empty list of distinct names of a-z 0-9 -")
    return sorted(roles)


def check_org(record: Any, network_roles: Iterable[str] | None = None) -> dict[str, Any]:
    """Validate one organisation record; return it with defaults filled in. `network_roles`:
    the roles the network's genesis lists (a network that lists none accepts any role name)."""
    if not isinstance(record, dict):
        raise BaobabError("BAD_GENESIS", "an organisation is a JSON object")
    allowed = {"id", "name", "country", "roles", "peer_key", "clients", "status"}
    extra = set(record) - allowed
    if extra:
        raise BaobabError("BAD_GENESIS", f"unknown organisation fields {sorted(extra)}")
    org_id = record.get("id")
    if not isinstance(org_id, str) or not ORG_ID.match(org_id):
        raise BaobabError("BAD_GENESIS", f"organisation id {org_id!r} must be 2-32 of A-Z 0-9 _ -")
    if not isinstance(record.get("name"), str) or not record["name"].strip():
        raise BaobabError("BAD_GENESIS", f"{org_id}: legal name required")
    check_country(record.get("country"))
    roles = check_roles(record.get("roles"), org_id)
    if network_roles is not None and not set(roles) <= set(network_roles):
        raise BaobabError("BAD_GENESIS", f"{org_id}: roles must be drawn from the network's {sorted(network_roles)}")
    PublicKey.from_text(record.get("peer_key", ""))
    clients = record.get("clients")
    if not isinstance(clients, dict) or not clients:
        raise BaobabError("BAD_GENESIS", f"{org_id}: at least one client identity required")
    for name, key in clients.items():
        if not CLIENT_NAME.match(name):
            raise BaobabError("BAD_GENESIS", f"{org_id}: client name {name!r} must be 1-32 of a-z 0-9 _ . -")
        PublicKey.from_text(key)
    status = record.get("status", "active")
    if status not in ("active", "suspended"):
        raise BaobabError("BAD_GENESIS", f"{org_id}: status must be active or suspended")
    return {**record, "roles": sorted(roles), "status": status}


def check_genesis(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise BaobabError("BAD_GENESIS", "the genesis document is a JSON object")
    required = {"network", "created", "organisations", "admins", "governance_policy", "orderer"}
    missing = required - set(doc)
    if missing:
        raise BaobabError("BAD_GENESIS", f"missing fields {sorted(missing)}")
    if not isinstance(doc["network"], str) or not re.match(r"^[a-z0-9][a-z0-9-]{0,62}$", doc["network"]):
        raise BaobabError("BAD_GENESIS", "network name must be 1-63 of a-z 0-9 -")
    network_roles = check_roles(doc["roles"], "genesis") if "roles" in doc else None
    orgs = [check_org(o, network_roles) for o in doc["organisations"]] if isinstance(doc["organisations"], list) else None
    if not orgs:
        raise BaobabError("BAD_GENESIS", "at least one organisation required")
    ids = [o["id"] for o in orgs]
    if len(set(ids)) != len(ids):
        raise BaobabError("BAD_GENESIS", "organisation ids must be unique")
    admins = doc["admins"]
    if not isinstance(admins, list) or not admins or not set(admins) <= set(ids):
        raise BaobabError("BAD_GENESIS", "admins must be a non-empty list of organisation ids")
    policies.check(doc["governance_policy"])
    orderer = doc["orderer"]
    if not isinstance(orderer, dict) or set(orderer) != {"id", "key"}:
        raise BaobabError("BAD_GENESIS", "orderer must be {id, key}")
    PublicKey.from_text(orderer["key"])
    block = {**DEFAULT_BLOCK, **doc.get("block", {})}
    for name, value in block.items():
        if name not in DEFAULT_BLOCK or isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BaobabError("BAD_GENESIS", f"block.{name} must be a positive integer")
    window = doc.get("time_window_s", DEFAULT_TIME_WINDOW_S)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise BaobabError("BAD_GENESIS", "time_window_s must be a positive integer")
    quorum = doc.get("quorum", len(set(admins)) // 2 + 1)
    if isinstance(quorum, bool) or not isinstance(quorum, int) or not 1 <= quorum <= len(set(admins)):
        raise BaobabError("BAD_GENESIS", f"quorum must be an integer from 1 to the {len(set(admins))} admins")
    ttl = doc.get("proposal_ttl_s", DEFAULT_PROPOSAL_TTL_S)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 1:
        raise BaobabError("BAD_GENESIS", "proposal_ttl_s must be a positive integer")
    return {**doc, "organisations": orgs, "block": block, "time_window_s": window, "quorum": quorum,
            "proposal_ttl_s": ttl, **({"roles": network_roles} if network_roles is not None else {})}


def governance_config(genesis: dict[str, Any]) -> dict[str, Any]:
    """The `governance:config` record genesis writes: who governs and how many must approve.

    `admins` propose and approve membership and configuration changes; a change executes once
    `quorum` of them (active) have approved it, before `proposal_ttl_s` seconds have passed.
    `roles`, when genesis lists them, are the roles a member may hold.
    """
    return {k: genesis[k] for k in ("admins", "governance_policy", "quorum", "proposal_ttl_s", "roles") if k in genesis}


@dataclass(frozen=True)
class Caller:
    """The identity behind a proposal, as contracts see it."""

    org: str
    client: str
    roles: tuple[str, ...]
    country: str

    @property
    def identity(self) -> str:
        return f"{self.org}/{self.client}"


def split_identity(identity: Any) -> tuple[str, str]:
    if not isinstance(identity, str) or identity.count("/") != 1:
        raise BaobabError("UNKNOWN_IDENTITY", f"identity {identity!r} must be ORG/client")
    org, client = identity.split("/")
    return org, client


class Membership:
    """Organisation records as of some state, read through `get(key) -> value | None`."""

    def __init__(self, get: Callable[[str], Any], all_org_ids: Callable[[], Iterable[str]]) -> None:
        self._get = get
        self._ids = all_org_ids
        self._cache: dict[str, dict[str, Any] | None] = {}
        self._active: list[str] | None = None
        self._config: dict[str, Any] | None = None

    def org(self, org_id: str) -> dict[str, Any] | None:
        if org_id not in self._cache:
            self._cache[org_id] = self._get(org_key(org_id))
        return self._cache[org_id]

    @property
    def governance_policy(self) -> dict[str, Any]:
        if self._config is None:
            self._config = self._get(f"{GOVERNANCE}:config")
        return self._config["governance_policy"]  # type: ignore[index]

    def forget(self, state_key: str) -> None:
        """Drop what is cached of a governance state key after a write changed it."""
        prefix = org_key("")
        if state_key.startswith(prefix):
            self._cache.pop(state_key[len(prefix):], None)
            self._active = None
        else:
            self._config = None

    def require_active(self, org_id: str) -> dict[str, Any]:
        record = self.org(org_id)
        if record is None:
            raise BaobabError("UNKNOWN_ORG", f"unknown organisation {org_id!r}")
        if record["status"] != "active":
            raise BaobabError("ORG_SUSPENDED", f"organisation {org_id} is suspended")
        return record

    def caller(self, identity: str) -> tuple[Caller, PublicKey]:
        """Resolve ORG/client to its caller view and public key, or raise."""
        org_id, client = split_identity(identity)
        record = self.require_active(org_id)
        key = record["clients"].get(client)
        if key is None:
            raise BaobabError("UNKNOWN_IDENTITY", f"{org_id} has no client identity {client!r}")
        return Caller(org_id, client, tuple(record["roles"]), record["country"]), public_key(key)

    def active_ids(self) -> list[str]:
        if self._active is None:
            self._active = [i for i in self._ids() if (r := self.org(i)) is not None and r["status"] == "active"]
        return self._active

    def orgs_with_role(self, role: str) -> list[str]:
        """Active organisations holding `role`; "*" means every active organisation."""
        return [i for i in self.active_ids() if role == "*" or role in self.org(i)["roles"]]  # type: ignore[index]
