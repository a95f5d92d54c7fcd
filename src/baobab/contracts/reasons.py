"""The written list of every contract's refusal reasons (docs/REASONS.md), from the contracts'
own declarations: `python -m baobab.contracts.reasons > docs/REASONS.md`."""

from __future__ import annotations

from baobab.contracts import default_registry

HEAD = """# Contract refusal reasons

Generated from the contracts' declarations by `python -m baobab.contracts.reasons`; do not edit
(tests/core/test_refusal_reasons.py checks it). A contract refuses with one exception carrying
one of these reasons; every path (submit, query, domain routes, `GET /v1/contracts`) answers it
as the problem `CONTRACT_ERROR` (`/v1/problems/CONTRACT_ERROR`) with `reason` and `contract` in
the body and the status of the reason's kind: invalid 422, not_found 404, forbidden 403,
conflict 409. A check a contract shares with services (a document's form, an oracle
observation) raises its code (docs/API.md, Problems); inside a contract that code is the
contract's reason. The runtime's input checks (`MALFORMED`, `BAD_ARGUMENT`, `BAD_MONEY`,
`FLOAT_NOT_ALLOWED`) answer 400 with the code itself, wherever they are met.
"""


def markdown() -> str:
    registry = default_registry()
    parts = [HEAD]
    for name in registry.names():
        parts.append(f"\n## `{name}`\n\n| reason | status | meaning |\n|---|---|---|\n")
        parts += [f"| `{r['reason']}` | {r['status']} | {r['title']} |\n" for r in registry.contract(name).reason_rows()]
    return "".join(parts)


if __name__ == "__main__":
    print(markdown(), end="")
