"""TLS bound to genesis: a client reaches an organisation's node only if the node's certificate
was issued by the peer key genesis records for that organisation, names it, and is in date.

The server here is a real TLS server on a loopback port (the node's own server context); the
clients are the ones nodes, the CLI and the harness use (`pinned_client`, `node_client`).
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from baobab import embedded
from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.keystore import Keystore
from baobab.net.config import NodeConfig
from baobab.net.tls import (Anchors, anchor_certificate, issue, node_client, node_credentials, org_host, pem,
                            pinned_client, server_context, write_anchors, write_credentials)

ORGS = [{"id": "KEBANK", "name": "Kenya Bank", "country": "KE", "roles": ["bank"]},
        {"id": "MYBANK", "name": "Malaysia Bank", "country": "MY", "roles": ["bank"]},
        {"id": "KE-COOP", "name": "Coop", "country": "KE", "roles": ["trader"]}]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("tls") / "net"
    genesis = embedded.create(path, "tls-test", ORGS, ["KEBANK", "MYBANK"])
    write_anchors(path, genesis)
    return path, genesis


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args: Any) -> None:
        pass


def serving(context: ssl.SSLContext) -> Iterator[str]:
    """A TLS server on a free loopback port with `context`; its https URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.handle_error = lambda *a: None  # type: ignore[method-assign]  # refused handshakes are the point
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def node_serving(folder: Path, creds: dict[str, tuple[Path, Path]], default: str, network: str) -> Iterator[str]:
    yield from serving(server_context(creds, default, {o: org_host(network, o) for o in creds}))


def reach(network_dir: Path, url: str, org: str) -> str:
    with pinned_client(network_dir, {url: org}, timeout=10) as http:
        return http.get(url + "/").text


def refused(network_dir: Path, url: str, org: str) -> str:
    with pytest.raises(httpx.ConnectError) as caught:
        reach(network_dir, url, org)
    return str(caught.value)


def one_cert(tmp_path: Path, network_dir: Path, genesis: dict[str, Any], issuer: PrivateKey, anchor: Any, org: str,
             **kw: Any) -> dict[str, tuple[Path, Path]]:
    cert, key = issue(issuer, anchor, org, [org_host(genesis["network"], org), "127.0.0.1"], **kw)
    return {org: write_credentials(tmp_path, org, cert, key)}


def test_a_node_whose_certificate_its_organisations_genesis_key_issued_is_reached(network: Any, tmp_path: Path) -> None:
    path, genesis = network
    creds = node_credentials(tmp_path, path, genesis, ["KEBANK"], ["127.0.0.1"])
    for url in node_serving(tmp_path, creds, "KEBANK", genesis["network"]):
        assert reach(path, url, "KEBANK") == "hello"


def test_a_node_hosting_an_organisation_answers_as_it_with_a_certificate_from_its_key(network: Any, tmp_path: Path) -> None:
    """A bank's node serving a cooperative holds the cooperative's peer key: the cooperative's
    clients ask for it by name and get the certificate its key issued."""
    path, genesis = network
    creds = node_credentials(tmp_path, path, genesis, ["KEBANK", "KE-COOP"], ["127.0.0.1"])
    for url in node_serving(tmp_path, creds, "KEBANK", genesis["network"]):
        assert reach(path, url, "KE-COOP") == "hello"
        assert reach(path, url, "KEBANK") == "hello"


def test_a_client_refuses_another_member_answering_as_the_organisation(network: Any, tmp_path: Path) -> None:
    """MYBANK's node, with a genuine certificate from MYBANK's genesis key, cannot pass for KEBANK's."""
    path, genesis = network
    creds = node_credentials(tmp_path, path, genesis, ["MYBANK"], ["127.0.0.1"])
    for url in node_serving(tmp_path, creds, "MYBANK", genesis["network"]):
        assert "CERTIFICATE_VERIFY_FAILED" in refused(path, url, "KEBANK")
        assert reach(path, url, "MYBANK") == "hello"


def test_a_client_refuses_a_certificate_from_a_key_that_is_not_in_genesis(network: Any, tmp_path: Path) -> None:
    """An impostor makes its own 'KEBANK' anchor with its own key: same names, wrong key."""
    path, genesis = network
    impostor = PrivateKey.generate()
    creds = one_cert(tmp_path, path, genesis, impostor, anchor_certificate(impostor, genesis["network"], "KEBANK"), "KEBANK")
    for url in node_serving(tmp_path, creds, "KEBANK", genesis["network"]):
        assert "CERTIFICATE_VERIFY_FAILED" in refused(path, url, "KEBANK")


def test_a_client_refuses_an_expired_certificate_from_the_right_key(network: Any, tmp_path: Path) -> None:
    path, genesis = network
    key = Keystore(path / "keys").peer("KEBANK")
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
    creds = one_cert(tmp_path, path, genesis, key, Anchors.load(path, genesis).of("KEBANK"), "KEBANK",
                     not_before=old, days=30)
    for url in node_serving(tmp_path, creds, "KEBANK", genesis["network"]):
        assert "expired" in refused(path, url, "KEBANK")


def test_a_client_refuses_a_certificate_of_the_right_key_naming_another_organisation(network: Any, tmp_path: Path) -> None:
    path, genesis = network
    key = Keystore(path / "keys").peer("KEBANK")
    cert, private = issue(key, Anchors.load(path, genesis).of("KEBANK"), "KEBANK",
                          [org_host(genesis["network"], "MYBANK"), "127.0.0.1"])
    creds = {"KEBANK": write_credentials(tmp_path, "KEBANK", cert, private)}
    for url in node_serving(tmp_path, creds, "KEBANK", genesis["network"]):
        assert "CERTIFICATE_VERIFY_FAILED" in refused(path, url, "KEBANK")


def test_a_substituted_anchor_beside_genesis_is_refused_not_trusted(network: Any, tmp_path: Path) -> None:
    path, genesis = network
    copy = tmp_path / "net"
    (copy / "tls").mkdir(parents=True)
    for anchor in (path / "tls").iterdir():
        (copy / "tls" / anchor.name).write_bytes(anchor.read_bytes())
    (copy / "tls" / "KEBANK.pem").write_text(pem(anchor_certificate(PrivateKey.generate(), genesis["network"], "KEBANK")))
    with pytest.raises(BaobabError) as caught:
        Anchors.load(copy, genesis)
    assert caught.value.code == "CORRUPT"


def test_a_node_serves_tls_1_3_only_and_answers_nothing_in_plain_http(network: Any, tmp_path: Path) -> None:
    path, genesis = network
    creds = node_credentials(tmp_path, path, genesis, ["KEBANK"], ["127.0.0.1"])
    for url in node_serving(tmp_path, creds, "KEBANK", genesis["network"]):
        with pytest.raises(httpx.HTTPError):
            httpx.get(url.replace("https://", "http://") + "/", timeout=10)
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.maximum_version = ssl.TLSVersion.TLSv1_2
        old.load_verify_locations(cadata=Anchors.load(path, genesis).pem_of("KEBANK"))
        with httpx.Client(verify=old, timeout=10) as http, pytest.raises(httpx.ConnectError):
            http.get(url + "/", extensions={"sni_hostname": org_host(genesis["network"], "KEBANK")})


def test_an_operator_reaching_a_node_by_url_alone_trusts_members_only(network: Any, tmp_path: Path) -> None:
    path, genesis = network
    creds = node_credentials(tmp_path, path, genesis, ["MYBANK"], ["127.0.0.1"])
    for url in node_serving(tmp_path, creds, "MYBANK", genesis["network"]):
        with node_client(url, path, timeout=10) as http:
            assert http.get(url + "/").text == "hello"
    outsider = PrivateKey.generate()
    creds = one_cert(tmp_path, path, genesis, outsider, anchor_certificate(outsider, genesis["network"], "MYBANK"), "MYBANK")
    for url in node_serving(tmp_path, creds, "MYBANK", genesis["network"]):
        with node_client(url, path, timeout=10) as http, pytest.raises(httpx.ConnectError):
            http.get(url + "/")


def test_a_node_config_naming_a_peer_over_plain_http_is_refused(tmp_path: Path) -> None:
    doc = {"role": "peer", "org": "KEBANK", "database": "postgresql://x/y", "network_dir": str(tmp_path),
           "listen": "127.0.0.1:1", "nats": ["nats://127.0.0.1:2"], "peers": {"MYBANK": "http://127.0.0.1:3"}}
    with pytest.raises(BaobabError) as caught:
        NodeConfig.from_dict(doc)
    assert caught.value.code == "MALFORMED" and "https://" in caught.value.message


# --- a running network: every connection is TLS ------------------------------------------

@pytest.fixture(scope="module")
def small_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Two banks' nodes, an ordering node and a two-server NATS cluster, as `baobab network local` runs them."""
    from baobab.demo import DEMO_ORGS
    from baobab.net.local import LocalNetwork
    from tests.network.conftest import local_network_or_skip

    local_network_or_skip()
    orgs = [o for o in DEMO_ORGS if o["id"] in ("KLTB", "BPLATA")]
    net = LocalNetwork(tmp_path_factory.mktemp("tlsnet"), orgs, ["KLTB", "BPLATA"], nats_servers=2, orderers=1)
    net.create()
    try:
        net.start(timeout=90)
        yield net
    finally:
        net.stop()


@pytest.mark.services
def test_a_running_node_answers_only_over_tls_and_only_as_its_own_organisation(small_net: Any) -> None:
    url = small_net.node_urls["KLTB"]
    with pytest.raises(httpx.HTTPError):
        httpx.get(url.replace("https://", "http://") + "/health", timeout=10)
    with small_net.http_client(timeout=10) as http:
        assert http.get(url + "/health").json()["status"] == "ok"
    with pinned_client(small_net.network_dir, {url: "BPLATA"}, timeout=10) as http, pytest.raises(httpx.ConnectError):
        http.get(url + "/health")
    body = small_net.submit("KLTB", "accounts", "open", {"account": "tls-check", "currency": "USD"})
    assert body["code"] == "VALID", body  # endorsed by BPLATA's node over TLS, ordered over NATS with TLS


@pytest.mark.services
@pytest.mark.parametrize("how", ["no client certificate", "another issuer"])
def test_a_nats_server_of_the_network_refuses_clients_without_tls_and_a_certificate_of_the_network(
        small_net: Any, how: str, tmp_path: Path) -> None:
    import asyncio

    import nats

    from baobab.net.tls import NETWORK_ANCHOR, client_context, nats_host

    anchors = Anchors.load(small_net.network_dir)
    if how == "no client certificate":
        options = {"tls": client_context(anchors.pem_of(NETWORK_ANCHOR))}
    else:
        stranger = PrivateKey.generate()
        cert, key = issue(stranger, anchor_certificate(stranger, anchors.network, "KLTB"), "KLTB", ["kltb"])
        options = {"tls": client_context(anchors.pem_of(NETWORK_ANCHOR), write_credentials(tmp_path, "x", cert, key))}

    async def connect() -> None:
        async def quiet(exc: Exception) -> None:
            pass

        nc = await nats.connect(servers=small_net.nats_urls[:1], connect_timeout=3, allow_reconnect=False,
                                max_reconnect_attempts=0, error_cb=quiet, tls_hostname=nats_host(anchors.network),
                                **options)
        try:
            await nc.jetstream(timeout=3).account_info()
        finally:
            await nc.close()

    with pytest.raises(OSError):  # the TLS handshake fails: certificate required, or unknown CA
        asyncio.run(connect())


@pytest.mark.services
def test_a_nats_server_of_the_network_answers_nothing_in_plain_text(small_net: Any) -> None:
    import json
    import socket

    host, port = small_net.nats_urls[0].removeprefix("nats://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        stream = sock.makefile("rb")
        info = json.loads(stream.readline().removeprefix(b"INFO "))
        assert info["tls_required"] is True
        sock.sendall(b'CONNECT {"verbose":false}\r\nPING\r\n')
        try:
            answer = stream.read()
        except OSError:
            answer = b""
        assert b"PONG" not in answer


def test_network_nats_tls_issues_the_nats_servers_certificate_with_the_ordering_key(network: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from cryptography import x509

    from baobab.cli import cli
    from baobab.net.tls import NETWORK_ANCHOR, nats_host

    path, genesis = network
    result = CliRunner().invoke(cli, ["network", "nats-tls", "--data", str(path), "--host", "10.0.0.7",
                                      "--host", "nats1.example", "--out", str(tmp_path / "nats")])
    assert result.exit_code == 0, result.output
    assert result.output.count("verify: true") == 2 and "routes-ca.pem" in result.output
    cert = x509.load_pem_x509_certificate((tmp_path / "nats" / "nats.crt").read_bytes())
    cert.verify_directly_issued_by(Anchors.load(path, genesis).of(NETWORK_ANCHOR))
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {nats_host(genesis["network"]), "nats1.example"}
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.0.0.7"]
    assert (tmp_path / "nats" / "nats.key").stat().st_mode & 0o077 == 0
