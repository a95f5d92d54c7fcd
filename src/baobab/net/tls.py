"""TLS in network mode: certificates bound to the keys genesis records, and the contexts that use them.

Trust comes from genesis, not from a public certificate authority:

- Each organisation's *anchor* is a self-signed CA certificate of its peer key (the Ed25519 key
  genesis records for it), kept with genesis as `<network_dir>/tls/<ORG>.pem`; the network's
  anchor, `tls/network.pem`, is the same for the ordering key (it issues the NATS servers').
  An anchor is only accepted if its key is the one genesis records and its self-signature
  verifies (`Anchors`): a tampered or substituted anchor file is refused, not trusted.
- A node's certificate (ECDSA P-256 key, `LEAF_DAYS` days, made again at every start) is issued
  by its organisation's peer key. It names the organisation (`org_host`: `<org>.<network>.baobab`,
  and O=<org>) and the node's listen host (IP address or host name). A node that serves further
  organisations holds their peer keys, so it has one certificate per organisation, chosen by the
  name the client asks for (SNI).
- A client (another node, the CLI, an application) that connects to organisation X's node trusts
  only X's anchor for that connection and checks that the certificate names X (`pinned_client`):
  a node holding another organisation's key, or a certificate from any other issuer, cannot
  answer as X. The URL is a locator; the identity checked is the organisation.
- NATS servers present a certificate issued by the ordering key naming `nats.<network>.baobab`;
  nodes and ordering nodes present theirs to NATS (mutual TLS), and NATS routes between servers
  accept only certificates from the network's anchor.

Only TLS 1.3 is spoken. Requests between nodes keep their Ed25519 request signatures (auth.py) on
top of TLS: they authenticate the calling organisation per request, with replay protection, which
the server's TLS stack does not hand to the application.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey, PublicKey, b64d

TLS_DIR = "tls"
NETWORK_ANCHOR = "network"  # tls/network.pem: the ordering key's anchor
ANCHOR_YEARS = 20
LEAF_DAYS = 30
_LABEL = re.compile(r"[^a-z0-9-]")


# --- names --------------------------------------------------------------------------------

def _label(text: str) -> str:
    label = _LABEL.sub("-", text.lower()).strip("-")
    if not label:
        raise BaobabError("MALFORMED", f"{text!r} gives no host name label")
    return label


def org_host(network: str, org: str) -> str:
    """The name an organisation's node certificate carries, and its clients verify."""
    return f"{_label(org)}.{_label(network)}.baobab"


def nats_host(network: str) -> str:
    """The name the network's NATS servers' certificates carry."""
    return f"nats.{_label(network)}.baobab"


def _san(names: list[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


# --- issuing ------------------------------------------------------------------------------

def _ed25519(key: PrivateKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(b64d(key.seed_text))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def anchor_certificate(key: PrivateKey, network: str, subject: str) -> x509.Certificate:
    """A self-signed CA certificate of `key` (an organisation's peer key or the ordering key)."""
    ed = _ed25519(key)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{subject} anchor, network {network}")])
    now = _now()
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ed.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=365 * ANCHOR_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ed.public_key()), critical=False)
            .sign(ed, None))


def issue(issuer: PrivateKey, anchor: x509.Certificate, subject: str, names: list[str], *,
          days: float = LEAF_DAYS, not_before: dt.datetime | None = None,
          key: ec.EllipticCurvePrivateKey | None = None) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for a node or NATS server, issued by `issuer` (the key of `anchor`), naming
    `names` (host names or IP addresses); usable to serve and to connect (client certificate)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    start = not_before or _now() - dt.timedelta(minutes=5)
    ed = _ed25519(issuer)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject),
                                     x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(anchor.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName(_san(names)), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ed.public_key()), critical=False)
            .sign(ed, None))
    return cert, key


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name)
    with os.fdopen(fd, "wb") as f:  # mkstemp makes it 0600
        f.write(data)
    os.replace(tmp, path)


def write_credentials(folder: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[Path, Path]:
    """(certificate, key) files `<stem>.crt` and `<stem>.key` (mode 0600) in `folder`."""
    crt, kf = folder / f"{stem}.crt", folder / f"{stem}.key"
    _write_private(kf, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    _write_private(crt, pem(cert).encode())
    return crt, kf


def write_anchors(network_dir: Path, genesis: dict[str, Any]) -> list[str]:
    """Write the anchors missing from `network_dir/tls/` for every key this keystore holds
    (each organisation's peer key, the ordering key); the subjects written."""
    from baobab.keystore import Keystore

    keys, folder = Keystore(network_dir / "keys"), network_dir / TLS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    owners = [(o["id"], lambda o=o: keys.peer(o["id"])) for o in genesis["organisations"]]
    for subject, key in [*owners, (NETWORK_ANCHOR, keys.orderer)]:
        path = folder / f"{subject}.pem"
        if path.exists():
            continue
        try:
            path.write_text(pem(anchor_certificate(key(), genesis["network"], subject)))
        except BaobabError:  # not this keystore's key: its owner publishes its anchor
            continue
        written.append(subject)
    return written


# --- trusting -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Anchors:
    """The network's anchors, each checked against the key genesis records for its owner."""

    network: str
    by_owner: dict[str, x509.Certificate]

    @classmethod
    def load(cls, network_dir: Path, genesis: dict[str, Any] | None = None) -> "Anchors":
        if genesis is None:
            from baobab.embedded import load_genesis

            genesis = load_genesis(network_dir)
        expected = {o["id"]: o["peer_key"] for o in genesis["organisations"]}
        if isinstance(genesis.get("orderer"), dict) and genesis["orderer"].get("key"):
            expected[NETWORK_ANCHOR] = genesis["orderer"]["key"]
        found = {}
        for owner, key_text in expected.items():
            path = Path(network_dir) / TLS_DIR / f"{owner}.pem"
            if path.exists():
                found[owner] = check_anchor(x509.load_pem_x509_certificate(path.read_bytes()), key_text, owner)
        return cls(genesis["network"], found)

    def of(self, owner: str) -> x509.Certificate:
        try:
            return self.by_owner[owner]
        except KeyError:
            raise BaobabError("UNKNOWN_ORG", f"no TLS anchor for {owner} beside genesis (tls/{owner}.pem)") from None

    def pem_of(self, *owners: str) -> str:
        return "".join(pem(self.of(o)) for o in owners)

    def bundle(self) -> str:
        return "".join(pem(c) for c in self.by_owner.values())


def check_anchor(cert: x509.Certificate, key_text: str, owner: str) -> x509.Certificate:
    """`cert` if it is a self-signed certificate of the key genesis records for `owner`."""
    public = cert.public_key()
    if not isinstance(public, Ed25519PublicKey) or \
            public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) != PublicKey.from_text(key_text).raw:
        raise BaobabError("CORRUPT", f"tls/{owner}.pem is not a certificate of {owner}'s key in genesis")
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        raise BaobabError("CORRUPT", f"tls/{owner}.pem is not signed by its own key") from None
    return cert


def client_context(anchor_pem: str, cert: tuple[Path, Path] | None = None) -> ssl.SSLContext:
    """TLS 1.3, trusting only `anchor_pem`, checking the server's name; with `cert`, presenting it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(cadata=anchor_pem)
    if cert is not None:
        ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


def server_context(credentials: dict[str, tuple[Path, Path]], default: str, names: dict[str, str]) -> ssl.SSLContext:
    """TLS 1.3 serving `credentials[default]`, or the certificate of the organisation whose
    name (`names`: org -> host name) the client asks for (SNI)."""
    def make(org: str) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(str(credentials[org][0]), str(credentials[org][1]))
        return ctx

    contexts = {names[org]: make(org) for org in credentials}
    main = make(default)

    def choose(sock: ssl.SSLObject, server_name: str | None, _: ssl.SSLContext) -> None:
        if server_name in contexts:
            sock.context = contexts[server_name]

    main.sni_callback = choose  # type: ignore[assignment]
    return main


class PinnedTransport(httpx.HTTPTransport):
    """An HTTPS transport to one organisation's node: its anchor only, its name checked (SNI)."""

    def __init__(self, context: ssl.SSLContext, server_name: str, **kwargs: Any) -> None:
        super().__init__(verify=context, **kwargs)
        self.server_name = server_name

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions = {**request.extensions, "sni_hostname": self.server_name}
        return super().handle_request(request)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def pinned_client(network_dir: Path | str, orgs_at: dict[str, str], *, limits: httpx.Limits | None = None,
                  genesis: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Client:
    """An httpx client for nodes: each https URL of `orgs_at` ({URL: organisation}) reached with
    a connection pinned to that organisation's anchor and name; http URLs (the embedded
    default on this machine) stay plain."""
    mounts: dict[str, httpx.BaseTransport] = {}
    secure = {_origin(u): org for u, org in orgs_at.items() if u.startswith("https://")}
    if secure:
        anchors = Anchors.load(Path(network_dir), genesis)
        for origin, org in secure.items():
            mounts[origin] = PinnedTransport(client_context(anchors.pem_of(org)), org_host(anchors.network, org),
                                             **({"limits": limits} if limits else {}))
    return httpx.Client(mounts=mounts, **({"limits": limits} if limits else {}), **kwargs)


def member_context(anchors: Anchors) -> ssl.SSLContext:
    """TLS 1.3 trusting every member's anchor and checking the URL's host: for a node whose
    organisation the caller does not know (an operator comparing nodes by URL)."""
    return client_context("".join(pem(c) for o, c in anchors.by_owner.items() if o != NETWORK_ANCHOR))


def node_client(url: str, network_dir: Path | str | None, org: str | None = None, **kwargs: Any) -> httpx.Client:
    """A client for the node at `url`: pinned to `org`'s anchor and name, or (without `org`)
    trusting any member's anchor for the URL's host; plain for an http URL."""
    if not url.startswith("https://"):
        return httpx.Client(**kwargs)
    if network_dir is None:
        raise BaobabError("MALFORMED", "an https node is verified against the anchors beside genesis: give the network folder")
    if org is not None:
        return pinned_client(network_dir, {url: org}, **kwargs)
    return httpx.Client(verify=member_context(Anchors.load(Path(network_dir))), **kwargs)


# --- a node's own certificates --------------------------------------------------------------

def node_credentials(folder: Path, network_dir: Path, genesis: dict[str, Any], orgs: list[str],
                     hosts: list[str]) -> dict[str, tuple[Path, Path]]:
    """Issue this node's certificate for each organisation it serves (by that organisation's peer
    key, under its anchor), naming the organisation and `hosts`; {org: (cert, key) files}."""
    from baobab.keystore import Keystore

    keys, anchors = Keystore(network_dir / "keys"), Anchors.load(network_dir, genesis)
    out = {}
    for org in orgs:
        cert, key = issue(keys.peer(org), anchors.of(org), org, [org_host(genesis["network"], org), *hosts])
        out[org] = write_credentials(folder, org, cert, key)
    return out


def orderer_credentials(folder: Path, network_dir: Path, genesis: dict[str, Any], name: str,
                        hosts: list[str] = []) -> tuple[Path, Path]:  # noqa: B006 (read only)
    """An ordering node's certificate (its client certificate to NATS, and its metrics'
    server certificate), issued by the ordering key."""
    from baobab.keystore import Keystore

    anchors = Anchors.load(network_dir, genesis)
    cert, key = issue(Keystore(network_dir / "keys").orderer(), anchors.of(NETWORK_ANCHOR), NETWORK_ANCHOR,
                      [f"{_label(name)}.{_label(genesis['network'])}.baobab", *hosts])
    return write_credentials(folder, name, cert, key)


def nats_server_credentials(folder: Path, network_dir: Path, genesis: dict[str, Any], hosts: list[str]) -> dict[str, Path]:
    """What a NATS server of the network needs, written to `folder`: its certificate (issued by the
    ordering key, naming `nats_host` and `hosts`) and key, `clients-ca.pem` (every anchor: nodes
    and ordering nodes connect with certificates from their genesis keys) and `routes-ca.pem`
    (the network's anchor only: only NATS servers route)."""
    from baobab.keystore import Keystore

    anchors = Anchors.load(network_dir, genesis)
    cert, key = issue(Keystore(network_dir / "keys").orderer(), anchors.of(NETWORK_ANCHOR), NETWORK_ANCHOR,
                      [nats_host(genesis["network"]), *hosts])
    crt, kf = write_credentials(folder, "nats", cert, key)
    (folder / "clients-ca.pem").write_text(anchors.bundle())
    (folder / "routes-ca.pem").write_text(anchors.pem_of(NETWORK_ANCHOR))
    return {"cert": crt, "key": kf, "clients_ca": folder / "clients-ca.pem", "routes_ca": folder / "routes-ca.pem"}


def nats_tls_block(files: dict[str, Path], ca: str) -> str:
    """A nats-server `tls {}` block: mutual TLS with `files[ca]` ("clients_ca" or "routes_ca")."""
    return (f"tls {{\n  cert_file: \"{files['cert']}\"\n  key_file: \"{files['key']}\"\n  ca_file: \"{files[ca]}\"\n"
            f"  verify: true\n  timeout: 5\n}}\n")


def nats_client_tls(network_dir: Path, genesis: dict[str, Any], cert: tuple[Path, Path]) -> tuple[ssl.SSLContext, str]:
    """(context, server name) to reach the network's NATS servers, presenting `cert`."""
    anchors = Anchors.load(network_dir, genesis)
    return client_context(anchors.pem_of(NETWORK_ANCHOR), cert), nats_host(genesis["network"])
