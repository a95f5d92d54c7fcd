"""A credit's lifecycle as a hypothesis state machine on the ledger (UCP 600 art. 15, 16, 18(b), 30, 31).

Whatever sequence of steps the parties try (presentations of any size and price, on time or late,
refusals, waivers, honour with or without an amount, refusals and honour after the decision date,
payments reported, expiry), the ledger keeps:
- the amounts honoured never exceed the credit's amount plus tolerance, always in its currency,
  and the credit's available balance is exactly what is left;
- at most one presentation is open, the latest, and once the credit is wound up every
  presentation ended honoured (or paid) or refused;
- no amendment stays pending once a presentation was examined after it (art. 10(c));
- every bill of lading the credit held has exactly one holder: the applicant once its drawing is
  paid, the beneficiary once refused documents are returned, the issuing bank in between.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from baobab.contracts.trade.lc_examination import credit_limit
from baobab.core.errors import BaobabError
from baobab.stories import StoryReport
from baobab.stories import soybeans as soy
from tests.trade.test_letter_of_credit import LC, at

DECIDED = ("honoured", "paid", "refused")
TONNES = st.sampled_from([5_000, 20_000, 30_000, 50_000, 60_000])
PRICES = st.sampled_from([90, 100, 104, 120])  # per cent of the credit's unit price


def test_credit_lifecycle_keeps_honour_within_the_credit_and_one_holder_per_title(network, actors):
    soy.load_calendars(actors)

    class Credit(RuleBasedStateMachine):
        lc_id = ""

        @initialize(partial=st.booleans(), tolerance=st.sampled_from([0, 5, 10]), tonnes=TONNES, price_pct=PRICES,
                    late=st.booleans())
        def open(self, partial: bool, tolerance: int, tonnes: int, price_pct: int, late: bool) -> None:
            """A credit issued and advised, and its first presentation."""
            self.lc_id = f"LC-H-{uuid.uuid4().hex[:10].upper()}"
            terms = {**soy.credit_terms(soy.today()), "partial_shipments": partial, "amount_tolerance_pct": tolerance}
            soy.open_credit(actors, StoryReport(), self.lc_id, terms)
            self.present(tonnes, price_pct, late)

        def get(self) -> dict:
            return actors(soy.APPLICANT).query(LC, "get", {"lc_id": self.lc_id})

        def attempt(self, org: str, function: str, args: dict | None = None, when: datetime | None = None) -> None:
            """A step a party tries: the contract accepts it or refuses it; either way the invariants must hold."""
            args = {"lc_id": self.lc_id, **(args or {})}
            try:
                if when is None:
                    actors(org).submit(LC, function, args)
                else:
                    at(network, org, LC, function, args, when)
            except BaobabError as refused:
                assert refused.code in ("CONTRACT_ERROR", "BAD_ARGUMENT"), refused

        def due_passed(self) -> datetime:
            """A moment after the latest presentation's decision date at Kuala Lumpur."""
            current = self.get()["presentations"][-1]
            due = date.fromisoformat(current.get("examination", {}).get("decision_due", soy.today().isoformat()))
            return datetime(due.year, due.month, due.day, 12, tzinfo=timezone.utc) + timedelta(days=1)

        @rule(tonnes=TONNES, price_pct=PRICES, late=st.booleans())
        def present(self, tonnes: int, price_pct: int, late: bool) -> None:
            lc = self.get()
            if lc["status"] != "advised" or (lc["presentations"] and lc["presentations"][-1]["status"] not in DECIDED):
                return  # the contract refuses it (tested elsewhere); documents are costly to issue
            shipped = soy.today() - timedelta(days=30 if late else 1)
            try:
                soy.ship_and_present(actors, StoryReport(), self.lc_id, shipped, soy.PRICE_CENTS * price_pct // 100,
                                     tonnes=tonnes)
            except BaobabError as refused:
                assert refused.detail.get("reason") == "CREDIT_EXHAUSTED", refused

        @rule(tonnes=TONNES, price_pct=PRICES, late=st.booleans())
        def next_drawing(self, tonnes: int, price_pct: int, late: bool) -> None:
            """The banks decide the open presentation (refusing it if they may, else honouring), then a new one."""
            self.wind_up()
            self.present(tonnes, price_pct, late)

        def wind_up(self) -> None:
            current = (self.get()["presentations"] or [None])[-1]
            if current is not None and current["status"] == "examined":
                self.attempt(soy.ISSUING, "refuse")
                self.attempt(soy.ISSUING, "honour", when=self.due_passed())
            if current is not None and current["status"] == "waived":
                self.attempt(soy.ISSUING, "honour")

        @rule(step=st.sampled_from(["refuse", "waive", "honour", "waive and honour", "refuse late", "honour late"]),
              amount=st.none() | st.sampled_from([1, 1_000_000_000, 2_000_000_000, 2_100_000_000, 2_200_000_001]))
        def decide(self, step: str, amount: int | None) -> None:
            """A bank's decision, or the applicant's waiver, on the latest presentation, in time or after it."""
            if not self.get()["presentations"]:
                return
            when = self.due_passed() if step.endswith("late") else None
            if "waive" in step:
                self.attempt(soy.APPLICANT, "waive")
            if "refuse" in step:
                self.attempt(soy.ISSUING, "refuse", when=when)
            if "honour" in step:
                self.attempt(soy.ISSUING, "honour", {} if amount is None else {"amount": amount}, when=when)

        @rule(changes=st.sampled_from([{"amount_tolerance_pct": 10}, {"about": True}, {"port_of_discharge": "SGSIN"},
                                       {"partial_shipments": True}]))
        def amend(self, changes: dict) -> None:
            """The issuing bank proposes an amendment; the next presentation accepts or rejects it (art. 10(c))."""
            self.attempt(soy.ISSUING, "amend", {"changes": changes})

        @rule()
        def report_payments(self) -> None:
            for p in self.get()["presentations"]:
                if p["status"] == "honoured":
                    actors(soy.ISSUING).submit(LC, "payment_settled", {"obligation": p["honour"]["obligations"][0],
                                                                       "reference": f"S-{p['number']}"})

        @rule()
        def expire(self) -> None:
            expiry = date.fromisoformat(self.get()["terms"]["expiry_date"])
            self.attempt(soy.ISSUING, "expire", when=datetime(expiry.year, expiry.month, expiry.day, tzinfo=timezone.utc)
                         + timedelta(days=10))

        @invariant()
        def honour_stays_within_the_credit(self) -> None:
            if not self.lc_id:
                return
            lc = self.get()
            currency, limit = lc["terms"]["amount"]["currency"], credit_limit(lc["terms"])
            honoured = [p["honour"]["amount"] for p in lc["presentations"] if "honour" in p]
            assert all(a["currency"] == currency and a["minor"] > 0 for a in honoured)
            assert sum(a["minor"] for a in honoured) == lc["drawn"]["minor"] <= limit
            assert lc["available"] == {"currency": currency, "minor": limit - lc["drawn"]["minor"]}
            assert all(p["status"] in DECIDED or p is lc["presentations"][-1] for p in lc["presentations"])

        @invariant()
        def no_amendment_stays_pending_after_a_presentation(self) -> None:
            if not self.lc_id:
                return
            lc = self.get()
            presented = [p["examination"]["notice_of_completeness"] for p in lc["presentations"] if "examination" in p]
            for amendment in lc["amendments"]:
                if any(at_ > amendment["proposed_at"] for at_ in presented):
                    assert amendment["status"] != "pending", amendment

        @invariant()
        def every_title_has_exactly_one_holder(self) -> None:
            if not self.lc_id:
                return
            lc = self.get()
            for p in lc["presentations"]:
                for th in p.get("titles", []):
                    title = actors(soy.APPLICANT).query("documents", "status", {"target_hash": th})["title"]
                    assert isinstance(title["holder"], str) and title["state"] == "active"
                    expected = {"paid": soy.APPLICANT}.get(p["status"])
                    if p["status"] == "refused" and (p.get("superseded_by") or lc["status"] in ("expired", "cancelled")):
                        expected = soy.BENEFICIARY
                    assert title["holder"] == (expected or soy.ISSUING), (p["status"], title["holder"])

        def teardown(self) -> None:
            """Wind the credit up: decide what is open, pay what is honoured; every presentation then ended."""
            if not self.lc_id:
                return
            self.wind_up()
            self.report_payments()
            lc = self.get()
            assert all(p["status"] in ("paid", "refused") for p in lc["presentations"]), \
                [p["status"] for p in lc["presentations"]]
            self.honour_stays_within_the_credit()
            self.every_title_has_exactly_one_holder()

    run_state_machine_as_test(Credit, settings=settings(max_examples=40, stateful_step_count=12, deadline=None,
                                                        suppress_health_check=list(HealthCheck)))
