"""Committed events as server-sent events, resumable from a block number.

Each event is `id: <block>-<index>-<seq>`, `event: <name>`, `data: <JSON>`; a client that
reconnects with `Last-Event-ID` resumes right after that event, or asks `?from_block=N`.
Only events of transactions the caller may see as a party are sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request

from baobab.api.deps import MAX_HEIGHT, caller, state
from baobab.api.limits import StreamResponse, done_in_flight, guards
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.core.errors import BaobabError
from baobab.gateway import VALID, Caller, tx_id_of

router = APIRouter(prefix="/v1", tags=["events"], responses=PROBLEM_RESPONSES)
EVENT_ID = re.compile(r"^(\d{1,12})-(\d{1,9})-(\d{1,9})$")
KEEPALIVE_S = 15.0


def visible_events(request: Request, who: Caller, number: int) -> list[dict[str, Any]]:
    st = state(request)
    entry = st.view.block(number)
    if entry is None or number == 0:
        return []
    members = st.reads.members()
    out = []
    for index, (env, code) in enumerate(zip(entry.transactions, entry.codes)):
        if code != VALID:
            continue
        d = st.reads.decide_tx(who, members, env)
        if not d or d.supervised:
            continue
        for seq, ev in enumerate(env["result"]["events"]):
            out.append({"block": number, "index": index, "seq": seq, "tx_id": tx_id_of(env),
                        "contract": env["proposal"]["contract"], "name": ev["name"], "payload": ev["payload"]})
    return out


def sse(ev: dict[str, Any]) -> str:
    return f"id: {ev['block']}-{ev['index']}-{ev['seq']}\nevent: {ev['name']}\ndata: {json.dumps(ev, separators=(',', ':'))}\n\n"


@router.get("/events", responses={200: {"content": {"text/event-stream": {}}, "description": "event stream"}})
async def events(request: Request, who: Caller = Depends(caller), from_block: int = Query(1, ge=0, le=MAX_HEIGHT),
                 follow: bool = Query(True, description="keep the stream open for new blocks"),
                 last_event_id: str | None = Header(None, alias="Last-Event-ID")) -> StreamResponse:
    view = state(request).view
    after: tuple[int, int, int] | None = None
    if last_event_id:
        m = EVENT_ID.match(last_event_id)
        if not m:
            raise BaobabError("MALFORMED", "Last-Event-ID is <block>-<index>-<seq>")
        after = (int(m[1]), int(m[2]), int(m[3]))
        from_block = after[0]

    async def stream() -> AsyncIterator[str]:
        number, top = from_block, view.height()
        yield ": baobab events\n\n"
        while True:
            while number < top:
                # every stream of this caller needs the same: computed once for all of them
                for ev in await limits.shared.run((number, who), visible_events, request, who, number):
                    if after is None or (ev["block"], ev["index"], ev["seq"]) > after:
                        yield sse(ev)
                number += 1
            if not follow or await request.is_disconnected():
                return
            # on the event loop: an idle stream holds no worker thread (limits.HeightWatch)
            if await limits.heights.wait_for_height(number + 1, KEEPALIVE_S):
                top = limits.heights.known  # not a query per stream and block
            else:
                yield ": keep-alive\n\n"

    limits = guards(request)
    release = limits.streams.acquire(who.identity)  # 429 TOO_MANY_STREAMS over the identity's limit
    done_in_flight(request)  # an open stream counts against the identity's streams, not its requests in flight
    return StreamResponse(stream(), release, media_type="text/event-stream", headers={"Cache-Control": "no-store"})
