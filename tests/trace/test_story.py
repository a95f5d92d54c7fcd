"""Story 6 end to end on the demo network, with the payments agent carrying out the farmers'
payments and the wallet provider booking them: every lot traced, the farmers paid into their
wallets, their share shown, a low payment flagged."""

from __future__ import annotations

from baobab.gateway import gateway_of
from baobab.stories.farm_to_cup import MOMO, STORY, farmer_phone
from baobab.trace.service import TraceService


def test_story_6_plays_from_farm_to_cup_and_pays_each_farmer_into_their_wallet(wallet_net):
    report = STORY.run(wallet_net.actors, services=wallet_net.services())
    assert report.payments == 12  # every delivery settled through the switch
    assert len(report.flags) == 1 and "paid below the reference price" in report.flags[0]
    stages = report.notes[0]
    assert stages.startswith("stages: farm_gate") and "retail" in stages and "(100.00%)" in stages
    momo = wallet_net.mm.providers[MOMO]
    farmers = [w for w in momo.customers() if w["registered_by"] == "SIDAMA-COOP"]
    assert farmers and all(w["balance"]["minor"] > 0 for w in farmers)
    # what the ledger says each farmer was paid is what their wallets hold, and the switch carried it
    paid = sum(d["amount"]["minor"] for d in wallet_net.net.query("ROAST-NL", "deliveries", "deliveries_of",
                                                                   {"buyer": "SIDAMA-COOP"}))
    assert sum(w["balance"]["minor"] for w in farmers) == paid
    farmer = next(iter(momo.statement(farmers[0]["msisdn"])))
    transfer = wallet_net.hub.switch.find(farmer["id"].removeprefix("in-"))
    assert transfer is not None and transfer.state == "COMMITTED" and transfer.payee == MOMO
    assert transfer.payer == "ET-COOPBANK"


def test_story_6_plays_without_wallets_beside_the_ledger(demo_net):
    TraceService.at(gateway_of(demo_net.node, keys_dir=demo_net.path / "keys"), demo_net.path)
    report = STORY.run(demo_net.actors())
    assert report.payments == 12 and len(report.flags) == 1


def test_a_farmers_phone_number_stays_off_the_ledger(wallet_net):
    STORY.run(wallet_net.actors, services=wallet_net.services())
    [delivery, *_] = wallet_net.net.query("ROAST-NL", "deliveries", "deliveries_of", {"buyer": "SIDAMA-COOP"})
    payment = wallet_net.net.query("SIDAMA-COOP", "deliveries", "payment", {"obligation": delivery["delivery_id"]})
    assert payment["payee_account"] == delivery["farmer"] and "+251" not in str(payment) + str(delivery)
    assert wallet_net.mm.providers[MOMO].account_of(delivery["farmer"]) == farmer_phone(delivery["farmer"])
