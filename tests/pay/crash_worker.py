"""Run by the crash test: prepares and fulfils transfers on a switch in a loop, printing each
transfer's id and state only after its operation has committed, until it is killed. With
`grouped`, 32 transfers at a time go through the group commit (pay/group_commit.py), as
concurrent FSPIOP requests do, each printed once its shared commit is done."""

from __future__ import annotations

import asyncio
import sys
from functools import partial
from datetime import datetime, timedelta, timezone

from baobab.pay.group_commit import GroupCommit
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import Switch, stamp

FULFILMENT = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"
CONDITION = "GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM"


def main(path: str, grouped: bool = False) -> None:
    switch = Switch(SQLiteDatabase(path))
    for fsp in ("a", "b"):
        switch.add_participant(fsp, fsp, f"http://{fsp}", {"USD": 10**12})
        switch.fund(f"f-{fsp}", fsp, "USD", 10**12)
    expiration = stamp(datetime.now(timezone.utc) + timedelta(hours=1))
    if grouped:
        asyncio.run(concurrently(switch, expiration))
    i = 0
    while True:
        payer, payee = ("a", "b") if i % 2 else ("b", "a")
        transfer_id = f"t{i}"
        switch.prepare({"transferId": transfer_id, "payerFsp": payer, "payeeFsp": payee,
                        "amount": {"currency": "USD", "minor": 100 + i}, "condition": CONDITION,
                        "expiration": expiration}, source=payer)
        print(f"{transfer_id} RESERVED", flush=True)
        if i % 3:  # leave every third one reserved, to be expired after the restart
            switch.fulfil(transfer_id, FULFILMENT, source=payee)
            print(f"{transfer_id} COMMITTED", flush=True)
        i += 1


async def concurrently(switch: Switch, expiration: str) -> None:
    commit = GroupCommit(switch.db)

    async def one(i: int) -> None:
        payer, payee = ("a", "b") if i % 2 else ("b", "a")
        transfer_id = f"g{i}"
        await commit(partial(switch.prepare, source=payer), {
            "transferId": transfer_id, "payerFsp": payer, "payeeFsp": payee, "amount": {"currency": "USD", "minor": 100 + i},
            "condition": CONDITION, "expiration": expiration})
        print(f"{transfer_id} RESERVED", flush=True)
        if i % 3:
            await commit(partial(switch.fulfil, source=payee), transfer_id, FULFILMENT)
            print(f"{transfer_id} COMMITTED", flush=True)

    i = 0
    while True:
        await asyncio.gather(*(one(j) for j in range(i, i + 32)))
        i += 32


if __name__ == "__main__":
    main(sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == "grouped")
