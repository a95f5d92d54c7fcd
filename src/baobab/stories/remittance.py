"""Story 9: a remittance from Mumbai to a wallet in Dubai in minutes, with the full cost shown
before the sender pays (the SDG 10.c target is under 3%; the report says remittances cost 6-7%).

Ravi, in Mumbai, sends INR 20,000 through Mumbai Remit Services (IN-REMIT) to his sister's wallet
at Emirates Exchange House (AE-EXCH). Before he pays he sees the rate, the fee, the exchange
margin, the amount that arrives in dirhams and the total cost as the World Bank's Remittance
Prices Worldwide counts it. The rupees go through the switch to the FX provider (Gulf Trade Bank,
AEBANK), which pays the dirhams through the switch to AE-EXCH; the wallet is credited and its
holder gets her SMS receipt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from baobab.core.money import Money
from baobab.i18n import money
from baobab.stories import Actors, Story, StoryReport
from baobab.wallet.services import MobileMoney, ensure_wallet

PRIYA = "+971501234567"
SENT = Money("INR", 20_000_00)


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None, services: dict[str, Any]) -> None:
    mm: MobileMoney = services["mobile_money"]
    exchange = mm.providers["AE-EXCH"]
    if exchange.db.one("SELECT 1 FROM momo_agents WHERE agent = ?", ("deira-03",)) is None:
        exchange.add_agent("deira-03", "Al Ras Exchange counter, Deira")
    ensure_wallet(mm, "AE-EXCH", PRIYA, "Priya Kumar", by="deira-03", pin="3690")
    report.step("Priya's wallet at Emirates Exchange House is listed on the switch", progress)

    start = time.perf_counter()
    quote = mm.remittances.quote("IN-REMIT", SENT, PRIYA)
    cost = quote["cost"]
    report.step(f"before paying, Ravi sees: he pays {money(cost['sent'], 'en')} (fee {money(cost['sender_fee'], 'en')}), "
                f"rate {cost['applied_rate']} (mid-market {cost['mid_rate']}), Priya receives {money(cost['received'], 'en')}; "
                f"total cost {money(cost['total_cost'], 'en')} = {cost['total_cost_percent']}% "
                f"({'within' if cost['within_sdg_target'] else 'above'} the 3% SDG target)", progress)

    before = exchange.balance(PRIYA)
    done = mm.remittances.send(quote["id"], sender_name="Ravi Kumar")
    seconds = time.perf_counter() - start
    report.payments += 2
    report.step(f"INR {cost['sent']['minor'] // 100 - cost['sender_fee']['minor'] // 100:,} to the FX provider {quote['fxp']} "
                f"and {money(cost['received'], 'en')} to AE-EXCH, two transfers through the switch", progress)
    assert exchange.balance(PRIYA) - before == cost["received"]["minor"], "the wallet got what the quote said"
    mm.deliver_sms()
    report.step(f"Priya's wallet is credited and she gets her receipt: \"{mm.sms.to(PRIYA)[-1][:60]}…\"", progress)
    report.notes.append(f"remittance Mumbai -> Dubai in {seconds:.2f} s; total cost {cost['total_cost_percent']}% "
                        f"(SDG 10.c target < 3%; report: 6-7%); transfers {', '.join(t[:8] for t in done['transfers'])}")


STORY = Story(9, "A remittance from Mumbai to a wallet in Dubai, cost shown up front", "1-3 days, 6-7% cost", play,
              needs=("mobile_money",))
