"""The FSPs a node acts for, each on its FSPIOP callback endpoint.

    fsps = HostedFsps(folder, {"KLTB": peer_key, ...}, "http://hub:8700/fspiop", secret=..., keys=member_keys(view),
                      parties={"KLTB": ["KLTB", "KL-FOODS"]})
    fsps.mount(app)                         # <node>/fspiop-callbacks/<FSP>: what the switch calls back
    HubThread(fsps).start()                 # what they say to the switch leaves from their outboxes

Each hosted FSP is a `Participant` (pay/participant.py) with its own store (`<folder>/<FSP>.sqlite`):
it answers the lookups, quotes and transfers the switch forwards to it for the parties it keeps
accounts for, and keeps the callbacks that answer what it asked. It signs what it says with its
organisation's peer key (Mojaloop's JWS profile, EdDSA), and that signature is how the switch
authenticates it, on whichever node the switch runs (`jws.signed_by`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from baobab.core.keys import PrivateKey, PublicKey, b64d
from baobab.pay import jws
from baobab.pay.onboarding import PARTY_TYPE
from baobab.pay.participant import Participant
from baobab.pay.store import SQLiteDatabase

CALLBACK_PREFIX = "/fspiop-callbacks"


def signing_key(key: PrivateKey) -> Ed25519PrivateKey:
    """A member's peer key as the JWS library takes it."""
    return Ed25519PrivateKey.from_private_bytes(b64d(key.seed_text))


def member_keys(members: Any) -> jws.KeyOf:
    """The JWS key of a member organisation (its peer key, from the membership on the ledger)."""
    def key_of(org: str) -> Ed25519PublicKey | None:
        record = members().org(org) if org else None
        if not record or record.get("status", "active") != "active" or not record.get("peer_key"):
            return None
        return Ed25519PublicKey.from_public_bytes(PublicKey.from_text(record["peer_key"]).raw)
    return key_of


class HostedFsps:
    def __init__(self, folder: Path, keys_of_fsps: Mapping[str, PrivateKey], switch_url: str, *, secret: bytes,
                 keys: jws.KeyOf, parties: Mapping[str, list[str]]) -> None:
        """`keys_of_fsps`: each hosted FSP's peer key; `secret`: the node's, from which each FSP's
        ILP secret is derived; `keys`: the members' JWS keys; `parties`: the organisations each
        FSP keeps accounts for (registered once as BUSINESS parties)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.participants: dict[str, Participant] = {}
        for fsp, key in keys_of_fsps.items():
            ilp_secret = hmac.new(secret, f"ilp/{fsp}".encode(), hashlib.sha256).digest()
            p = Participant(fsp, SQLiteDatabase(folder / f"{fsp}.sqlite"), switch_url, secret=ilp_secret,
                            signing_key=signing_key(key), keys=keys, sign_gets=True)
            known = {(party["idType"], party["idValue"]) for party in p.parties()}
            for org in parties.get(fsp, []):
                if (PARTY_TYPE, org) not in known:
                    p.add_party(PARTY_TYPE, org, {"name": org})
            self.participants[fsp] = p

    def __contains__(self, fsp: str) -> bool:
        return fsp in self.participants

    def __getitem__(self, fsp: str) -> Participant:
        return self.participants[fsp]

    def mount(self, app: Any) -> None:
        for fsp, p in self.participants.items():
            app.include_router(p.router(), prefix=f"{CALLBACK_PREFIX}/{fsp}")

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(p.run(stop) for p in self.participants.values()))

    def close(self) -> None:
        for p in self.participants.values():
            p.db.close()
