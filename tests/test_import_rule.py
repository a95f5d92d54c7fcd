"""The API depends on the ledger through the gateway alone (the Gateway and the LedgerView):
no module of `baobab.api` imports the ledger, the network node or the embedded node."""

from __future__ import annotations

import ast
from pathlib import Path

import baobab.api

API = Path(baobab.api.__file__).parent
FORBIDDEN = ("baobab.ledger", "baobab.net", "baobab.embedded", "baobab.keeper", "baobab.reactors")


def imports_of(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_api_imports_only_the_gateway_and_view_from_the_ledger() -> None:
    offending = [f"{path.relative_to(API)}:{line}: {module}"
                 for path in sorted(API.rglob("*.py"))
                 for line, module in imports_of(path)
                 if module.startswith(FORBIDDEN)]
    assert offending == []


def test_the_rule_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from baobab.ledger.node import Node\n    return Node\n")
    assert imports_of(sample) == [(2, "baobab.ledger.node")]
