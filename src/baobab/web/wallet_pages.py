"""The mobile-money provider's pages, at /momo for users of a provider the node runs:

- an agent (a user of the provider whose user name is one of its agents' ids): its e-float and
  cash, cash-in for a customer, a cash-out asked of a customer (who approves on the phone with
  the PIN), and the day's statement with the commission earned;
- the provider's operator (its other users): customers with their tier and balance, KYC
  upgrades with the evidence checked, sanctions matches to clear or confirm, held payments to
  release or refuse, monitoring cases to dismiss or file as suspicious transaction reports on
  the ledger (to the regulator of the provider's country), the reports filed, and the bills
  billers presented to customers (presented here for a biller: amount, due date, minimum
  payment), with what is still due on each, and the customers' debit mandates (made inactive
  here when a customer asks).

Acts need the `officer` user role and the session's CSRF token; a refused act is shown with its
reason and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.web.ledger import Ledger
from baobab.web.render import Pages
from baobab.web.users import User

EVIDENCE_FIELDS = 4  # evidence rows on the upgrade form


class _LedgerActor:
    """The signed-in person's organisation as the compliance desk's Actor."""

    def __init__(self, ledger: Ledger, user: User) -> None:
        self.ledger, self.user, self.org = ledger, user, user.org

    def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        outcome = self.ledger.submit(self.user.org, self.user.client, contract, function, args)
        return outcome if isinstance(outcome, dict) else outcome.to_dict()  # type: ignore[no-any-return]

    def query(self, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.ledger.query(self.user.org, self.user.client, contract, function, args)


def wallet_router(pages: Pages, mobile_money: Any, ledger: Ledger) -> APIRouter:
    """`mobile_money`: the node's `baobab.wallet.services.MobileMoney`."""
    router = APIRouter(include_in_schema=False)

    def provider_of(user: User) -> Any:
        return mobile_money.providers.get(user.org)

    def is_agent(user: User) -> bool:
        p = provider_of(user)
        return p is not None and p.is_agent(user.username)

    def is_operator(user: User) -> bool:
        return provider_of(user) is not None and not is_agent(user)

    async def agent_page(request: Request, user: User, status: int = 200, error: str | None = None) -> HTMLResponse:
        p = provider_of(user)
        day = str(request.query_params.get("day") or datetime.now(p.zone).date().isoformat())
        statement = await run_in_threadpool(p.agent_statement, user.username, day)
        agents = await run_in_threadpool(p.sub_agents, user.username)  # a super-agent's own agents
        return pages.render(request, "momo_agent.html", status, statement=statement, currency=p.scheme.currency,
                            agents=agents, error=error)

    async def operator_page(request: Request, user: User, status: int = 200, error: str | None = None) -> HTMLResponse:
        p, monitor = provider_of(user), mobile_money.monitors[user.org]

        def gather() -> dict[str, Any]:
            return {"customers": p.customers(), "tiers": p.scheme.tiers, "scheme_source": p.scheme.source,
                    "matches": p.screening("hit"), "holds": p.holds(), "cases": monitor.cases("open"),
                    "filed": monitor.cases("filed"), "regulator": mobile_money.configs[user.org].regulator,
                    "billers": p.billers(), "bills": p.bills(), "mandates": mobile_money.apis[user.org].mandates.mandates()}
        return pages.render(request, "momo_provider.html", status, error=error, evidence_fields=EVIDENCE_FIELDS,
                            **await run_in_threadpool(gather))

    @router.get("/momo", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        user = pages.viewer(request, lambda user: provider_of(user) is not None)
        if isinstance(user, Response):
            return user
        return await (agent_page(request, user) if is_agent(user) else operator_page(request, user))

    def act(allowed: Callable[[User], bool], run: Callable[[User, dict[str, Any]], Any], page: Any) -> Any:
        """An act from a form: checked, run in a thread, 303 back to /momo; a refusal re-renders the page."""
        async def endpoint(request: Request) -> Response:
            form = await pages.form(request)
            who = pages.acting(request, form, allowed)
            if who is None:
                return pages.render(request, "forbidden.html", 403)
            try:
                await run_in_threadpool(run, who[1], form)
            except BaobabError as exc:
                status = exc.status if exc.status in (404, 409) else 422
                return await page(request, who[1], status, error=f"{exc.code}: {exc.message}")
            return RedirectResponse("/momo", status_code=303)
        return endpoint

    def amount(user: User, form: dict[str, Any]) -> int:
        return Money.parse(str(form.get("amount", "")).strip(), provider_of(user).scheme.currency).minor

    def cash_in(user: User, form: dict[str, Any]) -> None:
        provider_of(user).cash_in(user.username, str(form.get("phone", "")), amount(user, form))

    def cash_out(user: User, form: dict[str, Any]) -> None:
        provider_of(user).request_cash_out(user.username, str(form.get("phone", "")), amount(user, form))

    def rebalance(user: User, form: dict[str, Any]) -> None:
        provider_of(user).rebalance(user.username, str(form.get("agent", "")), amount(user, form))

    def upgrade(user: User, form: dict[str, Any]) -> None:
        evidence = {str(form.get(f"evidence_kind_{i}", "")).strip(): str(form.get(f"evidence_{i}", "")).strip()
                    for i in range(EVIDENCE_FIELDS)}
        tier = str(form.get("tier", ""))
        if not tier.isdigit():
            raise BaobabError("UNKNOWN_TIER", "choose a tier")
        provider_of(user).upgrade(str(form.get("phone", "")), int(tier), {k: v for k, v in evidence.items() if k},
                                  by=f"{user.org}/{user.username}")

    def screening(user: User, form: dict[str, Any]) -> None:
        provider_of(user).decide_screening(str(form.get("phone", "")), cleared=form.get("decision") == "clear",
                                           by=f"{user.org}/{user.username}")

    def hold(user: User, form: dict[str, Any]) -> None:
        p, hold_id, by = provider_of(user), str(form.get("hold", "")), f"{user.org}/{user.username}"
        if form.get("decision") == "release":
            mobile_money.release_hold(user.org, hold_id, by=by)
        else:
            p.refuse_hold(hold_id, by=by, note=str(form.get("note", "")) or "refused after review")

    def bill(user: User, form: dict[str, Any]) -> None:
        p = provider_of(user)
        minimum = str(form.get("minimum", "")).strip()
        p.present_bill(str(form.get("biller", "")), str(form.get("phone", "")), str(form.get("reference", "")).strip(),
                       amount(user, form), due=str(form.get("due", "")), description=str(form.get("description", "")).strip(),
                       minimum=Money.parse(minimum, p.scheme.currency).minor if minimum else None)

    def mandate(user: User, form: dict[str, Any]) -> None:
        mobile_money.apis[user.org].mandates.change(str(form.get("mandate", "")), {"status": "inactive"})

    def case(user: User, form: dict[str, Any]) -> None:
        desk = mobile_money.desk(user.org, _LedgerActor(ledger, user))
        narrative = str(form.get("narrative", "")).strip()
        if form.get("decision") == "file":
            desk.file(str(form.get("case", "")), officer=user.username, narrative=narrative)
        else:
            desk.dismiss(str(form.get("case", "")), officer=user.username, note=narrative or "dismissed after review")

    router.add_api_route("/momo/agent/cash-in", act(is_agent, cash_in, agent_page), methods=["POST"])
    router.add_api_route("/momo/agent/cash-out", act(is_agent, cash_out, agent_page), methods=["POST"])
    router.add_api_route("/momo/agent/rebalance", act(is_agent, rebalance, agent_page), methods=["POST"])
    router.add_api_route("/momo/customers/upgrade", act(is_operator, upgrade, operator_page), methods=["POST"])
    router.add_api_route("/momo/screening", act(is_operator, screening, operator_page), methods=["POST"])
    router.add_api_route("/momo/holds", act(is_operator, hold, operator_page), methods=["POST"])
    router.add_api_route("/momo/cases", act(is_operator, case, operator_page), methods=["POST"])
    router.add_api_route("/momo/bills", act(is_operator, bill, operator_page), methods=["POST"])
    router.add_api_route("/momo/mandates", act(is_operator, mandate, operator_page), methods=["POST"])
    return router
