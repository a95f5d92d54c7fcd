"""The per-identity budgets themselves, on a clock the test moves (no waiting)."""

from __future__ import annotations

import pytest

from baobab.api.limits import Limits, RateLimiter, StreamSlots, Throttled


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused(admit, identity: str) -> Throttled:  # type: ignore[no-untyped-def]
    with pytest.raises(Throttled) as caught:
        admit(identity)
    return caught.value


def test_a_burst_is_allowed_then_the_budget_refills_at_the_sustained_rate() -> None:
    clock = Clock()
    rate = RateLimiter(Limits(requests_per_s=2.0, burst=3), clock)
    for _ in range(3):
        rate.admit("TRADER/app")
    assert refused(rate.admit, "TRADER/app").code == "RATE_LIMITED"
    clock.now += 0.5  # one request's worth at 2/s
    rate.admit("TRADER/app")
    refused(rate.admit, "TRADER/app")
    clock.now += 3600  # a long pause refills to the burst, no further
    for _ in range(3):
        rate.admit("TRADER/app")
    refused(rate.admit, "TRADER/app")


def test_retry_after_is_the_whole_seconds_until_the_next_request_is_allowed() -> None:
    clock = Clock()
    rate = RateLimiter(Limits(requests_per_s=0.1, burst=1), clock)
    rate.admit("TRADER/app")
    assert refused(rate.admit, "TRADER/app").headers == {"Retry-After": "10"}
    clock.now += 9.5
    assert refused(rate.admit, "TRADER/app").headers == {"Retry-After": "1"}


def test_refused_requests_do_not_spend_the_budget() -> None:
    clock = Clock()
    rate = RateLimiter(Limits(requests_per_s=1.0, burst=1), clock)
    rate.admit("TRADER/app")
    for _ in range(50):
        refused(rate.admit, "TRADER/app")
    clock.now += 1.0
    rate.admit("TRADER/app")


def test_each_identity_has_its_own_budget() -> None:
    rate = RateLimiter(Limits(requests_per_s=1.0, burst=1), Clock())
    rate.admit("TRADER/app")
    refused(rate.admit, "TRADER/app")
    rate.admit("TRADER/audit")
    rate.admit("KEBANK/app")


def test_a_stream_slot_is_given_back_once_however_often_it_is_released() -> None:
    slots = StreamSlots(Limits(streams_per_identity=2))
    first, second = slots.acquire("TRADER/app"), slots.acquire("TRADER/app")
    assert refused(slots.acquire, "TRADER/app").code == "TOO_MANY_STREAMS"
    first()
    first()  # the response ends and its finally runs again: still one slot
    third = slots.acquire("TRADER/app")
    refused(slots.acquire, "TRADER/app")
    second(), third()
    assert slots.open_count("TRADER/app") == 0


def test_limits_refuse_nonsense() -> None:
    for bad in ({"requests_per_s": 0}, {"burst": 0}, {"streams_per_identity": 0}):
        with pytest.raises(ValueError):
            Limits(**bad)  # type: ignore[arg-type]
