"""The core and the ledger know no business: no domain's error code, no role by name, and no
import of a business package. Business codes are registered by their domains
(`baobab.vocab.errors`); the roles a network's members may hold are its genesis data."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import baobab
from baobab.vocab.errors import DOMAIN_CODES
from baobab.vocab.roles import NETWORK_ROLES

SRC = Path(baobab.__file__).parent
GENERIC = ("core", "ledger")
BUSINESS_PACKAGES = ("baobab.contracts", "baobab.vocab", "baobab.documents", "baobab.oracles", "baobab.risk",
                     "baobab.customs", "baobab.pay", "baobab.wallet", "baobab.stories", "baobab.demo")


def test_importing_the_ledger_loads_no_business_package_and_no_business_code() -> None:
    script = ("import json, sys; import baobab.core.errors as e, baobab.ledger.node, baobab.ledger.governance; "
              "print(json.dumps({'codes': sorted(e.CODES), 'modules': sorted(m for m in sys.modules if m.startswith('baobab'))}))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    assert not set(DOMAIN_CODES) & set(loaded["codes"])
    assert [m for m in loaded["modules"] if m.startswith(BUSINESS_PACKAGES)] == []


def code_strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a module that are not docstrings (examples in prose are not rules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_core_and_ledger_name_no_business_role() -> None:
    found = [f"{path.relative_to(SRC)}:{line}: {text!r}" for package in GENERIC
             for path in sorted((SRC / package).rglob("*.py"))
             for line, text in code_strings(path) if text in NETWORK_ROLES]
    assert found == []


def test_the_check_sees_a_role_in_code(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""A bank example in prose."""\nSUPERVISORS = ("customs",)\n')
    assert code_strings(sample) == [(2, "customs")]
