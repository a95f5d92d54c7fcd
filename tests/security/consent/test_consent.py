"""Consent, generated from the contract registry: every function refuses, with nothing changed,
every kind of organisation that is not a legitimate caller, and declares who its callers are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baobab.contracts import default_registry
from baobab.core.errors import BaobabError
from baobab.ledger.contract import ANY_MEMBER, PARTIES
from tests.security.consent.framework import World, family_of, functions, load_families

REGISTRY = default_registry()
SCENARIOS, FAMILIES = load_families()
ALL = functions(REGISTRY)
# Codes that say the arguments were wrong, not the caller: a refusal for these proves nothing.
ARGUMENT_CODES = {"BAD_ARGUMENT", "MALFORMED", "UNKNOWN_FUNCTION", "EXPIRED", "BAD_SIGNATURE"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("consent") / "net")
    yield w
    w.close()


def _split_by_family(names: list[tuple[str, str]]) -> tuple[list[str], dict[str, list[str]]]:
    """(functions of families that have a scenario module, {family without one: its functions})."""
    present, pending = [], {}
    for family, name in names:
        if family not in FAMILIES:
            pending.setdefault(family, []).append(name)
        else:
            present.append(name)
    return present, pending


def _report(present: list[str], pending: dict[str, list[str]], what: str) -> None:
    assert not present, f"{what}: " + ", ".join(present)
    if pending:
        pytest.xfail(f"{what} in families without a consent module (tests/security/consent/<family>.py) yet: "
                     + "; ".join(f"{family} ({len(fns)}: {', '.join(fns)})" for family, fns in sorted(pending.items())))


def test_every_function_declares_its_callers() -> None:
    undeclared = [(family_of(c), f"{name}.{fn}") for name, fn, c in ALL if c.functions[fn].callers is None]
    _report(*_split_by_family(undeclared), "functions without `callers`")


def test_every_function_has_a_consent_scenario() -> None:
    missing = [(family_of(c), f"{name}.{fn}") for name, fn, c in ALL if f"{name}.{fn}" not in SCENARIOS]
    _report(*_split_by_family(missing), "functions without a consent scenario")


def test_every_scenario_names_an_installed_function() -> None:
    installed = {f"{name}.{fn}" for name, fn, _ in ALL}
    assert sorted(set(SCENARIOS) - installed) == []


@pytest.mark.parametrize("name", sorted(n for n in SCENARIOS if n in {f"{c}.{f}" for c, f, _ in ALL}))
def test_only_legitimate_callers_are_served_and_refusals_change_nothing(world: World, name: str) -> None:
    contract, function = name.split(".")
    _, spec = REGISTRY.function(contract, function)
    case = SCENARIOS[name](world)
    if case.anyone:
        assert spec.callers == ANY_MEMBER, f"{name}: every member may call it, so it must declare ANY_MEMBER"
    else:
        if isinstance(spec.callers, tuple):
            for org in case.callers:
                assert set(spec.callers) & set(world.orgs[org]["roles"]), f"{org} lacks the roles {name} declares"
        else:
            assert spec.callers in (PARTIES, ANY_MEMBER), f"{name} declares no callers"
        others = [(org, "app") for org in world.kinds(exclude=case.callers)]
        if case.client != "app":  # the callers' own application clients are others too
            others += [(org, "app") for org in case.callers]
        for org, client in others:
            before = world.snapshot()
            with pytest.raises(BaobabError) as refused:
                world.call(org, contract, function, case, client)
            assert refused.value.code not in ARGUMENT_CODES, (org, refused.value.code, refused.value.message)
            assert world.snapshot() == before, f"{name} as {org}/{client}: refused, yet something changed"
    world.call(case.callers[0], contract, function, case, case.client)  # the legitimate caller is served
