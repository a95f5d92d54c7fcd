"""The determinism audit: what a contract module, and every module it imports, may use.

Every node must compute the same result from the same proposal, so a contract may not read the
clock, draw randomness, do I/O or compute in floats. `audit_module` reads the source of a
contract's module and, transitively, of every Baobab module it imports (a helper under
`contracts/`, a vocabulary, the risk rules...), and reports each use of:

- an import outside PLATFORM (pure parts of the standard library, libraries whose results
  depend on their arguments alone) and outside Baobab's own audited modules;
- a builtin in FORBIDDEN_BUILTINS (I/O, dynamic code, reflection that writes) or an attribute
  in FORBIDDEN_ATTRIBUTES (the clock, the environment, randomness);
- a float literal.

The runtime a contract runs on (RUNTIME) is trusted as reviewed code. A package's `__init__`
runs once at import, not during a contract's execution, and is not audited for its importers.
"""

from __future__ import annotations

import ast
import importlib.util
import textwrap
from collections import deque

PLATFORM = frozenset({
    "__future__", "typing", "dataclasses", "re", "decimal", "datetime", "enum", "collections", "collections.abc",
    "functools", "itertools", "math", "string", "unicodedata", "hashlib", "base64", "operator", "abc", "types",
    "copy", "json", "contextlib", "uuid",  # uuid: name-based ids (uuid5); uuid1/uuid4 are forbidden attributes
    "pydantic", "pydantic_core",  # validation: the same verdict for the same value
    "cryptography", "Crypto.Hash",  # signature checks and hashes: the same answer on every node
})
# The runtime contracts run on, reviewed as such (core.keys keeps a per-thread memo of verified
# signatures, which changes no answer).
RUNTIME = frozenset({"baobab.ledger.contract", "baobab.ledger.reaction", "baobab.ledger.membership",
                     "baobab.ledger.runtime", "baobab.core.errors", "baobab.core.keys"})
FORBIDDEN_BUILTINS = frozenset({"open", "eval", "exec", "compile", "__import__", "input", "globals", "setattr", "delattr",
                                "breakpoint", "print"})
FORBIDDEN_ATTRIBUTES = frozenset({
    "now", "utcnow", "today", "fromtimestamp", "utcfromtimestamp", "time", "time_ns", "monotonic", "sleep",
    "perf_counter", "process_time", "getenv", "environ", "urandom", "uuid1", "uuid4", "getrandbits", "token_bytes",
})


def _platform(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in PLATFORM)


def _resolve(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def audit_source(source: str, package: str = "") -> tuple[list[str], list[str]]:
    """(problems, Baobab modules imported) of one module's source; `package` resolves relative imports."""
    problems: list[str] = []
    imported: list[str] = []

    def check_import(module: str, lineno: int, names: list[str] | None = None) -> None:
        problems.extend(f"line {lineno}: import of {n}" for n in names or [] if n in FORBIDDEN_ATTRIBUTES)
        if _platform(module):
            return
        if module.startswith("baobab"):
            imported.append(module)
            # `from baobab.pkg import submodule` imports the submodule too
            imported.extend(f"{module}.{n}" for n in names or [] if importlib.util.find_spec(module) is not None
                            and _is_module(f"{module}.{n}"))
            return
        problems.append(f"line {lineno}: import {module}")

    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                check_import(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            check_import(_resolve(node, package), node.lineno, [a.name for a in node.names])
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_BUILTINS:
            problems.append(f"line {node.lineno}: use of {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            problems.append(f"line {node.lineno}: use of .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, float):
            problems.append(f"line {node.lineno}: float literal {node.value!r}")
    return problems, imported


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def audit_module(name: str) -> list[str]:
    """Problems of module `name` and of every Baobab module it imports, transitively, each
    prefixed with the module it is in (empty: none found)."""
    problems: list[str] = []
    seen: set[str] = set()
    queue = deque([name])
    while queue:
        module = queue.popleft()
        if module in seen or module in RUNTIME:
            continue
        seen.add(module)
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            problems.append(f"{module}: no Python source to audit")
            continue
        with open(spec.origin, encoding="utf-8") as f:
            source = f.read()
        package = module if spec.submodule_search_locations else module.rpartition(".")[0]
        found, imported = audit_source(source, package)
        problems += [f"{module}: {p}" for p in found]
        queue.extend(imported)
    return problems
