"""Who may read what: the one place that decides read access to ledger records.

Writes are guarded by the contracts and endorsement policies; reads over the API are guarded
here, from the parties recorded on each record. The convention every contract follows:

    value["parties"]     organisation ids party to the record (a deal's traders, a credit's
                         banks, a shipment's carrier), as a list or as {role: org}
    value["readers"]     a list of further organisations the record is shared with
    value["holders"]     the organisations that hold or held it (a supply-chain finance claim)
    value["owner"], ["issuer"], ["holder"], ["platform"], ["anchor"], ["title"]["holder"]
                         single organisations named on the record (an account's owner, a
                         document's issuer and holder, a registration's platform)
    _keypolicy:<ns>:<key> the key's endorsement policy; every org it names is a party
    value["countries"]   where the record's goods go: {"origin", "destination", "transit": [...]}
                         (contracts/jurisdiction.py; a plain list of codes is read too)

Rules, in order:
  1. membership (`governance` namespace) is readable by every member;
  2. a party reads the record;
  3. customs reads records about goods leaving, entering or passing through its country: the
     record's `countries` (origin, destination or transit) if it has them; only for records
     without them, the countries of its trader and carrier parties;
  4. a regulator reads records to which an institution it supervises (a bank, payment
     provider or insurer of its country) is a party;
  5. nobody else. Reads under rules 3-4 are supervisor reads: the supervisor states a purpose
     (PURPOSE_REQUIRED otherwise) and the read is logged on the ledger (contracts/oversight.py)
     before the answer leaves the node.
Every read path (state, history, lists, domain routes, transactions, proofs, blocks, events,
exports) asks this one question through `api/reads.py`; blocks and events carry only what the
caller reads as a party, since a stream cannot state a purpose per record.
The access log itself (`oversight` namespace) is readable by its parties only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from baobab.contracts.jurisdiction import countries_in
from baobab.vocab.roles import GOODS_ROLES, SUPERVISED_INSTITUTIONS, SUPERVISORS
from baobab.gateway import GOVERNANCE, Caller

PUBLIC_NAMESPACES = frozenset({GOVERNANCE})
PARTY_ONLY_NAMESPACES = frozenset({"oversight"})
SUPERVISOR_ROLES = frozenset(SUPERVISORS)

# org id -> its membership record ({country, roles, ...}) or None
OrgLookup = Callable[[str], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    supervised: bool = False  # allowed only as a supervisor: the read must be logged
    parties: frozenset[str] = field(default_factory=frozenset)
    countries: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return self.allowed


def policy_orgs(policy: Any) -> set[str]:
    """Every organisation named in an endorsement policy expression."""
    if not isinstance(policy, dict):
        return set()
    found: set[str] = set()
    if isinstance(policy.get("org"), str):
        found.add(policy["org"])
    if isinstance(policy.get("orgs"), list):
        found |= {o for o in policy["orgs"] if isinstance(o, str)}
    for kind in ("all", "any", "of"):
        for sub in policy.get(kind, []) if isinstance(policy.get(kind), list) else []:
            found |= policy_orgs(sub)
    return found


PARTY_FIELDS = ("owner", "issuer", "holder", "platform", "anchor")
PARTY_LISTS = ("parties", "readers", "holders")


def record_parties(value: Any, key_policy: Any = None) -> set[str]:
    parties = policy_orgs(key_policy)
    if not isinstance(value, dict):
        return parties
    for name in PARTY_LISTS:
        listed = value.get(name)
        if isinstance(listed, dict):
            listed = list(listed.values())
        if isinstance(listed, list):
            parties |= {p for p in listed if isinstance(p, str)}
    title = value.get("title")
    for field_value in [value.get(n) for n in PARTY_FIELDS] + [title.get("holder") if isinstance(title, dict) else None]:
        if isinstance(field_value, str):
            parties.add(field_value)
    return parties



def record_countries(value: Any, parties: Iterable[str], orgs: OrgLookup) -> set[str]:
    """The countries a record's goods leave, enter or cross, for customs: as the record states
    them; for a record that does not, the countries of its trader and carrier parties."""
    stated = countries_in(value)
    if stated is not None:
        return stated
    return {r["country"] for p in parties if (r := orgs(p)) is not None and GOODS_ROLES & set(r["roles"])}


def decide(caller: Caller, namespace: str, value: Any, key_policy: Any, orgs: OrgLookup) -> Decision:
    """May `caller` read this record (value as stored, with its key's policy)?"""
    if namespace in PUBLIC_NAMESPACES:
        return Decision(True)
    parties = record_parties(value, key_policy)
    if caller.org in parties:
        return Decision(True, parties=frozenset(parties))
    if namespace in PARTY_ONLY_NAMESPACES or not SUPERVISOR_ROLES & set(caller.roles):
        return Decision(False, parties=frozenset(parties))
    countries = record_countries(value, parties, orgs)
    if "customs" in caller.roles and caller.country in countries:
        return Decision(True, True, frozenset(parties), frozenset(countries))
    if "regulator" in caller.roles and any(
        (r := orgs(p)) is not None and r["country"] == caller.country and SUPERVISED_INSTITUTIONS & set(r["roles"])
        for p in parties
    ):
        return Decision(True, True, frozenset(parties), frozenset(countries))
    return Decision(False, parties=frozenset(parties), countries=frozenset(countries))


def decide_tx(caller: Caller, envelope: dict[str, Any], key_policy: Callable[[str], Any], orgs: OrgLookup) -> Decision:
    """May `caller` see a transaction? Its creator's organisation may; so may anyone who may
    read one of the records it wrote (as written). The genesis transaction is public."""
    if "genesis" in envelope:
        return Decision(True)
    creator = str(envelope.get("proposal", {}).get("creator", ""))
    if creator.split("/")[0] == caller.org:
        return Decision(True, parties=frozenset({caller.org}))
    result = envelope.get("result", {})
    written_policies = {k: p for k, p in result.get("key_policies", [])}
    best = Decision(False)
    for full_key, value in result.get("writes", []):
        namespace = full_key.split(":", 1)[0]
        policy = written_policies.get(full_key) or key_policy(full_key)
        d = decide(caller, namespace, value, policy, orgs)
        if d.allowed and not d.supervised:
            return d
        if d.allowed:
            best = d
    return best
