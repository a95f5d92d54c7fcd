"""A TCP proxy that delays traffic like a long-distance link, for the WAN benchmark (bench/wan.py).

    python -m bench latency_proxy SPEC.json      runs until killed

SPEC is a list of links {"listen": port, "target": port, "one_way_ms": d, "loss": p} on
127.0.0.1. Each chunk read from one side is written to the other `d` ms later, in order. A
lost segment is not dropped (TCP would resend it): with probability `loss` a chunk is held
for a retransmission timeout as well, max(200 ms, 2d) (Linux's minimum RTO is 200 ms), and so
is everything behind it on that connection, as TCP's in-order delivery does. This is a model
of the latency and loss a network namespace with `tc netem` would give; it shapes only the
benchmark's own connections and changes nothing on the machine.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

MIN_RTO_S = 0.2


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float, loss: float,
                rng: random.Random) -> None:
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def send() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.ensure_future(send())
    held_until = 0.0  # in order: nothing overtakes a chunk held for a resend
    try:
        while data := await reader.read(65536):
            due = time.monotonic() + delay
            if loss and rng.random() < loss:
                due += max(MIN_RTO_S, 2 * delay)
            held_until = max(held_until, due)
            queue.put_nowait((held_until, data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((0.0, b""))
    try:
        await sender
    except (ConnectionError, OSError):
        pass


async def _link(spec: dict[str, Any]) -> asyncio.Server:
    delay, loss = spec["one_way_ms"] / 1000, float(spec.get("loss", 0.0))
    rng = random.Random(spec["listen"])

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", spec["target"])
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pump(client_r, up_w, delay, loss, rng), _pump(up_r, client_w, delay, loss, rng))

    return await asyncio.start_server(handle, "127.0.0.1", spec["listen"])


async def serve(links: list[dict[str, Any]]) -> None:
    servers = [await _link(spec) for spec in links]
    print("READY", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main(argv: list[str]) -> int:
    asyncio.run(serve(json.loads(Path(argv[0]).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
