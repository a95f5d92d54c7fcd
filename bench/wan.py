"""Across continents: the four-organisation network with each organisation's node far from the others.

    python -m bench wan                              round trips of 50, 150 and 300 ms, 1% loss
    python -m bench wan --rtt 300 --txs 400 --clients 32 --endorse-timeout 2

The network of `bench network` (three NATS servers, two ordering nodes, four organisation nodes
with a PostgreSQL database each), with every link that would cross an ocean passing through a
latency proxy (bench/latency_proxy.py): each request from one organisation's node to another's
(endorsements: one round trip of RTT) and each connection from an organisation's node to the
ordering service (NATS: half that round trip, the service sitting between the continents). A
client reaches its own organisation's node without delay, and the ordering nodes sit beside
the NATS servers. Loss is modelled by the proxy as TCP would show it: a lost segment arrives
one retransmission timeout late (see the proxy's docstring).

Why a proxy and not `tc netem`: on the development machine `ip netns add` works (as root) but
`tc qdisc add ... netem` answers "Specified qdisc kind is unknown": the kernel has no netem
module. Where it has one, netem still needs the nodes in network namespaces of their own (it
would otherwise shape the loopback device every process of the machine uses), with PostgreSQL
and the clients on the far side of virtual links. The proxy gives the same delays and losses to
exactly the benchmark's connections, on any machine the tests run on.

Reported per round-trip time: committed transfers per second, p50/p95/p99 submit-to-commit
latency, and the refusals (ENDORSER_UNAVAILABLE means an endorsement did not come back within
the node's endorsement timeout).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.network import BLOCK, ORGS, Workload, local_network, measure_network, show
from baobab.net.process import free_ports


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def place_far_apart(net: Any, rtt_ms: float, loss: float, endorse_timeout_s: float) -> list[dict[str, Any]]:
    """Rewrite the organisation nodes' configs so that their links to each other and to the
    ordering service go through delaying proxies; the proxies' links, to start."""
    for i in range(net.nats_servers):  # a client must not learn (and use) the servers' direct addresses
        conf = net.root / f"nats{i + 1}.conf"
        conf.write_text(conf.read_text().replace("cluster {\n", "cluster {\n  no_advertise: true\n"))
    links: list[dict[str, Any]] = []
    peers = [org for org in net.peers]
    ports = iter(free_ports(len(peers) * (len(peers) - 1 + len(net.nats_urls))))
    for org in peers:
        path = net.root / f"{org}.json"
        config = json.loads(path.read_text())
        for other, url in list(config["peers"].items()):
            port = next(ports)
            links.append({"listen": port, "target": _port(url), "one_way_ms": rtt_ms / 2, "loss": loss})
            config["peers"][other] = f"https://127.0.0.1:{port}"  # TLS end to end, through the proxy
        nats = []
        for url in config["nats"]:
            port = next(ports)
            links.append({"listen": port, "target": _port(url), "one_way_ms": rtt_ms / 4, "loss": loss})
            nats.append(f"nats://127.0.0.1:{port}")
        config["nats"] = nats
        config["endorse_timeout_s"] = endorse_timeout_s
        path.write_text(json.dumps(config, indent=2))
    return links


def start_proxy(root: Path, links: list[dict[str, Any]]) -> subprocess.Popen[str]:
    spec = root / "links.json"
    spec.write_text(json.dumps(links))
    proxy = subprocess.Popen([sys.executable, "-m", "bench", "latency_proxy", str(spec)], stdout=subprocess.PIPE,
                             text=True, cwd=Path(__file__).resolve().parent.parent)
    assert proxy.stdout is not None
    if proxy.stdout.readline().strip() != "READY":
        proxy.kill()
        raise SystemExit("the latency proxy did not start")
    return proxy


def bench_wan(work: Workload, txs: int, clients: int, rtt_ms: float, loss: float,
              endorse_timeout_s: float) -> dict[str, Any]:
    net = local_network(Path(tempfile.mkdtemp(prefix="baobab-wan-")))
    proxy = start_proxy(net.root, place_far_apart(net, rtt_ms, loss, endorse_timeout_s))
    try:
        net.start(timeout=180)
        return measure_network(net, work, txs, clients)
    finally:
        net.stop()
        proxy.kill()
        proxy.wait()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench wan", description=__doc__.split("\n\n")[0])
    ap.add_argument("--rtt", default="50,150,300", help="round-trip times between organisations, ms (comma-separated)")
    ap.add_argument("--loss", type=float, default=0.01, help="share of segments lost (and resent) on every far link")
    ap.add_argument("--txs", type=int, default=400, help="transfers in the timed phase, per round-trip time")
    ap.add_argument("--clients", type=int, default=32, help="closed-loop clients, spread over the four nodes")
    ap.add_argument("--accounts", type=int, default=100, help="accounts per organisation")
    ap.add_argument("--endorse-timeout", type=float, default=2.0, help="the nodes' endorsement timeout, s")
    args = ap.parse_args(argv)
    print(f"workload: {args.txs} transfers, {args.clients} clients, {args.accounts} accounts per org, loss {args.loss:.1%}, "
          f"endorsement timeout {args.endorse_timeout} s, blocks of up to {BLOCK['max_txs']} txs / {BLOCK['timeout_ms']} ms")
    for rtt in [float(x) for x in args.rtt.split(",")]:
        r = bench_wan(Workload(args.accounts), args.txs, args.clients, rtt, args.loss, args.endorse_timeout)
        show(f"RTT {rtt:.0f} ms between organisations", r)
        print(f"{'':44} (set-up of {2 * len(ORGS) * args.accounts} accounts took {r['setup_s']:.0f} s; "
              f"heights {sorted(set(r['heights'].values()))})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
