"""Screening names against a sanctions list, with fuzzy matching (rapidfuzz).

    listed = SanctionsList.from_un_xml(Path("consolidated.xml").read_text(), source="UN SC, 2026-12-01")
    listed.screen("Kamau Njoroge Mwangi")   -> {"reference": "DEMO.001", "listed": "KAMAU NJOROGE MWANGI", "score": 100, ...}

A list is loaded by the operator from the UN Security Council Consolidated List's XML (or a CSV
with `reference,name,aliases` where aliases are separated by `;`). Names are compared after
folding case and accents and dropping punctuation, word order ignored (`token_sort_ratio`), so a
transliteration or a reordered name still matches; a score at or above the threshold is a hit
that a person reviews. Single-word aliases of low quality ("The Broker") are not screened: they
would stop every customer who shares a common word.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET  # expat refuses entity-expansion bombs (Python >= 3.7.1 with expat 2.4)
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rapidfuzz import fuzz, process, utils

from baobab.core.errors import BaobabError, register_codes

register_codes({"BAD_SANCTIONS_LIST": (422, "The sanctions list could not be read")})
THRESHOLD = 88  # token_sort_ratio, 0-100: reviewed hits; misses one typo in a short name, not two
DEMO_LIST = "demo-sanctions.xml"


def fold(name: str) -> str:
    """Lower case, accents dropped, punctuation to spaces, single spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@dataclass(frozen=True)
class Entry:
    reference: str
    name: str
    aliases: tuple[str, ...]
    kind: str  # individual or entity


class SanctionsList:
    def __init__(self, entries: list[Entry], source: str, threshold: int = THRESHOLD) -> None:
        if not entries:
            raise BaobabError("BAD_SANCTIONS_LIST", "the list has no entries")
        self.entries, self.source, self.threshold = entries, source, threshold
        self._names: list[str] = []
        self._owners: list[tuple[Entry, str]] = []
        for entry in entries:
            for name in (entry.name, *entry.aliases):
                folded = fold(name)
                if folded and folded not in self._names:
                    self._names.append(folded)
                    self._owners.append((entry, name))

    def screen(self, name: str) -> dict[str, Any] | None:
        """The best match of `name` at or above the threshold, or None."""
        folded = fold(name)
        if not folded:
            return None
        found = process.extractOne(folded, self._names, scorer=fuzz.token_sort_ratio, processor=utils.default_process,
                                   score_cutoff=self.threshold)
        if found is None:
            return None
        entry, listed = self._owners[found[2]]
        return {"reference": entry.reference, "listed": listed, "kind": entry.kind, "score": int(round(found[1])),
                "screened": name, "source": self.source}

    @classmethod
    def from_un_xml(cls, text: str, *, source: str, threshold: int = THRESHOLD) -> "SanctionsList":
        try:
            root = ET.fromstring(text)
        except ET.ParseError as exc:
            raise BaobabError("BAD_SANCTIONS_LIST", f"not XML: {exc}") from None
        entries = []
        for kind, tag, alias_tag in (("individual", "INDIVIDUAL", "INDIVIDUAL_ALIAS"), ("entity", "ENTITY", "ENTITY_ALIAS")):
            for node in root.iter(tag):
                parts = [(node.findtext(t) or "").strip() for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
                name = " ".join(p for p in parts if p)
                reference = (node.findtext("REFERENCE_NUMBER") or node.findtext("DATAID") or "").strip()
                if not name or not reference:
                    raise BaobabError("BAD_SANCTIONS_LIST", f"an {tag} without a name or a reference number")
                aliases = tuple(a for a in ((al.findtext("ALIAS_NAME") or "").strip() for al in node.iter(alias_tag)
                                            if (al.findtext("QUALITY") or "").strip().lower() != "low") if a)
                entries.append(Entry(reference, name, aliases, kind))
        return cls(entries, source, threshold)

    @classmethod
    def from_csv(cls, text: str, *, source: str, threshold: int = THRESHOLD) -> "SanctionsList":
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames is None or not {"reference", "name"} <= set(reader.fieldnames):
            raise BaobabError("BAD_SANCTIONS_LIST", "a CSV list has the columns reference,name[,aliases]")
        entries = []
        for n, row in enumerate(reader, start=2):
            if not (row.get("reference") or "").strip() or not (row.get("name") or "").strip():
                raise BaobabError("BAD_SANCTIONS_LIST", f"line {n} has no reference or no name")
            aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
            entries.append(Entry(row["reference"].strip(), row["name"].strip(), aliases, (row.get("kind") or "individual").strip()))
        return cls(entries, source, threshold)


def demo_list() -> SanctionsList:
    """The fictional list shipped for the demo (compliance/data/README.md)."""
    text = resources.files("baobab.compliance").joinpath("data", DEMO_LIST).read_text(encoding="utf-8")
    return SanctionsList.from_un_xml(text, source="Baobab demo list (fictional entries, UN Consolidated List format)")


def main(argv: list[str]) -> int:
    """`python -m baobab.compliance.sanctions LIST.xml NAME...`: screen names against a list."""
    if len(argv) < 2:
        print("usage: python -m baobab.compliance.sanctions LIST.xml|LIST.csv NAME...", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        text = f.read()
    loader = SanctionsList.from_csv if argv[0].endswith(".csv") else SanctionsList.from_un_xml
    listed = loader(text, source=argv[0])
    for name in argv[1:]:
        print(f"{name}: {listed.screen(name) or 'no match'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
