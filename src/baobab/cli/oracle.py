"""`baobab oracle ...`: act as an oracle's device and stream a feed onto the ledger."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from baobab import embedded
from baobab.client import Identity
from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.keystore import Keystore
from baobab.oracles.feed import Device, PublishRule, Reading, read_csv, read_json


@click.group()
def oracle() -> None:
    """Oracles: devices and services that report facts about the world."""


def _device_key(data_dir: str, org: str, key_id: str) -> PrivateKey:
    path = Path(data_dir) / "keys" / org / "devices" / f"{key_id}.key"
    if path.exists():
        return PrivateKey.from_text(path.read_text().strip())
    return Keystore(Path(data_dir) / "keys").new(org, "devices", f"{key_id}.key")


def _readings(csv_file: str | None, url: str | None) -> list[Reading]:
    if bool(csv_file) == bool(url):
        raise click.UsageError("give exactly one of --csv FILE or --url URL")
    if csv_file:
        return list(read_csv(Path(csv_file).read_text()))
    import httpx  # only the --url mode needs the network

    try:
        response = httpx.get(url, timeout=30)  # type: ignore[arg-type]
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise BaobabError("NOT_FOUND", f"cannot read the feed at {url}: {exc}") from None
    if "json" in response.headers.get("content-type", ""):
        return list(read_json(response.json()))
    return list(read_csv(response.text))


@oracle.command()
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False))
@click.option("--org", required=True, help="The oracle organisation the device belongs to.")
@click.option("--feed", required=True, help="Feed id, e.g. reefer/MSKU7201453/temp.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, exists=True), help="Readings: observed_at,value.")
@click.option("--url", help="An HTTP endpoint serving readings as CSV or a JSON list of {observed_at, value}.")
@click.option("--key-id", default="device-1", show_default=True, help="The device key (created on first use).")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--deviation-bp", default=50, show_default=True, type=click.IntRange(0), help="Publish on this move.")
@click.option("--heartbeat-s", default=3600, show_default=True, type=click.IntRange(1), help="...or this age.")
@click.option("--register", is_flag=True, help="Register the device key and the feed first.")
@click.option("--type", "feed_type", default="temperature", show_default=True)
@click.option("--unit", default="mC", show_default=True, help="Unit of the integer values (mC: milli-degrees C).")
@click.option("--proofs", type=click.Path(dir_okay=False), help="Write each reading's inclusion proof here (JSON lines).")
def feed(data_dir: str, org: str, feed: str, csv_file: str | None, url: str | None, key_id: str, batch_size: int,
         deviation_bp: int, heartbeat_s: int, register: bool, feed_type: str, unit: str, proofs: str | None) -> None:
    """Read a feed and commit it as the device would: one signed Merkle root per batch."""
    try:
        readings = _readings(csv_file, url)
        node = embedded.open_node(data_dir)
        try:
            me = Identity.load(data_dir, node.network, org)
            key = _device_key(data_dir, org, key_id)

            def submit(function: str, args: dict) -> dict:
                outcome = node.submit(me.proposal("oracles", function, args))
                if not outcome.valid:  # type: ignore[union-attr]
                    raise BaobabError("CONTRACT_ERROR", f"{function} was not committed: {outcome.code}")  # type: ignore[union-attr]
                return outcome.response  # type: ignore[union-attr]

            if register:
                try:
                    node.query(me.proposal("oracles", "key", {"oracle": org, "key_id": key_id}))
                except BaobabError:
                    submit("register_key", {"key_id": key_id, "public_key": key.public.text, "kind": "device"})
                submit("register_feed", {"feed": feed, "type": feed_type, "kind": "number", "unit": unit,
                                         "source": "hardware"})
            device = Device(org, key_id, key, feed, batch_size, PublishRule(deviation_bp, heartbeat_s))
            try:
                stream = node.query(me.proposal("oracles", "stream", {"feed": feed, "oracle": org}))
                device.seq = stream["seq"]
                if stream["published"]:
                    device.rule.last = Reading(stream["published"]["observed_at"], stream["published"]["value"])
            except BaobabError:
                pass  # the feed's first batch
            headers = list(device.ingest(readings))
            if device.pending:
                headers.append(device.seal())
            published = sum(submit("commit_batch", {"batch": h})["published"] for h in headers)
        finally:
            node.close()
        if proofs:
            with open(proofs, "w") as out:
                for seq, batch in device.batches.items():
                    for index in range(len(batch)):
                        out.write(json.dumps(device.proof(seq, index)) + "\n")
    except BaobabError as exc:
        click.echo(f"error [{exc.code}]: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"{len(readings)} readings of {feed} in {len(headers)} batches committed "
               f"(seq {device.seq}); {published} new values published")
