"""`baobab node --config FILE`, and the network-mode subcommands of `baobab network`:
`compare` (consistency of several nodes' ledgers) and `local` (a whole network on this machine)."""

from __future__ import annotations

import json
import logging
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from baobab.cli.failures import UNAVAILABLE, Failure



def require_network_extra() -> None:
    """Network mode runs on PostgreSQL and NATS clients that the embedded default does not need."""
    try:
        import nats  # noqa: F401
        import psycopg  # noqa: F401
    except ModuleNotFoundError as exc:
        raise click.ClickException(
            f"network mode needs the 'network' extra ({exc.name} is missing): pip install -e '.[network]'"
        ) from None


@click.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False, exists=True),
              help="The node's config file (JSON or TOML); see docs/NETWORK.md.")
def node(config_path: str) -> None:
    """Run one node of a network: an organisation's peer, or an ordering node."""
    require_network_extra()
    from baobab.net.config import NodeConfig
    from baobab.net.server import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("nats").setLevel(logging.WARNING)
    run(NodeConfig.load(config_path))  # a refusal (bad config...) ends as `Error: CODE: ...`, status 1


@click.command()
@click.argument("nodes", nargs=-1, required=True, metavar="URL...")
@click.option("--wait", "wait_s", default=10.0, show_default=True,
              help="Seconds to wait for the nodes to reach one height, so that state roots compare.")
@click.option("--audit", "run_audit", is_flag=True, help="Also ask each node to replay its ledger from genesis.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--network-dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder with genesis.json and keys/ holding the peer key of --as.")
@click.option("--as", "as_org", required=True, help="The member organisation whose node's peer key signs the requests.")
def compare(nodes: tuple[str, ...], wait_s: float, run_audit: bool, as_json: bool, network_dir: Path, as_org: str) -> None:
    """Compare the ledgers of two or more nodes: block hashes, commit hashes, state roots.

    Operations requests are signed with a member node's peer key (--as, from --network-dir).
    Exit status 0 when they agree, 1 when any diverges, 2 when a node cannot be reached.
    """
    require_network_extra()
    import httpx

    from baobab.embedded import load_genesis
    from baobab.keystore import Keystore
    from baobab.net.auth import ops_request
    from baobab.net.digest import compare as compare_digests

    if len(nodes) < 2:
        raise click.UsageError("give at least two node URLs")
    network = load_genesis(network_dir)["network"]
    key = Keystore(network_dir / "keys").peer(as_org)

    def ops(url: str, path: str, timeout: float) -> dict[str, Any]:
        return ops_request(url, key, network, as_org, path, {}, timeout, network_dir=network_dir)

    deadline = time.monotonic() + wait_s
    while True:
        try:
            digests = {u: ops(u, "/ops/digest", 30) for u in nodes}
        except (httpx.HTTPError, BaobabError) as exc:
            click.echo(f"Error: cannot reach a node: {exc}", err=True)
            sys.exit(2)
        if len({d["height"] for d in digests.values()}) == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    report = compare_digests(digests)
    if run_audit:
        report["audits"] = {u: ops(u, "/ops/audit", 600) for u in nodes}
        bad = [u for u, a in report["audits"].items() if not a["ok"]]
        report["problems"] += [{"node": u, "differs": "audit", "problem": report["audits"][u]["problem"]} for u in bad]
        report["ok"] = not report["problems"]
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        for url, height in report["heights"].items():
            click.echo(f"{url}: {height} blocks")
        for p in report["problems"]:
            where = f"block {p['block']}" if "block" in p else f"height {p.get('height', '')}"
            click.echo(f"DIVERGES {p['node']}: {p['differs']} at {where} {p.get('problem') or ''}".rstrip())
        click.echo("ledgers agree" if report["ok"] else "ledgers DIVERGE")
    sys.exit(0 if report["ok"] else 1)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("--dir", "root", default=None, type=click.Path(file_okay=False),
              help="Folder for keys, configs, NATS data and logs (default: a new temporary folder).")
@click.option("--orgs", default="KLTB,BPLATA,PAMPA-AGRO,KL-FOODS", show_default=True,
              help="Demo organisations, one node each.")
@click.option("--orderers", default=2, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the databases when stopping.")
def local(root: str | None, orgs: str, orderers: int, keep: bool) -> None:
    """Start a local network: three NATS servers (JetStream), ordering nodes, and one node with
    its own PostgreSQL database per organisation. Runs until Ctrl-C."""
    require_network_extra()
    import psycopg

    from baobab.demo import DEMO_ORGS
    from baobab.net.local import LocalNetwork

    wanted = [o.strip() for o in orgs.split(",") if o.strip()]
    chosen = [o for o in DEMO_ORGS if o["id"] in wanted]
    if len(chosen) != len(wanted):
        raise click.BadParameter(f"unknown demo organisations in {orgs!r}")
    admins = [o["id"] for o in chosen if "bank" in o["roles"]] or [chosen[0]["id"]]
    net = LocalNetwork(Path(root or tempfile.mkdtemp(prefix="baobab-local-")), chosen, admins, orderers=orderers)
    # SIGTERM stops the network as Ctrl-C does, never leaving its servers and databases behind
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        net.create()
    except psycopg.OperationalError as exc:
        raise Failure(f"PostgreSQL is unreachable ({str(exc).strip().splitlines()[0]}); start it or set BAOBAB_PG_ADMIN",
                      UNAVAILABLE) from None
    try:
        net.start()
        click.echo(f"network {net.network} in {net.root}")
        click.echo(f"NATS: {', '.join(net.nats_urls)}")
        click.echo(f"TLS anchors: {net.network_dir / 'tls'} (remote commands: --data {net.network_dir})")
        for org, url in net.urls.items():
            click.echo(f"{org}: {url} (config {net.root / (org + '.json')})")
        click.echo("Ctrl-C stops it.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        net.stop(drop=not keep)
