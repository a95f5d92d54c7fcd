"""Screening documents against earlier registrations: red for an exact match, amber for near.

`decide` is the pure rule over a plain mapping {fingerprint hex: [(platform, registration)]},
so the ledger's registry contract can reuse it on its own state. `ScreeningIndex` is the same
rule over an in-memory index built for speed and size: one dict from the 16-byte fingerprint
to a registration number (the int object is shared by that registration's five keys), with
registration ids packed into one bytearray.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from baobab.core.errors import BaobabError
from baobab.risk import flags
from baobab.risk.fingerprints import FingerprintSet


@dataclass(frozen=True)
class Flag:
    """One earlier registration, held by another platform, that the screened document matches."""

    level: str  # "red" (exact) or "amber" (near match)
    rule: str  # the strongest rule that matched
    platform: str  # who holds the earlier registration
    registration: str  # that platform's registration id
    rules: tuple[str, ...]  # every rule that matched it, strongest first

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "rule": self.rule,
            "platform": self.platform,
            "registration": self.registration,
            "rules": list(self.rules),
        }


def flags_from_hits(hits: Iterable[tuple[str, str, str]], platform: str | None = None) -> list[Flag]:
    """The shared flag rule (`baobab.risk.flags`), as Flag objects."""
    return [Flag(f["level"], f["rule"], f["platform"], f["registration"], tuple(f["rules"]))
            for f in flags.flags_from_hits(hits, platform)]


def decide(
    registered: Mapping[str, Sequence[Sequence[str]]],
    fingerprints: FingerprintSet,
    platform: str | None = None,
) -> list[Flag]:
    """The flags for `fingerprints`, given {fingerprint hex: [(platform, registration), ...]}."""
    hits = []
    for rule, probes in fingerprints.probes.items():
        for fp in probes:
            for reg_platform, registration in registered.get(fp.hex(), ()):
                hits.append((rule, reg_platform, registration))
    return flags_from_hits(hits, platform)


def registry_keys(fingerprints: FingerprintSet) -> list[str]:
    """The fingerprint hex strings under which a registration is recorded (one per rule)."""
    return [fp.hex() for fp in fingerprints.registered().values()]


class ScreeningIndex:
    """In-memory registry of one key epoch: register() documents, screen() new ones."""

    def __init__(self) -> None:
        self.epoch: int | None = None
        self._first: dict[bytes, int] = {}  # fingerprint -> earliest registration number
        self._more: dict[bytes, list[int]] = {}  # rare: the same fingerprint at other platforms
        self._platforms: list[str] = []
        self._platform_code: dict[str, int] = {}
        self._reg_platform = array("H")
        self._reg_ids = bytearray()
        self._reg_ends = array("Q")

    def __len__(self) -> int:
        return len(self._reg_platform)

    def _check_epoch(self, fingerprints: FingerprintSet) -> None:
        if self.epoch is None:
            self.epoch = fingerprints.epoch
        elif fingerprints.epoch != self.epoch:
            raise BaobabError("BAD_ARGUMENT", f"index holds key epoch {self.epoch}, got {fingerprints.epoch}")

    def register(self, fingerprints: FingerprintSet, platform: str, registration: str) -> int:
        """Record a document financed by `platform`; returns its registration number."""
        if not isinstance(platform, str) or not platform or not isinstance(registration, str):
            raise BaobabError("BAD_ARGUMENT", "platform and registration are strings")
        self._check_epoch(fingerprints)
        code = self._platform_code.get(platform)
        if code is None:
            code = self._platform_code[platform] = len(self._platforms)
            self._platforms.append(platform)
        number = len(self._reg_platform)
        self._reg_platform.append(code)
        self._reg_ids += registration.encode()
        self._reg_ends.append(len(self._reg_ids))
        first = self._first
        for fp in fingerprints.registered().values():
            earlier = first.setdefault(fp, number)
            if earlier != number:
                others = [earlier, *self._more.get(fp, ())]
                if all(self._reg_platform[i] != code for i in others):
                    self._more.setdefault(fp, []).append(number)
        return number

    def registration(self, number: int) -> tuple[str, str]:
        start = self._reg_ends[number - 1] if number else 0
        return self._platforms[self._reg_platform[number]], self._reg_ids[start : self._reg_ends[number]].decode()

    def screen(self, fingerprints: FingerprintSet, platform: str | None = None) -> list[Flag]:
        """Flags against registrations by other platforms than `platform`."""
        if self.epoch is not None and fingerprints.epoch != self.epoch:
            raise BaobabError("BAD_ARGUMENT", f"index holds key epoch {self.epoch}, got {fingerprints.epoch}")
        probe_rules = fingerprints.probe_rules
        found = self._first.keys() & probe_rules.keys()  # iterates the ~40 probes, not the index
        if not found:
            return []
        hits = []
        for fp in found:
            for number in (self._first[fp], *self._more.get(fp, ())):
                hits.append((probe_rules[fp], *self.registration(number)))
        return flags_from_hits(hits, platform)
