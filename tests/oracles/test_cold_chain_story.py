"""Story 2 end to end on the demo network: the payment follows the cold chain, not a liar."""

from __future__ import annotations

from baobab.stories.cold_chain import STORY


def test_cold_chain_story_releases_then_withholds_despite_one_liar(demo_net) -> None:
    # nobody in the story calls evaluate or reports a payment: the nodes' reactions and payments agents do
    report = STORY.run(demo_net.actors())
    assert report.payments == 1
    assert report.notes[0] == "shipment-1 paid, shipment-2 withheld"
    withheld = [f for f in report.flags if "withheld" in f]
    assert len(withheld) == 1 and "uld/AKE44107SK" not in withheld[0] and "air-max" in withheld[0]
    outliers = [f for f in report.flags if "outlier" in f]
    assert any("AEROTEMP" in f and "shipment-1" in f for f in outliers)
    assert any("THERMOTRACE" in f and "shipment-2" in f for f in outliers)
    rep = demo_net.query("IBERJUS", "oracles", "reputation", {"oracle": "AEROTEMP"})
    assert rep["outliers"] >= 1 and rep["score"] < 1000
