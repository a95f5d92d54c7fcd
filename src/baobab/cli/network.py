"""`baobab network ...`: create a network and its keystore."""

from __future__ import annotations

from pathlib import Path

import click

from baobab import embedded
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.net.tls import write_anchors
from baobab.vocab.roles import NETWORK_ROLES as ROLES


@click.group()
def network() -> None:
    """Create and inspect Baobab networks."""


def parse_org(spec: str) -> dict[str, object]:
    """ID:Legal name:CC:role[,role...]"""
    parts = spec.split(":")
    if len(parts) != 4:
        raise click.BadParameter(f"{spec!r}: expected ID:Legal name:CC:role[,role]")
    org_id, name, country, roles = parts
    return {"id": org_id, "name": name, "country": country, "roles": roles.split(",")}


@network.command()
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False),
              help="Folder for genesis.json, the keystore and the ledger.")
@click.option("--demo", is_flag=True, help="Create the organisations of the report's stories.")
@click.option("--name", default=None, help=f"Network name (default: {DEMO_NETWORK} with --demo).")
@click.option("--org", "orgs", multiple=True, metavar="ID:NAME:CC:ROLES",
              help=f"An organisation, e.g. 'KEBANK:Kenya Trade Bank:KE:bank'. Roles: {', '.join(sorted(ROLES))}.")
@click.option("--admin", "admins", multiple=True, metavar="ID",
              help="An admin organisation; governance needs a majority of admins (default: every bank).")
def init(data_dir: str, demo: bool, name: str | None, orgs: tuple[str, ...], admins: tuple[str, ...]) -> None:
    """Create a network: a genesis document and a keystore (private keys mode 0600).

    Then the first `baobab up` (or any command that opens the ledger) writes the genesis block.
    """
    if demo:
        organisations, admin_ids = DEMO_ORGS + [parse_org(o) for o in orgs], list(admins) or DEMO_ADMINS
    elif orgs:
        organisations = [parse_org(o) for o in orgs]
        admin_ids = list(admins) or [str(o["id"]) for o in organisations if "bank" in o["roles"]]  # type: ignore[operator]
    else:
        raise click.UsageError("give --demo or at least one --org")
    genesis = embedded.create(data_dir, name or DEMO_NETWORK, organisations, admin_ids)  # a refusal: Error: CODE: ...
    write_anchors(Path(data_dir), genesis)  # network mode's TLS trust, bound to the genesis keys
    click.echo(f"network {genesis['network']}: {len(genesis['organisations'])} organisations, "
               f"admins {', '.join(genesis['admins'])}")
    click.echo(f"genesis: {data_dir}/{embedded.GENESIS_FILE}; keys: {data_dir}/keys/; TLS anchors: {data_dir}/tls/")


@network.command("nats-tls")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False, exists=True),
              help="The network folder: genesis.json, tls/ anchors and keys/orderer.key.")
@click.option("--host", "hosts", multiple=True, required=True, metavar="HOST",
              help="A host name or IP address the NATS servers are reached at (repeat for each).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the certificate, its key (mode 0600) and the CA files.")
def nats_tls(data_dir: str, hosts: tuple[str, ...], out_dir: str) -> None:
    """Issue the NATS servers' TLS certificate with the ordering key, and print the nats-server
    `tls` blocks (mutual TLS for clients and for the cluster's routes)."""
    from baobab.net.tls import nats_server_credentials, nats_tls_block

    files = nats_server_credentials(Path(out_dir), Path(data_dir), embedded.load_genesis(data_dir), list(hosts))
    click.echo(f"# in each nats-server config\n{nats_tls_block(files, 'clients_ca')}")
    click.echo(f"# inside its cluster {{}} block\n{nats_tls_block(files, 'routes_ca')}")
