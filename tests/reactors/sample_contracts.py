"""Contracts for the reactor tests: one asks, the other answers by reaction."""

from __future__ import annotations

from typing import Any

from baobab.ledger.contract import Context, Contract, ContractError, function
from baobab.ledger.reaction import Reaction


class Asks(Contract):
    name = "asks"

    @function(policy={"role": "*"})
    def ask(self, ctx: Context, question: str, responder: str) -> None:
        ctx.put(f"q/{question}", {"responder": responder})
        ctx.emit("asked", {"question": question, "responder": responder})

    @function(policy={"role": "*"})
    def broadcast(self, ctx: Context, topic: str) -> None:
        ctx.emit("broadcast", {"topic": topic})


class Answers(Contract):
    name = "answers"
    reactions = (
        Reaction(on=("asks", "asked"), call="answer", args={"question": "question"}, actor="responder"),
        Reaction(on=("asks", "broadcast"), call="ack", args={"topic": "topic"}, targets="to_ack"),
    )

    @function(policy={"role": "*"})
    def answer(self, ctx: Context, question: str) -> None:
        asked = ctx.read("asks", f"q/{question}")
        if asked is None or asked["responder"] != ctx.caller.org:
            raise ContractError("not asked of you", reason="NOT_ALLOWED")
        if ctx.get(f"a/{question}") is not None:
            raise ContractError("already answered", reason="WRONG_STATE")
        ctx.put(f"a/{question}", {"by": ctx.caller.org, "at": ctx.timestamp})

    @function(policy={"role": "*"})
    def subscribe(self, ctx: Context, topic: str) -> None:
        ctx.put(f"sub/{topic}/{ctx.caller.org}", {"org": ctx.caller.org})

    @function(query=True)
    def to_ack(self, ctx: Context, topic: str) -> list[dict[str, Any]]:
        subscribed = ctx.get(f"sub/{topic}/{ctx.caller.org}") is not None
        acked = ctx.get(f"ack/{topic}/{ctx.caller.org}") is not None
        return [{"args": {"topic": topic}}] if subscribed and not acked else []

    @function(policy={"role": "*"})
    def ack(self, ctx: Context, topic: str) -> None:
        if ctx.get(f"ack/{topic}/{ctx.caller.org}") is not None:
            raise ContractError("already acknowledged", reason="WRONG_STATE")
        ctx.put(f"ack/{topic}/{ctx.caller.org}", {"org": ctx.caller.org})
