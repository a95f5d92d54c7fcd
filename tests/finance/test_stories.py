"""Stories 3 and 4 end to end, through the same in-process actors the demo uses."""

from __future__ import annotations

from baobab.stories import invoice_platforms, supplier_tiers
from tests.conftest import paying_reactor, synchronous_actors


def test_story_3_one_invoice_three_platforms(fin):
    report = invoice_platforms.STORY.run(fin.actors)
    assert invoice_platforms.STORY.number == 3
    assert report.documents == 3
    assert report.flags[0].startswith("red for ATREDS: RXIL")
    assert any(f.startswith("amber for M1X: RXIL") for f in report.flags)
    assert not any(f.startswith("red for M1X") for f in report.flags)
    # each platform sees exactly its own registration
    statuses = {p: [r["status"] for r in fin.query(p, "financing_registry", "registrations")]
                for p in ("RXIL", "ATREDS", "M1X")}
    assert statuses == {"RXIL": ["financed"], "ATREDS": ["duplicate_of_financed"], "M1X": ["registered_unique"]}  # amber flags do not make a duplicate


def test_story_3_runs_again_on_the_same_ledger(fin):
    invoice_platforms.STORY.run(fin.actors)
    report = invoice_platforms.STORY.run(fin.actors)  # a fresh fingerprint key: nothing collides
    assert report.documents == 3


def test_story_4_supplier_tiers(fin):
    # the banks' and the anchor's payments agents carry out the payment instructions, as on a node
    report = supplier_tiers.STORY.run(synchronous_actors(fin.actors, paying_reactor(fin.node, fin.data_dir)))
    assert supplier_tiers.STORY.number == 4
    assert report.payments == 2 + 3  # two discount purchases, three holders paid at maturity
    holdings = {org: fin.query(org, "scf", "holdings") for org in ("T1-SEATS", "T2-FOAM", "T3-CHEM", "SZBANK", "GDBANK")}
    assert all(h == [] for h in holdings.values())  # everything paid
    assert report.steps == 7
    instructions = [(e["payload"]["payer"], e["payload"]["payee"], e["payload"]["amount"]["minor"])
                    for e in fin.node.events() if e["name"] == "payment_instructed"]
    # the banks bought at a discount, then the anchor paid face value to every holder of record
    bought = {payee: (payer, amount) for payer, payee, amount in instructions[:2]}
    assert bought["T2-FOAM"][0] == "SZBANK" and 34_000_000 < bought["T2-FOAM"][1] < 35_000_000
    assert bought["T3-CHEM"][0] == "GDBANK" and 24_000_000 < bought["T3-CHEM"][1] < 25_000_000
    assert sorted(instructions[2:]) == [("SZ-AUTO", "GDBANK", 25_000_000), ("SZ-AUTO", "SZBANK", 35_000_000),
                                        ("SZ-AUTO", "T1-SEATS", 40_000_000)]
