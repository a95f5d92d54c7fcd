"""`baobab up`: the demo network, its node and its API on this machine, in one command.

First run: create the network of the report's organisations in the data folder, open the
node and its reactor (`baobab.reactors`, in a background thread), play each story once
(recorded in `stories-played.json`), then serve the API until Ctrl-C or SIGTERM. Later runs
reopen the same folder and keep everything, the reactor resuming where it stopped.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
from pathlib import Path

import click

from baobab import datalock
from baobab.cli.demo import discover_stories, embedded_network, play_all, summary_table
from baobab.cli.failures import UNAVAILABLE, Failure

PLAYED_FILE = "stories-played.json"


class _Stopped(Exception):
    pass


def _stop(signum: int, frame: object) -> None:
    raise _Stopped()


def serve(app, sock: socket.socket) -> None:  # type: ignore[no-untyped-def]
    """Serve `app` on `sock` until Ctrl-C or SIGTERM, with the slow-client timeouts."""
    import uvicorn

    from baobab.api.limits import uvicorn_options

    config = uvicorn.Config(app, log_level="info", timeout_graceful_shutdown=3, **uvicorn_options())
    # uvicorn shuts down gracefully on Ctrl-C / SIGTERM, then re-raises the signal to the
    # handler found at start: make that handler end the command normally.
    signal.signal(signal.SIGTERM, _stop)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass


def _play_new_stories(node, data: Path, services) -> None:  # type: ignore[no-untyped-def]
    from baobab.stories.embedded import embedded_actors

    marker = data / PLAYED_FILE
    played = set(json.loads(marker.read_text())) if marker.exists() else set()
    stories = [s for s in discover_stories() if s.number not in played]
    if not stories:
        return
    click.echo(f"Loading {len(stories)} stories into the ledger…")
    results = play_all(stories, embedded_actors(node, data), services=services.for_stories())
    click.echo("\n" + summary_table(results))
    played |= {story.number for story, report, _ in results if report is not None}
    marker.write_text(json.dumps(sorted(played)))


def listen(host: str, port: int) -> socket.socket:
    """The API's listening socket, bound before the ledger opens, so a port in use stops the
    command at once with a clear message."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise Failure(f"cannot listen on {host!r}: {exc.strerror} (--host)", UNAVAILABLE) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    if os.name != "nt":  # as uvicorn does; on Windows this flag would let two servers share a port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        why = "is in use; stop what holds it or choose another --port" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise Failure(f"port {port} on {host} {why}", UNAVAILABLE) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def banner(node, data: Path, url: str) -> str:  # type: ignore[no-untyped-def]
    from baobab.demo import DEMO_ORGS

    lines = [
        "",
        f"Baobab node for network {node.network!r} — {node.height()} blocks in {data.resolve()}",
        f"  API           {url}/v1   (health: {url}/health)",
        f"  OpenAPI       {url}/openapi.json   (try it: {url}/docs)",
        f"  Pages         {url}/   (verify a document: {url}/verify; users and passwords: {data / 'web-users.txt'})",
        f"  Switch        {url}/fspiop   (FSPIOP v1.1; operator: `baobab switch positions --data {data}`, page {url}/switch as CBK)",
        "",
        "Authenticate as an organisation by signing requests with its client key:",
    ]
    for org in DEMO_ORGS:
        key = data / "keys" / org["id"] / "clients" / "app.key"
        lines.append(f"  {org['id']:<12} {org['country']}  {','.join(org['roles']):<17} {key}")
    lines += [
        "",
        "From a shell (docs/CLI.md):",
        f"  export BAOBAB_URL={url} BAOBAB_DATA={data}",
        "  baobab head --as KLTB/app",
        "  baobab call accounts open --as KLTB/app --arg account=KLTB-9 --arg currency=MYR",
        "  curl -H \"Authorization: Bearer $(baobab token --as KLTB/app)\" " + url + "/v1/head",
        "",
        "From Python:",
        "  from baobab.client import Identity",
        "  from baobab.http_client import BaobabClient",
        f"  node = BaobabClient({url!r}, Identity.load({str(data)!r}, {node.network!r}, 'KLTB'))",
        "  node.head(); node.network(); list(node.keys('accounts'))",
        f"Play the stories over HTTP: baobab demo --url {url} --data {data}",
        "",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=Path("data"), show_default=True,
              help="data folder of the network (created on first run)")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.option("--once", is_flag=True, help="set up, load the stories, print the banner and exit (CI smoke)")
@click.option("--no-stories", is_flag=True, help="do not play the stories")
def up(data: Path, host: str, port: int, once: bool, no_stories: bool) -> None:
    """Create (or reopen) the demo network, load the stories, and serve the node's API.

    Refuses at once, before opening the ledger, when the data folder is in use by another
    process or the port is taken (exit status 3).
    """
    with datalock.hold(data):
        sock = None if once else listen(host, port)
        try:
            _serve(data, host, port, once, no_stories, sock)
        finally:
            if sock is not None:
                sock.close()


def _serve(data: Path, host: str, port: int, once: bool, no_stories: bool, sock: socket.socket | None) -> None:
    from baobab.api.app import create_app
    from baobab.demo import DEMO_ORGS, OPERATOR
    from baobab.gateway.gateway import Gateway
    from baobab.services import demo_services, demo_users, mount_for_people, node_url

    node = embedded_network(data)
    services = None
    try:
        # contracts' reactions (a decided oracle round evaluates its conditional payment...) and
        # the payments agent on the switch this node hosts, for every organisation of the network
        services = demo_services(node, data, node_url(host, port))  # FSPs called back where this node listens
        if not no_stories:
            _play_new_stories(node, data, services)
        demo_users(data, DEMO_ORGS, services.mobile_money.agents() if services.mobile_money else None)
        url = f"http://{host}:{port}"
        click.echo(banner(node, data, url))
        if once or sock is None:
            return
        gateway = Gateway(node, keys_dir=data / "keys")
        app = create_app(gateway, data)
        mount_for_people(app, gateway, data, hub=services.hub, operator=OPERATOR, mobile_money=services.mobile_money,
                         fsps=services.fsps)
        serve(app, sock)
    finally:
        if services is not None:
            services.stop()
        node.close()
        click.echo("Node stopped; data kept in " + str(data))
