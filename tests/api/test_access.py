"""Authorisation by role and party, over HTTP against a real node process: each role reads
what it is party to and cannot read or change anything else."""

from __future__ import annotations

import pytest

from baobab.core.errors import BaobabError

# (kind, ref, parties, countries): a trader's deal, a bank's credit, a carrier's shipment,
# a financing platform's registration.
RECORDS = {
    "deal": ("deal", "soy-1", ["PAMPA-AGRO", "KL-FOODS"], ["AR", "MY"]),
    "credit": ("credit", "lc-1", ["KLTB", "BPLATA"], ["MY", "AR"]),
    "shipment": ("shipment", "bl-1", ["SOUTHSEAS", "PAMPA-AGRO"], ["AR", "MY"]),
    "registration": ("registration", "inv-1", ["RXIL"], ["IN"]),
}
CAN_READ = {"deal": ["PAMPA-AGRO", "KL-FOODS"], "credit": ["KLTB", "BPLATA"], "shipment": ["SOUTHSEAS"],
            "registration": ["RXIL"]}
CANNOT_READ = {"deal": ["PUNE-TOOLS", "KLTB", "SOUTHSEAS"], "credit": ["ESBANK", "PAMPA-AGRO", "RXIL"],
               "shipment": ["SKYCARGO", "KL-FOODS", "KLTB"], "registration": ["ATREDS", "M1X", "PUNE-TOOLS"]}


@pytest.fixture(scope="module")
def recorded(node):  # type: ignore[no-untyped-def]
    out = {}
    for name, (kind, ref, parties, countries) in RECORDS.items():
        outcome = node.client(parties[0]).submit("deals", "record", {"kind": kind, "ref": ref, "parties": parties,
                                                                      "countries": countries})
        assert outcome["code"] == "VALID", outcome
        out[name] = outcome
    return out


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_parties_read_their_records(node, recorded, name):  # type: ignore[no-untyped-def]
    kind, ref, parties, _ = RECORDS[name]
    for org in CAN_READ[name]:
        record = node.client(org).get("deals", f"{kind}/{ref}")
        assert record["value"]["parties"] == parties
        assert "access" not in record  # a party's read is not a supervisor read
        assert node.client(org).tx(recorded[name]["tx_id"])["code"] == "VALID"


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_others_cannot_read_records_transactions_proofs_or_events(node, recorded, name):  # type: ignore[no-untyped-def]
    kind, ref, _, _ = RECORDS[name]
    tx_id = recorded[name]["tx_id"]
    for org in CANNOT_READ[name]:
        client = node.client(org)
        for read in (lambda: client.get("deals", f"{kind}/{ref}"), lambda: client.history("deals", f"{kind}/{ref}"),
                     lambda: client.tx(tx_id), lambda: client.proof(tx_id)):
            with pytest.raises(BaobabError) as err:
                read()
            assert err.value.code == "FORBIDDEN"
        assert f"deals:{kind}/{ref}" not in [r["key"] for r in client.keys("deals")]
        block = client.block(recorded[name]["block"])
        assert all("envelope" not in t for t in block["transactions"] if t["tx_id"] == tx_id)
        assert tx_id not in [e["tx_id"] for e in client.events(from_block=recorded[name]["block"])]


def test_a_party_sees_its_events_and_block_envelopes(node, recorded):  # type: ignore[no-untyped-def]
    rxil = node.client("RXIL")
    tx_id = recorded["registration"]["tx_id"]
    assert tx_id in [e["tx_id"] for e in rxil.events(from_block=recorded["registration"]["block"])]
    block = rxil.block(recorded["registration"]["block"])
    assert [t for t in block["transactions"] if t["tx_id"] == tx_id][0]["envelope"]["proposal"]["creator"] == "RXIL/app"


@pytest.mark.parametrize("name,intruder", [("deal", "PUNE-TOOLS"), ("credit", "ESBANK"), ("shipment", "SKYCARGO"),
                                           ("registration", "ATREDS")])
def test_others_cannot_change_records(node, recorded, name, intruder):  # type: ignore[no-untyped-def]
    kind, ref, parties, _ = RECORDS[name]
    owner = node.client(parties[0])
    before = owner.get("deals", f"{kind}/{ref}")
    with pytest.raises(BaobabError) as err:
        node.client(intruder).submit("deals", "note", {"kind": kind, "ref": ref, "text": "mine now"})
    assert err.value.code == "CONTRACT_ERROR"
    assert owner.get("deals", f"{kind}/{ref}") == before


def test_a_client_cannot_submit_a_proposal_of_another_org(node):  # type: ignore[no-untyped-def]
    forged = node.client("KL-FOODS").identity.proposal("deals", "note", {"kind": "deal", "ref": "soy-1", "text": "x"})
    with pytest.raises(BaobabError) as err:
        node.client("PUNE-TOOLS").submit_signed(forged)
    assert err.value.code == "FORBIDDEN"
