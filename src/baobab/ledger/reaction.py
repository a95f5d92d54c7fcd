"""What a contract does when another contract's event commits: its reactions, declared as data.

Contracts cannot call each other or act on their own. A contract declares instead, beside its
functions, what should follow a committed event, and whose act it is:

    class ConditionalPayment(Contract):
        reactions = (
            Reaction(on=("oracles", "round_decided"), call="evaluate_round",
                     args={"round_id": "round"}, targets="waiting_on_round"),
        )

    on       (contract, event name) that triggers the reaction
    call     the declaring contract's function to submit
    args     the call's arguments, each taken from a field of the event's payload
    actor    the payload field naming the organisation that performs the call; or
    targets  a query of the declaring contract, run with the same arguments as each organisation
             a node serves, answering the calls that organisation owes: [{"args": {...}}, ...]
    at       optional: the payload field holding an RFC 3339 UTC time (an expiry, a deadline);
             the call is then performed once that time has passed, not when the event commits

Each node performs the reactions of the organisations it serves, through its Gateway
(`baobab.reactors`): an endorsement is not consent, so a reaction is a transaction signed by
the acting organisation's own identity, which the contract checks like any other call.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reaction:
    on: tuple[str, str]
    call: str
    args: dict[str, str] = field(default_factory=dict)
    actor: str | None = None
    targets: str | None = None
    at: str | None = None

    def __post_init__(self) -> None:
        if (self.actor is None) == (self.targets is None):
            raise ValueError("a reaction names its actor (a payload field) or its targets (a query), not both")
