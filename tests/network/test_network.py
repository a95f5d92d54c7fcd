"""Four organisations' nodes, two ordering nodes and a three-server JetStream cluster, all started
by the test on free loopback ports, each node with its own PostgreSQL database.

The tests share one network and run in order: a letter of credit and its payment across the
nodes; private data; an endorser that is down; SIGKILL of a NATS server, a peer and an ordering
node under load; and last, a node that tampers with its own database.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import psycopg
import pytest

from baobab.core.errors import BaobabError
from baobab.core.hashing import digest_hex
from baobab.core.jcs import canonicalize
from baobab.demo import DEMO_ORGS
from baobab.http_client import BaobabClient
from baobab.keystore import Keystore
from baobab.net.auth import sign_request
from baobab.net.digest import compare
from baobab.net.local import LocalNetwork

pytestmark = [pytest.mark.services, pytest.mark.slow]
ORGS = ["KLTB", "BPLATA", "PAMPA-AGRO", "KL-FOODS"]


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    from tests.network.conftest import local_network_or_skip

    local_network_or_skip()
    orgs = [o for o in DEMO_ORGS if o["id"] in ORGS]
    network = LocalNetwork(tmp_path_factory.mktemp("localnet"), orgs, ["KLTB", "BPLATA"], orderers=2)
    network.create()
    try:
        network.start(timeout=90)
        yield network
    finally:
        network.stop()


def ok(net: LocalNetwork, org: str, contract: str, function: str, args: dict[str, Any], **kw: Any) -> dict[str, Any]:
    body = net.submit(org, contract, function, args, **kw)
    assert body["code"] == "VALID", body
    return body


def refused(call: Any) -> BaobabError:
    with pytest.raises(BaobabError) as info:
        call()
    return info.value


def settled(net: LocalNetwork, timeout: float = 60.0) -> dict[str, dict[str, Any]]:
    """Digests of every node once all have committed the same blocks: each node is asked to
    wait (server side) for the highest height any node has, until no node is ahead."""
    deadline = time.monotonic() + timeout
    target = max(net.digest(org)["height"] for org in net.peers)
    while True:
        digests = {org: net.digest(org, target, max(0.1, deadline - time.monotonic())) for org in net.peers}
        heights = {d["height"] for d in digests.values()}
        if heights == {target}:
            return digests
        assert time.monotonic() < deadline, {o: d["height"] for o, d in digests.items()}
        target = max(heights)


def test_a_letter_of_credit_and_its_payment_leave_identical_chains(net: LocalNetwork) -> None:
    from baobab.stories import StoryReport
    from baobab.stories.soybeans import credit_terms, open_credit

    actors = net.actors()
    report = StoryReport(1, "soybeans")
    open_credit(actors, report, "LC-NET-1", credit_terms(date.today()))
    lc = actors("KL-FOODS").query("letter_of_credit", "get", {"lc_id": "LC-NET-1"})
    assert lc["status"] == "advised"
    for org, account in (("KLTB", "kltb-usd"), ("BPLATA", "bplata-usd"), ("BPLATA", "pampa-usd")):  # kept by its bank
        ok(net, org, "accounts", "open", {"account": account, "currency": "USD"})
    ok(net, "KLTB", "accounts", "issue", {"account": "kltb-usd", "amount": 50_000_000})  # both banks endorse
    ok(net, "KLTB", "accounts", "transfer", {"src": "kltb-usd", "dst": "bplata-usd", "amount": 42_000_000})
    out = ok(net, "BPLATA", "accounts", "transfer", {"src": "bplata-usd", "dst": "pampa-usd", "amount": 42_000_000})
    digests = settled(net)
    result = compare(digests)
    assert result["ok"], result
    assert len({d["state_root"] for d in digests.values()}) == 1
    seen = net.client("BPLATA").tx(out["tx_id"])  # its own node answers, with the API's access rules
    assert (seen["code"], seen["block"]) == ("VALID", out["block"])
    assert refused(lambda: net.client("KLTB").tx(out["tx_id"])).code == "FORBIDDEN"  # not a party to it


def test_private_data_reaches_only_its_members(net: LocalNetwork) -> None:
    invoice = {"number": "INV-77", "seller": "PAMPA-AGRO", "buyer": "KL-FOODS",
               "amount": {"currency": "USD", "minor": 4_200_000_000}}
    members = ["PAMPA-AGRO", "KL-FOODS", "KLTB"]
    args = {"ref": "INV-77", "private_hash": digest_hex(invoice), "members": members}
    tampered = {**invoice, "amount": {"currency": "USD", "minor": 1}}
    bad = refused(lambda: net.submit("PAMPA-AGRO", "private_records", "record", args,
                                     private={"members": members, "data": tampered}))
    assert bad.code == "MALFORMED"
    ok(net, "PAMPA-AGRO", "private_records", "record", args, private={"members": members, "data": invoice})
    settled(net)
    for org in net.peers:  # held (sealed) by the members' nodes alone
        with psycopg.connect(net.databases[org]) as conn:
            held = conn.execute("SELECT count(*) FROM private_data WHERE hash = %s", (digest_hex(invoice),)).fetchone()
        assert held == ((1,) if org in members else (0,)), org
    assert compare({o: net.digest(o) for o in net.peers})["ok"]  # all validated it on the hash alone


def held_by(net: LocalNetwork, node: str, sql: str, *params: Any) -> int:
    with psycopg.connect(net.databases[node]) as conn:
        return int(conn.execute(sql, params).fetchone()[0])  # type: ignore[index]


def eventually(check: Any, timeout: float = 60.0) -> None:
    """Until `check()` holds (a node's background work, watched from its database)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.2)


def test_private_data_reaches_a_member_whose_node_was_down_when_it_was_sent(net: LocalNetwork) -> None:
    invoice = {"number": "INV-78", "seller": "PAMPA-AGRO", "buyer": "KL-FOODS",
               "amount": {"currency": "USD", "minor": 1_500_000}}
    members, digest = ["PAMPA-AGRO", "KL-FOODS"], digest_hex(invoice)
    net.kill("KL-FOODS")
    try:
        ok(net, "PAMPA-AGRO", "private_records", "record",
           {"ref": "INV-78", "private_hash": digest, "members": members}, private={"members": members, "data": invoice})
        owed = "SELECT count(*) FROM private_outbox WHERE hash = %s AND member = %s"
        assert held_by(net, "PAMPA-AGRO", owed, digest, "KL-FOODS") == 1  # owed while KL-FOODS is down
    finally:
        net.restart("KL-FOODS")
        net.wait_ready("KL-FOODS", 120)
    eventually(lambda: held_by(net, "KL-FOODS", "SELECT count(*) FROM private_data WHERE hash = %s", digest) == 1)
    eventually(lambda: held_by(net, "PAMPA-AGRO", owed, digest, "KL-FOODS") == 0)
    for org in ("KLTB", "BPLATA"):  # and still to no one else
        assert held_by(net, org, "SELECT count(*) FROM private_data WHERE hash = %s", digest) == 0


def test_a_batch_of_endorsement_requests_is_answered_item_by_item(net: LocalNetwork) -> None:
    """One signed request carries many proposals (the endorser batches them under load); each
    is endorsed or refused on its own, a refusal with the contract's reason."""
    kltb = net.identity("KLTB")
    items = [{"signed": kltb.proposal("accounts", "open", {"account": "kltb-batch", "currency": "USD"}), "org": "BPLATA"},
             {"signed": kltb.proposal("accounts", "issue", {"account": "no-such-account", "amount": 1}), "org": "BPLATA"},
             {"signed": kltb.proposal("accounts", "open", {"account": "kltb-batch-2", "currency": "USD"}), "org": "KL-FOODS"}]
    body = canonicalize({"height": 0, "items": items})
    headers = sign_request(Keystore(net.network_dir / "keys").peer("KLTB"), net.network, "KLTB", "POST",
                           "/peer/endorse-batch", body)
    answer = httpx.post(net.urls["BPLATA"] + "/peer/endorse-batch", content=body, headers=headers, timeout=60)
    assert answer.status_code == 200, answer.text
    endorsed, unknown, stranger = answer.json()["answers"]
    e = endorsed["endorsement"]
    assert e["org"] == "BPLATA" and e["result"]["status"] == "ok"
    assert Keystore(net.network_dir / "keys").peer("BPLATA").public.verify("endorsement", e["result"], e["signature"])
    assert unknown["refused"]["code"] == "CONTRACT_ERROR" and unknown["refused"]["reason"]
    assert stranger["refused"]["code"] == "FORBIDDEN"


def test_a_down_endorser_fails_its_policies_quickly(net: LocalNetwork) -> None:
    net.kill("BPLATA")
    try:
        down = refused(lambda: net.submit("KLTB", "accounts", "issue", {"account": "kltb-usd", "amount": 1}))
        assert (down.code, down.status) == ("ENDORSER_UNAVAILABLE", 503) and "BPLATA" in down.message
        ok(net, "KLTB", "accounts", "open", {"account": "kltb-eur", "currency": "EUR"})  # KLTB alone suffices
    finally:
        net.restart("BPLATA")
        net.wait_ready("BPLATA", 120)
    assert compare(settled(net))["ok"]


class Load:
    """Clients submitting from three nodes until stopped; remembers what was acknowledged."""

    def __init__(self, net: LocalNetwork) -> None:
        self.net, self.acked, self.stop = net, {}, threading.Event()
        self.tag = uuid.uuid4().hex[:8]  # each load's records are new: a ref used before is refused
        self.progress = threading.Condition()
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self.run, args=(org,), daemon=True) for org in ("KLTB", "KL-FOODS", "PAMPA-AGRO")]

    def run(self, org: str) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                ref = f"{org.lower()}-{self.tag}-{n}"
                body = self.net.submit(org, "private_records", "record",
                                       {"ref": ref, "private_hash": digest_hex(ref), "members": [org]})
            except httpx.HTTPError as exc:
                self.errors.append(repr(exc))
                continue
            except BaobabError as exc:  # refused before ordering (an endorser restarting, the orderer failing over)
                self.errors.append(exc.code)
                self.stop.wait(0.05)  # back off while the network fails over
                continue
            with self.progress:
                self.acked[body["tx_id"]] = org
                self.progress.notify_all()

    def wait_acked(self, count: int, timeout: float = 30.0) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: len(self.acked) >= count, timeout), (len(self.acked), self.errors[-5:])

    def __enter__(self) -> "Load":
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)


def test_sigkill_of_a_nats_server_a_peer_and_an_ordering_node_loses_nothing(net: LocalNetwork) -> None:
    with Load(net) as load:
        load.wait_acked(20)
        # What is left after the kills must be able to go on: a process that died earlier would
        # turn this test into a stall until the restarts below, with no word of why.
        assert all(p.alive for p in net.procs.values()), [n for n, p in net.procs.items() if not p.alive]
        net.kill("nats2")
        net.kill("BPLATA")
        net.kill("orderer1")
        try:  # the network goes on with what is left (a stream leader may first be elected again)
            before = len(load.acked)
            load.wait_acked(before + 20, 180)
        finally:  # and the module's later tests find the whole network, whatever happened here
            net.restart("nats2")
            net.restart("orderer1")
            net.restart("BPLATA")
            net.wait_ready("BPLATA", 120)
        before = len(load.acked)
        load.wait_acked(before + 20, 60)
    assert load.acked
    digests = settled(net, 90)
    result = compare(digests)
    assert result["ok"], result
    with psycopg.connect(net.databases["BPLATA"]) as conn:  # the restarted peer caught up, and holds every tx
        held = {r[0] for r in conn.execute("SELECT tx_id FROM txs")}
    assert set(load.acked) <= held
    for org in ("KLTB", "PAMPA-AGRO"):
        with psycopg.connect(net.databases[org]) as conn:
            assert set(load.acked) <= {r[0] for r in conn.execute("SELECT tx_id FROM txs")}


def test_requests_are_served_while_the_stream_leaders_nats_server_is_paused(net: LocalNetwork) -> None:
    """A NATS server frozen (SIGSTOP) keeps its connections open without answering: the nodes
    and ordering nodes connected to it must notice and go on through the other two, and the
    stream must elect another leader, while it is still paused."""
    leader = net.stream_leader()
    with Load(net) as load:
        load.wait_acked(10)
        net.pause(leader)
        try:
            before = len(load.acked)
            load.wait_acked(before + 20, 90)  # served during the pause, before the server is resumed
        finally:
            net.resume(leader)
        before = len(load.acked)
        load.wait_acked(before + 10, 60)
    digests = settled(net, 90)
    assert compare(digests)["ok"]
    for org in ("KLTB", "PAMPA-AGRO"):
        with psycopg.connect(net.databases[org]) as conn:
            assert set(load.acked) <= {r[0] for r in conn.execute("SELECT tx_id FROM txs")}


def test_a_node_serves_only_its_own_organisations_clients(net: LocalNetwork) -> None:
    """The same API as the embedded mode, with its problem documents: a client of another
    organisation is refused by this node, with a stable code."""
    stranger = BaobabClient(net.urls["KLTB"], net.identity("KL-FOODS"))
    e = refused(lambda: stranger.submit("accounts", "open", {"account": "x", "currency": "USD"}))
    assert (e.code, e.status) == ("FORBIDDEN", 403)
    response = httpx.get(net.urls["KLTB"] + "/v1/head", timeout=20)
    assert response.status_code == 401 and response.json()["type"] == "/v1/problems/UNAUTHENTICATED"


NODE_ROUTES = ["/peer/endorse", "/peer/endorse-batch", "/peer/private", "/ops/digest", "/ops/audit"]


@pytest.mark.parametrize("path", NODE_ROUTES)
def test_node_routes_refuse_unsigned_wrongly_signed_and_replayed_requests(net: LocalNetwork, path: str) -> None:
    url, body = net.urls["KLTB"] + path, canonicalize({})
    unsigned = httpx.post(url, content=body, timeout=20)
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "UNAUTHENTICATED")
    keys = Keystore(net.network_dir / "keys")
    # BPLATA's headers, signed with PAMPA-AGRO's peer key (a member node, but not BPLATA)
    forged = sign_request(keys.peer("PAMPA-AGRO"), net.network, "BPLATA", "POST", path, body)
    wrong = httpx.post(url, content=body, headers={**forged, "X-Baobab-Org": "BPLATA"}, timeout=20)
    assert (wrong.status_code, wrong.json()["code"]) == (401, "BAD_SIGNATURE")
    client_key = sign_request(keys.client("BPLATA", "app"), net.network, "BPLATA", "POST", path, body)
    assert httpx.post(url, content=body, headers=client_key, timeout=20).json()["code"] == "BAD_SIGNATURE"
    headers = sign_request(keys.peer("BPLATA"), net.network, "BPLATA", "POST", path, body)
    first = httpx.post(url, content=body, headers=headers, timeout=120)
    assert first.json().get("code") != "REPLAYED"  # accepted (or refused for its body, not its signature)
    again = httpx.post(url, content=body, headers=headers, timeout=20)
    assert (again.status_code, again.json()["code"]) == (401, "REPLAYED")


def test_a_node_request_replayed_after_the_node_restarted_is_refused(net: LocalNetwork) -> None:
    """The nonces of node requests outlive the node: killed and restarted within the time
    window, it still refuses a request it answered before."""
    path, body = "/ops/digest", canonicalize({})
    headers = sign_request(Keystore(net.network_dir / "keys").peer("BPLATA"), net.network, "BPLATA", "POST", path, body)
    assert httpx.post(net.urls["KLTB"] + path, content=body, headers=headers, timeout=60).status_code == 200
    net.kill("KLTB")
    net.restart("KLTB")
    net.wait_ready("KLTB", 120)
    again = httpx.post(net.urls["KLTB"] + path, content=body, headers=headers, timeout=20)
    assert (again.status_code, again.json()["code"]) == (401, "REPLAYED")


def test_a_node_that_alters_its_own_database_is_found_out(net: LocalNetwork) -> None:
    settled(net)
    with psycopg.connect(net.databases["KL-FOODS"], autocommit=True) as conn:
        conn.execute("""UPDATE state SET value = '{"balance":999999999,"currency":"USD","owner":"PAMPA-AGRO"}'
                        WHERE key = 'accounts:acct/pampa-usd'""")
    result = compare({o: net.digest(o) for o in net.peers})
    assert not result["ok"] and result["problems"] == [{"node": "KL-FOODS", "height": result["common_height"],
                                                         "differs": "state root"}]
    audit = net.ops("KL-FOODS", "/ops/audit", timeout=120)
    assert not audit["ok"] and audit["where"]["key"] == "accounts:acct/pampa-usd"
    cli = subprocess.run([sys.executable, "-m", "baobab.cli", "network", "compare", *net.node_urls.values(),
                          "--network-dir", str(net.network_dir), "--as", "KLTB"],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 1 and "DIVERGES " + net.node_urls["KL-FOODS"] in cli.stdout
