"""What a smart contract is and what it may touch.

A contract is a class of deterministic functions over a narrow `Context`: read, write and
delete keys of its own namespace (and read other namespaces), range queries by prefix, the
caller's identity, the transaction time and id, events, and key-level endorsement
policies. It cannot do I/O, read the clock, draw randomness or store floats: the context
offers none of these, stored values are checked, and the determinism audit
(`ledger/determinism.py`) refuses a contract whose module, or any module it imports, could.

    class Accounts(Contract):
        name = "accounts"

        @function(policy={"role": "bank", "count": 2})
        def transfer(self, ctx: Context, src: str, dst: str, amount: int) -> dict: ...
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from pydantic import ConfigDict, TypeAdapter, ValidationError, create_model

from baobab.core.errors import BaobabError
from baobab.ledger import policy as policies
from baobab.ledger.membership import Caller

MAX_VALUE_DEPTH = 32


@dataclass(frozen=True)
class Reason:
    """Why a contract refused, as its callers see it: `kind` decides the HTTP status of the
    refusal everywhere (one mapping, `Refused.status`), `title` is its one-line meaning."""

    kind: str  # one of REFUSAL_STATUS
    title: str


# The kinds of refusal and the HTTP status each gets, by every path that reports one.
REFUSAL_STATUS = {"invalid": 422, "not_found": 404, "forbidden": 403, "conflict": 409}

# Reasons every contract may give; a contract declares its own others in `reasons`.
COMMON_REASONS: dict[str, Reason] = {
    "INVALID": Reason("invalid", "The request breaks a rule of the contract"),
    "NOT_FOUND": Reason("not_found", "No such record"),
    "NOT_ALLOWED": Reason("forbidden", "The caller may not perform this act"),
    "NOT_A_PARTY": Reason("forbidden", "The caller is not a party to the record"),
    "WRONG_STATE": Reason("conflict", "Not allowed in the record's current state"),
    "ALREADY_EXISTS": Reason("conflict", "The record already exists"),
}


# The runtime's own input checks, which any contract body may meet as well (arguments of the wrong
# shape, money that is not an integer amount with an ISO 4217 code, a value that cannot be
# stored): they answer as the runtime's argument validation does, 400 with the code itself.
INPUT_CODES = frozenset({"MALFORMED", "BAD_ARGUMENT", "BAD_MONEY", "FLOAT_NOT_ALLOWED"})


class ContractError(Exception):
    """Raised by a contract to refuse a proposal. `reason` is one of the contract's declared
    reasons (COMMON_REASONS or its own `reasons`); the message reaches the caller."""

    def __init__(self, message: str, *, reason: str = "INVALID", **detail: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = detail


class Refused(BaobabError):
    """A contract's refusal as the node reports it: code CONTRACT_ERROR, with the contract and
    its reason in the detail, and the HTTP status of the reason's kind."""

    def __init__(self, contract: str, reason: str, kind: str, message: str, **detail: Any) -> None:
        super().__init__("CONTRACT_ERROR", message, **{**detail, "contract": contract, "reason": reason})
        self.contract, self.reason, self.kind = contract, reason, kind

    @property
    def status(self) -> int:
        return REFUSAL_STATUS[self.kind]

    @classmethod
    def from_result(cls, contract: str, response: dict[str, Any]) -> "Refused":
        """The refusal recorded in a simulation result's response."""
        return cls(contract, response["reason"], response["kind"], response["message"], **response.get("detail", {}))


def check_value(value: Any, depth: int = 0) -> None:
    """Only JSON values without floats may be stored or emitted."""
    if depth > MAX_VALUE_DEPTH:
        raise BaobabError("MALFORMED", "value nested too deeply")
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        raise BaobabError("FLOAT_NOT_ALLOWED", "contracts may not store floats; use integer minor units")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise BaobabError("MALFORMED", "object keys must be strings")
            check_value(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            check_value(v, depth + 1)
    else:
        raise BaobabError("MALFORMED", f"{type(value).__name__} cannot be stored on the ledger")


@dataclass(frozen=True)
class HeldRefusal:
    """A party check a supervisor's query passed on to the node: the record (full key, the
    version read) and the refusal the caller gets unless the node's read rule lets it read."""

    key: str
    version: list[int] | None
    reason: str
    message: str


# Who may call a function (its consent rule), declared with @function(callers=...):
#   a tuple of roles   the caller's organisation holds one of them; checked before the body runs
#   PARTIES            the body checks that the caller is a party the record names (and says which)
#   ANY_MEMBER         any active member may call
# The docstring of every function says in words who may call it and why.
PARTIES = "parties"
ANY_MEMBER = "any member"
Callers = tuple[str, ...] | str | None


@dataclass
class FunctionSpec:
    name: str
    fn: Callable[..., Any]
    policy: dict[str, Any] | None  # None: a read-only query, never ordered
    args: TypeAdapter[Any]
    callers: Callers = None  # None: not declared (the consent test lists such functions)


def function(policy: dict[str, Any] | None = None, *, query: bool = False,
             callers: Callers = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a contract method as callable. Transactions need `policy`; queries do not.
    `callers` is the function's consent rule (see PARTIES, ANY_MEMBER, or a tuple of roles)."""
    if not query:
        policies.check(policy)
    if isinstance(callers, str) and callers not in (PARTIES, ANY_MEMBER):
        raise ValueError(f"callers must be PARTIES, ANY_MEMBER or a tuple of roles, not {callers!r}")

    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__baobab__ = {"policy": None if query else policy, "callers": callers}  # type: ignore[attr-defined]
        return fn

    return mark


def _args_adapter(fn: Callable[..., Any]) -> TypeAdapter[Any]:
    hints = get_type_hints(fn)
    fields: dict[str, Any] = {}
    for pname, param in list(inspect.signature(fn).parameters.items())[2:]:  # skip self, ctx
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[pname] = (hints.get(pname, Any), default)
    model = create_model(  # type: ignore[call-overload]
        f"{fn.__qualname__}Args", __config__=ConfigDict(extra="forbid", strict=True), **fields
    )
    return TypeAdapter(model)


class Contract:
    """Base class: subclasses set `name` and mark methods with @function."""

    name: str = ""
    functions: dict[str, FunctionSpec]
    reasons: dict[str, Reason] = {}  # this class's own refusal reasons, beside COMMON_REASONS

    @classmethod
    def declared_reasons(cls) -> dict[str, Reason]:
        """Every reason this contract may refuse with: the common ones, its mixins' and its own."""
        out = dict(COMMON_REASONS)
        for klass in reversed(cls.__mro__):
            out.update(klass.__dict__.get("reasons", {}))
        return out

    @classmethod
    def reason_rows(cls) -> list[dict[str, Any]]:
        """The declared reasons as the API and docs/REASONS.md list them, with their HTTP status."""
        return [{"reason": code, "kind": r.kind, "status": REFUSAL_STATUS[r.kind], "title": r.title}
                for code, r in sorted(cls.declared_reasons().items())]

    @classmethod
    def reason(cls, code: str) -> Reason | None:
        """The declared reason `code`: the contract's own, a mixin's (PaymentInstructions), or common."""
        for klass in cls.__mro__:
            found = klass.__dict__.get("reasons", {}).get(code)
            if found is not None:
                return found  # type: ignore[no-any-return]
        return COMMON_REASONS.get(code)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.functions = {}
        for attr, member in inspect.getmembers(cls, inspect.isfunction):
            meta = getattr(member, "__baobab__", None)
            if meta is not None:
                cls.functions[attr] = FunctionSpec(attr, member, meta["policy"], _args_adapter(member), meta["callers"])

    def call(self, spec: FunctionSpec, ctx: "Context", args: Any) -> Any:
        if not isinstance(args, dict):
            raise BaobabError("BAD_ARGUMENT", "arguments are a JSON object")
        try:
            parsed = spec.args.validate_python(args)
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, e['loc'])) or '(args)'}: {e['msg']}" for e in exc.errors()]
            raise BaobabError("BAD_ARGUMENT", f"{self.name}.{spec.name}: " + "; ".join(problems), problems=problems) from None
        if isinstance(spec.callers, tuple) and not set(spec.callers) & set(ctx.caller.roles):
            raise ContractError(f"{self.name}.{spec.name} may be called only by an organisation with role "
                                f"{' or '.join(spec.callers)}", reason="NOT_ALLOWED", roles=list(spec.callers))
        try:
            return spec.fn(self, ctx, **dict(parsed))
        except BaobabError as exc:
            if exc.code in INPUT_CODES or isinstance(exc, Refused) or self.reason(exc.code) is None:
                raise
            # A check shared with services (a document's form, an observation's signature...)
            # refused: inside a contract that is the contract's refusal, with the code as its
            # declared reason (tests/core/test_refusal_reasons.py: every code a contract under
            # baobab.contracts can raise is declared).
            raise ContractError(exc.message, reason=exc.code, **exc.detail) from None


@dataclass
class Context:
    """The only window a contract has on the ledger during one simulated execution."""

    namespace: str
    caller: Caller
    tx_id: str
    timestamp: str  # the proposal's RFC 3339 UTC time: the contract's only notion of "now"
    _read: Callable[[str], tuple[Any, list[int] | None]]  # full key -> (value, version)
    _range: Callable[[str], list[tuple[str, Any, list[int]]]]
    reads: dict[str, list[int] | None] = field(default_factory=dict)
    ranges: dict[str, str] = field(default_factory=dict)
    writes: dict[str, Any] = field(default_factory=dict)  # full key -> value, None = delete
    key_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    range_digest: Callable[[list[tuple[str, list[int]]]], str] | None = None
    oversight: bool = False  # a supervisor's query: party refusals are held for the node to decide
    held: list["HeldRefusal"] = field(default_factory=list)

    def _full(self, key: str, namespace: str | None = None) -> str:
        if not isinstance(key, str) or not key or len(key) > 512:
            raise ContractError(f"invalid key {key!r}")
        return f"{namespace or self.namespace}:{key}"

    def get(self, key: str) -> Any:
        return self.read(self.namespace, key)

    def read(self, namespace: str, key: str) -> Any:
        """Read a key of any namespace; only the own namespace can be written."""
        full = self._full(key, namespace)
        if full in self.writes:
            return self.writes[full]
        value, version = self._read(full)
        self.reads.setdefault(full, version)
        return value

    def require_party(self, key: str, parties: Any, message: str, *, reason: str = "NOT_A_PARTY") -> None:
        """Refuse (with `reason`) a caller that is not among `parties` of the record at `key`
        of this namespace. In a supervisor's query (`oversight`) the refusal is held instead:
        the node answers only if its read-access rule lets the caller supervise that record,
        and records the read on the ledger first; otherwise the caller gets this refusal."""
        if self.caller.org in parties:
            return
        full = self._full(key)
        if not self.oversight:
            raise ContractError(message, reason=reason)
        self.held.append(HeldRefusal(full, self.reads.get(full), reason, message))

    def party_record(self, key: str, message: str, *, reason: str = "NOT_FOUND") -> Any:
        """The record at `key` (of this namespace), for the organisations its `parties` lists;
        to anyone else refused with `reason` (by default as if it did not exist), or held in a
        supervisor's query as `require_party` holds it."""
        record = self.get(key)
        if record is None:
            raise ContractError(message, reason=reason)
        parties = record.get("parties", [])
        self.require_party(key, parties.values() if isinstance(parties, dict) else parties, message, reason=reason)
        return record

    def put(self, key: str, value: Any) -> None:
        if value is None:
            raise ContractError("cannot store null; use delete")
        check_value(value)
        self.writes[self._full(key)] = value

    def delete(self, key: str) -> None:
        self.writes[self._full(key)] = None

    def range(self, prefix: str) -> list[tuple[str, Any]]:
        """Committed keys of the own namespace starting with `prefix`, in key order.

        Writes made earlier in this transaction are not included, as in Fabric.
        """
        full_prefix = f"{self.namespace}:{prefix}"
        rows = self._range(full_prefix)
        assert self.range_digest is not None
        self.ranges[full_prefix] = self.range_digest([(k, v) for k, _, v in rows])
        cut = len(self.namespace) + 1
        return [(k[cut:], value) for k, value, _ in rows]

    def emit(self, name: str, payload: Any) -> None:
        check_value(payload)
        self.events.append({"name": name, "payload": payload})

    def set_key_policy(self, key: str, policy: dict[str, Any]) -> None:
        """From now on, writing `key` needs endorsements satisfying `policy` as well."""
        policies.check(policy)
        self.key_policies[self._full(key)] = policy
