"""A remittance company's API for inbound international transfers to wallets (`Remittances`).

    POST /v1/remittances/quotes              {"amount": {"currency", "minor"}, "payee": "+9715..."}
        what the sender sees before paying: the amount that arrives, the rate, the fees, the
        exchange margin and the total cost (World Bank Remittance Prices Worldwide, beside the
        SDG 10.c 3% target); the quote's id and when it expires
    POST /v1/remittances/quotes/{id}/send    {"sender_name": "..."}
        pays it: "COMMITTED" (the wallet is credited), or "RESERVED" (the switch has not yet
        decided; it will, by the payee's fulfilment or the expiry)

The caller (a signed request, as every /v1 route) is the sending FSP: an organisation among the
remittance companies this node's mobile money knows (`SENDER_FEES`). In network mode the payee's
provider may be on another node: the quote and the transfer then go over FSPIOP through the switch.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path
from starlette.concurrency import run_in_threadpool

from baobab.api.deps import caller, json_body
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.gateway import Caller
from baobab.wallet.remittance import Remittances

QUOTE_ID = {"min_length": 1, "max_length": 64, "pattern": "^[A-Za-z0-9-]+$"}


def remittance_router(remittances: Remittances) -> APIRouter:
    router = APIRouter(prefix="/v1/remittances", tags=["payments"], responses=PROBLEM_RESPONSES)

    def sender(who: Caller) -> str:
        if who.org not in remittances.sender_fees:
            raise BaobabError("FORBIDDEN", f"{who.org} is not a remittance company on this network")
        return who.org

    @router.post("/quotes")
    async def quote(who: Caller = Depends(caller), body: Any = Depends(json_body)) -> dict[str, Any]:
        """The full cost of sending an amount (fee included) to a wallet, before paying."""
        fsp = sender(who)
        if not isinstance(body, dict) or not isinstance(body.get("payee"), str):
            raise BaobabError("MALFORMED", 'a quote is asked with {"amount": {"currency", "minor"}, "payee": "+..."}')
        sent = Money.from_json(body.get("amount"))
        shown = await run_in_threadpool(remittances.quote, fsp, sent, body["payee"])
        return {k: v for k, v in shown.items() if k != "fspiop"}

    @router.post("/quotes/{quote_id}/send")
    async def send(quote_id: str = Path(..., **QUOTE_ID), who: Caller = Depends(caller),
                   body: Any = Depends(json_body)) -> dict[str, Any]:
        """Pay a quote this remittance company was given, once, before it expires."""
        fsp = sender(who)
        name = body.get("sender_name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not 0 < len(name.strip()) <= 140:
            raise BaobabError("MALFORMED", "sender_name: the sender's full name, as screened")
        if remittances.quoted_to(quote_id) not in (fsp, None):
            raise BaobabError("NO_QUOTE", f"no valid quote {quote_id}: ask for a new one")
        return await run_in_threadpool(lambda: remittances.send(quote_id, sender_name=name.strip()))

    return router
