"""One error model: every refusal a contract under `baobab.contracts` can raise is one of the
reasons it declares, and every declared reason is in the written list (docs/REASONS.md).

The source of each contract module, and of every Baobab module it imports (as the determinism
audit follows them), is read for the refusals it can raise: `ContractError(..., reason=R)`,
`BaobabError(CODE, ...)` (a shared check, which the runtime turns into the contract's reason
CODE), any call passing `reason=R`, and calls to helpers that pass one of their parameters on
as a reason (`reject("WRONG_STATE", ...)`, `load_record(ctx, key, label, "LC_NOT_FOUND")`).
A refusal whose reason is not a literal nor a helper's parameter cannot be checked and fails.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import pkgutil
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pytest

import baobab.contracts
from baobab.contracts.reasons import markdown as reasons_markdown
from baobab.ledger.contract import INPUT_CODES, Contract
from baobab.ledger.determinism import RUNTIME, _resolve, audit_source

REASONS_DOC = Path(__file__).resolve().parents[2] / "docs" / "REASONS.md"
# The calls that refuse, and where each names its reason or code (the helpers found are added).
RAISERS: dict[str, set[int | str]] = {"ContractError": {"reason"}, "BaobabError": {0},
                                      "require_party": {"reason"}, "party_record": {"reason"}}


@dataclass(frozen=True)
class Raised:
    reason: str | None  # None: not a literal, so it cannot be checked
    where: str
    code: bool  # a BaobabError code rather than a ContractError reason


@functools.cache  # one tree per module, so that a function is the same node wherever it is found
def _source(module: str) -> tuple[ast.Module, str]:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    package = module if spec.submodule_search_locations else module.rpartition(".")[0]
    return ast.parse(Path(spec.origin).read_text(encoding="utf-8")), package


def reached(module: str) -> list[str]:
    """The module and every Baobab module it imports, transitively (the runtime excepted)."""
    seen: list[str] = []
    queue = deque([module])
    while queue:
        name = queue.popleft()
        if name in seen or name in RUNTIME:
            continue
        seen.append(name)
        tree, package = _source(name)
        queue.extend(audit_source(ast.unparse(tree), package)[1])
    return seen


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _argument(call: ast.Call, position: int | str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == position:
            return k.value
    if isinstance(position, int) and position < len(call.args):
        return call.args[position]
    return None


Function = ast.FunctionDef | ast.AsyncFunctionDef


def functions(modules: list[str]) -> dict[str, list[tuple[str, Function]]]:
    """Every function and method these modules define, by name."""
    out: dict[str, list[tuple[str, Function]]] = {}
    for module in modules:
        for node in ast.walk(_source(module)[0]):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.setdefault(node.name, []).append((module, node))
    return out


def _imports(module: str) -> dict[str, str]:
    """A module's import names: local name -> the module it is (`import a.b as m`) or the module
    it comes from (`from a import f`: f -> "a.f"'s module a, recorded as "a:f")."""
    tree, package = _source(module)
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.asname and a.name or a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(node, package)
            for a in node.names:
                out[a.asname or a.name] = f"{source}:{a.name}"
    return out


def called(contract: type[Contract], index: dict[str, list[tuple[str, Function]]]) -> list[tuple[str, Function]]:
    """The functions a contract's methods can run: its class's (and its bases') own methods, then
    the functions they call or pass on, to a fixpoint. A plain name is resolved in its module and
    its imports; `module.f` in that module; a method (`self.f`, `obj.f`) is any method so named."""
    classes = {k.__name__ for k in contract.__mro__}
    modules = sorted({m for fns in index.values() for m, _ in fns})
    imports = {m: _imports(m) for m in modules}
    roots = []
    for module in modules:
        for node in ast.walk(_source(module)[0]):
            if isinstance(node, ast.ClassDef) and node.name in classes:
                roots += [(module, f) for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]

    def resolve(module: str, node: ast.expr) -> list[tuple[str, Function]]:
        if isinstance(node, ast.Name):
            source = imports[module].get(node.id, "")
            home, _, name = source.partition(":") if ":" in source else (module, "", node.id)
            return [(m, f) for m, f in index.get(name, []) if m == home or m.startswith(home + ".")]
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in imports[module]:
                target = imports[module][node.value.id].replace(":", ".")
                return [(m, f) for m, f in index.get(node.attr, []) if m == target]
            return index.get(node.attr, [])
        return []

    seen: dict[int, tuple[str, Function]] = {}
    queue = deque(roots)
    while queue:
        module, fn = queue.popleft()
        if id(fn) in seen:
            continue
        seen[id(fn)] = (module, fn)
        local = {a.arg for a in fn.args.args + fn.args.kwonlyargs} | {
            n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for call in [n for n in ast.walk(fn) if isinstance(n, ast.Call)]:
            named = [call.func] + [a for a in call.args + [k.value for k in call.keywords]
                                   if isinstance(a, ast.Attribute) or (isinstance(a, ast.Name) and a.id not in local)]
            for node in named:  # what it calls, and the functions it passes on
                queue.extend(resolve(module, node))
    return list(seen.values())


def refusals(modules: list[str], contract: type[Contract]) -> list[Raised]:
    """Every refusal the contract's functions can raise. Helpers (functions that pass a parameter
    on as a reason) are found to a fixpoint, so a helper of a helper counts."""
    index = functions(modules)
    every = [(m, f) for fns in index.values() for m, f in fns]
    reachable = {id(f) for _, f in called(contract, index)}
    raisers = {name: set(positions) for name, positions in RAISERS.items()}
    tables = _string_tables(modules)
    while True:
        found: list[Raised] = []
        grown = False
        for module, fn in every:
            params = [a.arg for a in fn.args.args]
            for call in _own_calls(fn):
                name = _name(call)
                for pos in raisers.get(name or "", set()):
                    arg = _argument(call, pos)
                    if arg is None:
                        continue
                    raised: Raised | None = None
                    where = f"{module}:{call.lineno}"
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        raised = Raised(arg.value, where, name == "BaobabError")
                    elif isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) and arg.value.id in tables:
                        if id(fn) in reachable:  # any entry of a module's table of reasons
                            found += [Raised(r, where, name == "BaobabError") for r in tables[arg.value.id]]
                        continue
                    elif isinstance(arg, ast.Name) and arg.id in params:
                        index_ = params.index(arg.id) - (1 if params[:1] == ["self"] else 0)
                        for p in (index_, arg.id):
                            if p not in raisers.setdefault(fn.name, set()):
                                raisers[fn.name].add(p)
                                grown = True
                        default = _default(fn, arg.id)
                        raised = None if default is None else Raised(default, where, False)
                    else:
                        raised = Raised(None, where, name == "BaobabError")
                    if raised is not None and id(fn) in reachable:
                        found.append(raised)
        if not grown:
            return found


def _string_tables(modules: list[str]) -> dict[str, list[str]]:
    """Module-level dicts whose values are all strings (NOT_ROLE = {"applicant": "NOT_APPLICANT"}):
    a reason looked up in one may be any of its values."""
    out: dict[str, list[str]] = {}
    for module in modules:
        for node in _source(module)[0].body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else \
                node.target if isinstance(node, ast.AnnAssign) else None
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            if isinstance(target, ast.Name) and isinstance(value, ast.Dict) and value.values and all(
                    isinstance(v, ast.Constant) and isinstance(v.value, str) for v in value.values):
                out[target.id] = [v.value for v in value.values]  # type: ignore[union-attr]
    return out


def _own_calls(scope: ast.AST) -> list[ast.Call]:
    """The calls in a function's (or a module's) own body, not in the functions it defines."""
    calls, stack = [], list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            calls.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return calls


def _default(fn: ast.FunctionDef | ast.AsyncFunctionDef, param: str) -> str | None:
    args = fn.args.args
    defaults = dict(zip([a.arg for a in args[len(args) - len(fn.args.defaults):]], fn.args.defaults))
    defaults.update({a.arg: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults) if d is not None})
    value = defaults.get(param)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None


def contract_classes() -> list[tuple[str, type[Contract]]]:
    out = []
    for info in pkgutil.walk_packages(baobab.contracts.__path__, "baobab.contracts."):
        module = importlib.import_module(info.name)
        out += [(info.name, c) for c in vars(module).values()
                if inspect.isclass(c) and issubclass(c, Contract) and c.__module__ == info.name and c.name]
    return out


CONTRACTS = contract_classes()


def test_every_contract_module_is_found() -> None:
    names = {c.name for _, c in CONTRACTS}
    assert {"letter_of_credit", "oracles", "conditional_payment", "microinsurance", "documents",
            "customs_declarations", "scf", "epcis", "credentials"} <= names


@pytest.mark.parametrize(("module", "contract"), CONTRACTS, ids=[c.name for _, c in CONTRACTS])
def test_every_refusal_a_contract_can_raise_is_a_reason_it_declares(module: str, contract: type[Contract]) -> None:
    declared = contract.declared_reasons()
    problems = []
    for r in refusals(reached(module), contract):
        if r.reason is None:
            problems.append(f"{r.where}: a reason that is neither a literal nor a helper's parameter")
        elif r.code and r.reason in INPUT_CODES:
            continue  # the runtime's input checks (400 with the code), as argument validation
        elif r.reason not in declared:
            problems.append(f"{r.where}: {r.reason} is not a reason {contract.name} declares")
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_check_finds_an_undeclared_reason_and_an_unverifiable_one() -> None:
    source = ("def reject(reason, message):\n    raise ContractError(message, reason=reason)\n"
              "class Probe:\n    def f(self, ctx, why):\n        reject('NO_SUCH_REASON', 'x')\n"
              "        raise BaobabError(why + 'X', 'y')\n"
              "def unused():\n    reject('NEVER_RUN', 'x')\n")
    found = _refusals_of_source(source)
    assert Raised("NO_SUCH_REASON", "m:5", False) in found and any(r.reason is None for r in found)
    assert not any(r.reason == "NEVER_RUN" for r in found)  # not called from the contract's methods


def _refusals_of_source(source: str) -> list[Raised]:
    tree = ast.parse(source)
    import tests.core.test_refusal_reasons as me

    original = me._source
    me._source = lambda module: (tree, "")  # type: ignore[assignment]
    try:
        probe = type("Probe", (Contract,), {"name": ""})
        return refusals(["m"], probe)
    finally:
        me._source = original


def test_every_declared_reason_is_in_the_written_list() -> None:
    assert REASONS_DOC.read_text(encoding="utf-8") == reasons_markdown(), (
        "docs/REASONS.md is not the list the contracts declare: python -m baobab.contracts.reasons > docs/REASONS.md")
