"""Reading the ledger from a shell: records, history, transactions, blocks, proofs, events.

Every read is signed as `--as` and answered by the node's access rules, exactly as over HTTP;
supervisors give `--purpose`, which the node records on the ledger before answering.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from baobab.cli.output import raw_option, show, show_records
from baobab.cli.remote import connect, get_json, node_options, segment
from baobab.core.money import for_display

purpose_option = click.option("--purpose", default=None, help="why you read (supervisors must say; it is logged)")


@click.command()
@click.argument("namespace")
@click.argument("key")
@purpose_option
@node_options
@raw_option
def get(namespace: str, key: str, purpose: str | None, url: str, data: Path, identity: str, raw: bool) -> None:
    """Show one record of a contract's NAMESPACE.

    Its value, version [block, tx] and parties.

    \b
    baobab get accounts acct/KLTB-1 --as KLTB/app
    """
    show(get_json(connect(url, data, identity), f"/v1/state/{segment(namespace)}/{segment(key)}", purpose=purpose), raw)


@click.command(name="list")
@click.argument("namespace")
@click.option("--prefix", default="", help="only keys starting with this")
@click.option("--max", "max_records", type=click.IntRange(min=1), default=None, help="stop after this many records")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one typed column per field (amounts as decimals beside their currency)")
@purpose_option
@node_options
@raw_option
def list_(namespace: str, prefix: str, max_records: int | None, as_csv: bool, purpose: str | None, url: str,
          data: Path, identity: str, raw: bool) -> None:
    """List the records of NAMESPACE you may read.

    In key order, one JSON object a line, or --csv with typed columns; pages are followed.

    \b
    baobab list letter_of_credit --prefix lc/ --as KLTB/app --csv > credits.csv
    """
    client = connect(url, data, identity)

    def records() -> Iterator[dict[str, Any]]:
        cursor, seen = None, 0
        while True:
            page = get_json(client, f"/v1/state/{segment(namespace)}", prefix=prefix or None, cursor=cursor,
                            purpose=purpose, limit=100 if max_records is None else min(100, max_records - seen))
            for record in page["records"]:
                yield record
                seen += 1
            cursor = page.get("next_cursor")
            if not cursor or (max_records is not None and seen >= max_records):
                return

    show_records(records(), raw=raw, as_csv=as_csv)


@click.command()
@click.argument("namespace")
@click.argument("key")
@purpose_option
@node_options
@raw_option
def history(namespace: str, key: str, purpose: str | None, url: str, data: Path, identity: str, raw: bool) -> None:
    """Show every version of a record, oldest first."""
    show(get_json(connect(url, data, identity), f"/v1/history/{segment(namespace)}/{segment(key)}", purpose=purpose), raw)


@click.command()
@click.argument("tx_id")
@node_options
@raw_option
def tx(tx_id: str, url: str, data: Path, identity: str, raw: bool) -> None:
    """Show a transaction: status, and content if you are party to it."""
    show(get_json(connect(url, data, identity), f"/v1/transactions/{segment(tx_id)}"), raw)


@click.command()
@node_options
@raw_option
def head(url: str, data: Path, identity: str, raw: bool) -> None:
    """Show the ledger's signed head.

    The latest orderer-signed block header and the Merkle root over all block hashes."""
    show(get_json(connect(url, data, identity), "/v1/head"), raw)


@click.command()
@click.argument("number", type=click.IntRange(min=0))
@node_options
@raw_option
def block(number: int, url: str, data: Path, identity: str, raw: bool) -> None:
    """Show block NUMBER.

    Header, orderer signature, each transaction's id and code; content where you are party."""
    show(get_json(connect(url, data, identity), f"/v1/blocks/{number}"), raw)


@click.command()
@click.argument("tx_id")
@purpose_option
@node_options
@raw_option
def proof(tx_id: str, purpose: str | None, url: str, data: Path, identity: str, raw: bool) -> None:
    """Show a transaction's inclusion proof.

    Checkable with only the orderer's public key (docs/PROTOCOL.md)."""
    show(get_json(connect(url, data, identity), f"/v1/proofs/tx/{segment(tx_id)}", purpose=purpose), raw)


@click.command()
@click.argument("old_size", type=click.IntRange(min=1))
@click.argument("new_size", type=click.IntRange(min=1), required=False)
@node_options
@raw_option
def consistency(old_size: int, new_size: int | None, url: str, data: Path, identity: str, raw: bool) -> None:
    """Show a consistency proof between ledger sizes.

    Proof that the ledger of OLD_SIZE blocks is a prefix of the current one (or of NEW_SIZE)."""
    show(get_json(connect(url, data, identity), "/v1/proofs/consistency", old_size=old_size, new_size=new_size), raw)


@click.command()
@click.option("--from-block", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--follow", is_flag=True, help="keep waiting for new blocks (Ctrl-C stops)")
@node_options
@raw_option
def events(from_block: int, follow: bool, url: str, data: Path, identity: str, raw: bool) -> None:
    """Print the committed events you may see.

    One JSON object a line, from --from-block; --follow waits for new blocks."""
    client = connect(url, data, identity)
    try:
        for event in client.events(from_block, follow=follow):
            click.echo(json.dumps(event if raw else for_display(event), ensure_ascii=False))
    except KeyboardInterrupt:
        pass


@click.command()
@node_options
@raw_option
def members(url: str, data: Path, identity: str, raw: bool) -> None:
    """Show the network's members and who you are.

    Organisations (id, name, country, roles, status), contracts, and your identity."""
    show(get_json(connect(url, data, identity), "/v1/network"), raw)


COMMANDS = [get, list_, history, tx, head, block, proof, consistency, events, members]
