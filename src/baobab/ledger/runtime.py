"""Executing a proposal against current state: the "execute" of execute-order-validate.

`simulate` runs one contract function in a `Context` and returns the result that endorsers
sign: what was read (with versions), what would be written, events and the response.
Nothing is applied here; state changes only when the validated block commits.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.hashing import digest_hex
from baobab.ledger.contract import Context, Contract, ContractError, FunctionSpec, HeldRefusal, Refused, check_value
from baobab.ledger.determinism import audit_module
from baobab.ledger.membership import Caller
from baobab.ledger.store.base import Version

KEY_POLICY_NS = "_keypolicy"  # state key "_keypolicy:<ns>:<key>" holds that key's policy


def key_policy_key(full_key: str) -> str:
    return f"{KEY_POLICY_NS}:{full_key}"


def range_digest(rows: list[tuple[str, Version]]) -> str:
    """What a range read saw: keys and versions, so validation can detect phantoms."""
    return digest_hex([[k, list(v)] for k, v in rows])


class Registry:
    """The contracts installed on a network, by name. Every node installs the same set."""

    def __init__(self, contracts: Iterable[Contract] = (), *, audit: bool = True) -> None:
        self._contracts: dict[str, Contract] = {}
        for c in contracts:
            self.install(c, audit=audit)

    def install(self, contract: Contract, *, audit: bool = True) -> None:
        if not contract.name or ":" in contract.name or contract.name.startswith("_"):
            raise ValueError(f"bad contract name {contract.name!r}")
        if audit:
            problems = audit_module(type(contract).__module__)
            if problems:
                raise ValueError(f"contract {contract.name} is not deterministic: " + "; ".join(problems))
        self._contracts[contract.name] = contract

    def names(self) -> list[str]:
        return sorted(self._contracts)

    def contract(self, name: str) -> Contract:
        c = self._contracts.get(name)
        if c is None:
            raise BaobabError("UNKNOWN_CONTRACT", f"no contract named {name!r}")
        return c

    def function(self, contract: str, function: str) -> tuple[Contract, FunctionSpec]:
        c = self.contract(contract)
        spec = c.functions.get(function)
        if spec is None:
            raise BaobabError("UNKNOWN_FUNCTION", f"contract {contract} has no function {function!r}")
        return c, spec


StateGet = Callable[[str], "tuple[Any, Version] | None"]
StateRange = Callable[[str], "list[tuple[str, Any, Version]]"]


def simulate(registry: Registry, proposal: dict[str, Any], tx_id: str, caller: Caller,
             get: StateGet, range_: StateRange, *, query: bool = False, oversight: bool = False) -> dict[str, Any]:
    """Run the proposal's function; a ContractError becomes status "error", other errors raise.
    `oversight` (queries only): party refusals are held (result "held") for `run_query`."""
    contract, spec = registry.function(proposal["contract"], proposal["function"])
    if (spec.policy is None) != query:
        kind = "a query" if spec.policy is None else "a transaction"
        raise BaobabError("UNKNOWN_FUNCTION", f"{contract.name}.{spec.name} is {kind}")

    def read(key: str) -> tuple[Any, list[int] | None]:
        row = get(key)
        return (None, None) if row is None else (row[0], list(row[1]))

    ctx = Context(contract.name, caller, tx_id, proposal["timestamp"], read, range_, range_digest=range_digest,
                  oversight=oversight and query)
    try:
        response = contract.call(spec, ctx, proposal["args"])
        check_value(response)
        status = "ok"
    except ContractError as exc:
        reason = contract.reason(exc.reason)
        if reason is None:
            raise BaobabError("INTERNAL", f"{contract.name} refused with undeclared reason {exc.reason!r}: {exc}") from None
        status, response = "error", {"reason": exc.reason, "kind": reason.kind, "message": str(exc),
                                     **({"detail": exc.detail} if exc.detail else {})}
        ctx.writes.clear(), ctx.events.clear(), ctx.key_policies.clear()
    return {
        "tx_id": tx_id,
        "status": status,
        "response": response,
        "reads": [[k, v] for k, v in sorted(ctx.reads.items())],
        "ranges": [[k, v] for k, v in sorted(ctx.ranges.items())],
        "writes": [[k, v] for k, v in sorted(ctx.writes.items())],
        "key_policies": [[k, v] for k, v in sorted(ctx.key_policies.items())],
        "events": ctx.events,
        **({"held": ctx.held} if ctx.held else {}),
    }


# Asked by a supervisor's query with the party refusals its body held: may the caller read
# these records as their supervisor? When `answered` (the query succeeded), a yes means the
# read is already on the ledger's access log. The API's one read-access rule answers it.
Supervise = Callable[[list[HeldRefusal], bool], bool]


def run_query(registry: Registry, proposal: dict[str, Any], tx_id: str, caller: Caller, get: StateGet,
              range_: StateRange, supervise: Supervise | None = None) -> Any:
    """A read-only function's answer for `caller` (its refusal raised as `Refused`). With
    `supervise`, a record the caller is not a party to is answered only if `supervise` allows it."""
    result = simulate(registry, proposal, tx_id, caller, get, range_, query=True, oversight=supervise is not None)
    held: list[HeldRefusal] = result.get("held", [])
    if held and not (supervise is not None and supervise(held, result["status"] == "ok")):
        contract = registry.contract(proposal["contract"])
        reason = contract.reason(held[0].reason)
        if reason is None:
            raise BaobabError("INTERNAL", f"{contract.name} refused with undeclared reason {held[0].reason!r}")
        raise Refused(contract.name, held[0].reason, reason.kind, held[0].message)
    if result["status"] != "ok":
        raise Refused.from_result(proposal["contract"], result["response"])
    return result["response"]
