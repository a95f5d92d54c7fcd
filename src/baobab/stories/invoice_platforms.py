"""Story 3: one invoice presented to India's three invoice-financing platforms.

Pune Precision Tools presents the same invoice to RXIL, then to A.TReDS (retyped, as
another platform would capture it), then an altered copy (amount raised 2%) to M1xchange.
Each platform fingerprints the invoice off the ledger with the members' network key and
registers only the fingerprints. RXIL's registration is unique and it finances; A.TReDS
gets a red flag naming RXIL; M1xchange gets an amber flag. No platform can read another's
registration, and no invoice field ever reaches the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from baobab.core.errors import BaobabError
from baobab.risk.fingerprints import NetworkKey, fingerprint
from baobab.stories import Actors, Story, StoryReport

REGISTRY = "financing_registry"

# As RXIL captured it from the seller's PDF.
INVOICE: dict[str, Any] = {
    "kind": "invoice",
    "seller": "Pune Precision Tools Pvt. Ltd.",
    "buyer": "Nashik Auto Components Limited",
    "number": "PPT/2024-25/0187",
    "date": "05/03/2025",
    "currency": "INR",
    "amount": "Rs. 12,50,000.00",
    "lines": [{"hs": "8207.19", "quantity": 400, "unit_price": "2,500.00"},
              {"hs": "8466.10", "quantity": 100, "unit_price": "2,500.00"}],
}
# The same invoice as A.TReDS's staff typed it in.
RETYPED: dict[str, Any] = {
    **INVOICE, "seller": "PUNE PRECISION TOOLS PRIVATE LIMITED", "buyer": "nashik auto components ltd",
    "number": "ppt-2024-25-187", "date": "2025-03-05", "amount": "1250000",
}
# An altered copy: the amount raised by 2% (and the lines dropped) before going to M1xchange.
ALTERED: dict[str, Any] = {**INVOICE, "amount": "12,75,000.00", "lines": []}


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None = None) -> None:
    # The members' fingerprint key, distributed out of band to every platform. A fresh one
    # per run, so that replaying the story on the same ledger starts from clean fingerprints.
    key = NetworkKey.generate(epoch=actors("RXIL").query(REGISTRY, "config", {})["epoch"])

    def present(platform: str, invoice: dict[str, Any]) -> dict[str, Any]:
        fps = fingerprint(invoice, key).to_json()  # computed on the platform's own systems
        outcome = actors(platform).submit(REGISTRY, "register", {"kind": invoice["kind"], "fingerprints": fps})
        if outcome["code"] != "VALID":
            raise BaobabError("CONTRACT_ERROR", f"{platform} registration not committed: {outcome['code']}")
        report.documents += 1
        result = outcome["response"]
        for flag in result["flags"]:
            report.flags.append(f"{flag['level']} for {platform}: {flag['platform']} holds it ({flag['rule']})")
        return result

    rxil = present("RXIL", INVOICE)
    report.step(f"RXIL registers PUNE-TOOLS invoice {INVOICE['number']}: {rxil['status']}", progress)
    if rxil["flags"] or rxil["status"] != "registered_unique":
        raise AssertionError(f"RXIL's registration should be unique: {rxil}")
    if actors("RXIL").submit(REGISTRY, "finance", {"registration": rxil["registration"]})["code"] != "VALID":
        raise BaobabError("CONTRACT_ERROR", "RXIL's financing was not committed")
    report.step("RXIL finances it", progress)

    atreds = present("ATREDS", RETYPED)
    red = [f for f in atreds["flags"] if f["level"] == "red" and f["platform"] == "RXIL"]
    report.step(f"A.TReDS presents the same invoice: red flag, RXIL holds it ({atreds['status']})", progress)
    if not red:
        raise AssertionError(f"A.TReDS should get a red flag naming RXIL: {atreds}")

    m1x = present("M1X", ALTERED)
    amber = [f for f in m1x["flags"] if f["level"] == "amber" and f["platform"] == "RXIL"]
    report.step(f"M1xchange presents an altered copy: amber flag ({amber[0]['rule'] if amber else 'none'})", progress)
    if not amber or any(f["level"] == "red" for f in m1x["flags"]):
        raise AssertionError(f"M1xchange should get an amber flag naming RXIL: {m1x}")

    # Privacy: the flag names RXIL's registration, but nobody else can open it.
    for other in ("ATREDS", "M1X"):
        try:
            actors(other).query(REGISTRY, "registration", {"registration": rxil["registration"]})
        except BaobabError as exc:
            if exc.detail.get("reason") != "FORBIDDEN":  # the registry's refusal, not some other failure
                raise
        else:
            raise AssertionError(f"{other} could read RXIL's registration")
    report.step("A.TReDS and M1xchange cannot read RXIL's registration", progress)
    report.notes.append("the ledger holds keyed fingerprints only; no invoice field left the platforms")


STORY = Story(3, "One invoice, three financing platforms: red and amber flags without sharing data",
              "days of manual checks; fraud undetected", play)
