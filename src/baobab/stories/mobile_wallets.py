"""Story 10: mobile-money wallets at two providers, with tiered KYC limits and agent
cash-in/cash-out, paying each other through one interoperable switch.

In Kenya, Rift Valley Mobile Money (KE-MOMO) and Nairobi Pesa (KE-PESA) are both participants of
the switch. An agent of each registers a customer; Amina pays cash in at her agent in Eldoret,
pays Baraka at the other provider, and Baraka takes cash out at his agent. A payment above
Amina's tier is refused at once. Each movement sends its SMS receipt. Later Amina's wallet takes
three cash deposits just under the provider's monitoring threshold: the rule opens a case, and
KE-MOMO's compliance officer files a suspicious transaction report on the ledger, which the
Central Bank of Kenya reads (and no other organisation can).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from baobab.core.errors import BaobabError
from baobab.stories import Actors, Story, StoryReport
from baobab.wallet.services import MobileMoney, ensure_wallet

KES = 100
AMINA, BARAKA, ACHIENG = "+254712345678", "+254733123456", "+254720111222"
PIN_A, PIN_B = "2580", "1470"


def _agent(mm: MobileMoney, fsp: str, agent: str, name: str, float_kes: int) -> None:
    p = mm.providers[fsp]
    if p.db.one("SELECT 1 FROM momo_agents WHERE agent = ?", (agent,)) is None:
        p.add_agent(agent, name)
    p.issue_float(agent, float_kes * KES, reference=f"{agent} e-float bought at the bank")


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None, services: dict[str, Any]) -> None:
    mm: MobileMoney = services["mobile_money"]
    momo, pesa = mm.providers["KE-MOMO"], mm.providers["KE-PESA"]
    _agent(mm, "KE-MOMO", "eldoret-07", "Mama Njeri Shop, Eldoret", 500_000)
    _agent(mm, "KE-PESA", "kisumu-12", "Otieno Agencies, Kisumu", 500_000)
    ensure_wallet(mm, "KE-MOMO", AMINA, "Amina Chebet", by="eldoret-07", pin=PIN_A)
    ensure_wallet(mm, "KE-PESA", BARAKA, "Baraka Otieno", by="kisumu-12", pin=PIN_B)
    tier = momo.scheme.tier(momo.wallet(AMINA)["tier"])
    report.step(f"agents register Amina at KE-MOMO and Baraka at KE-PESA ({tier.name}: KES {tier.single_max // KES:,} per "
                f"payment, {tier.daily_max // KES:,} a day)", progress)

    before = momo.balance(AMINA)
    momo.cash_in("eldoret-07", AMINA, 12_000 * KES)
    report.step("Amina pays KES 12,000 cash in at Mama Njeri's shop: the agent's e-float becomes her e-money", progress)

    done = mm.links["KE-MOMO"].send(AMINA, BARAKA, 7_500 * KES, pin=PIN_A, links=mm.links)
    report.payments += 1
    report.step(f"Amina pays Baraka KES 7,500 at the other provider through the switch ({done['state'].lower()}, "
                f"transfer {done['transfer_id'][:8]})", progress)
    try:
        mm.links["KE-MOMO"].send(AMINA, BARAKA, (tier.single_max or 0) + KES, pin=PIN_A, links=mm.links)
        raise RuntimeError("a payment above the tier limit was accepted")
    except BaobabError as exc:
        report.step(f"a payment above her tier's single limit is refused at once ({exc.code}); nothing moved", progress)

    ensure_wallet(mm, "KE-PESA", ACHIENG, "Achieng Atieno", by="kisumu-12", pin="9630")
    pesa.cash_in("kisumu-12", ACHIENG, 8_000 * KES)    # the agent's drawer holds what customers paid in
    fee_before = pesa.journal.balance("agent/kisumu-12/float").net_credit
    pesa.cash_out("kisumu-12", BARAKA, 5_000 * KES, pin=PIN_B)
    earned = pesa.journal.balance("agent/kisumu-12/float").net_credit - fee_before - 5_000 * KES
    report.step(f"Baraka takes KES 5,000 cash out at Otieno Agencies (the agent earns KES {earned / KES:,.2f} commission)", progress)

    sent = mm.deliver_sms()
    report.step(f"{sent} SMS receipts delivered, e.g. to Amina: \"{mm.sms.to(AMINA)[-1][:70]}…\"", progress)

    for _ in range(3):
        momo.cash_in("eldoret-07", AMINA, 90_000 * KES)
    day = momo.statement(AMINA, limit=1)[0]["at"][:10]
    monitor = mm.monitors["KE-MOMO"]
    monitor.scan(day)
    case = next(c for c in monitor.cases("open") if c["msisdn"] == AMINA and c["rule"] == "structuring")
    report.flags.append(f"KE-MOMO: {case['detail']}")
    report.step("three cash deposits of KES 90,000 in minutes: the structuring rule opens a case", progress)

    filed = mm.desk("KE-MOMO", actors("KE-MOMO")).file(
        case["id"], officer="W. Kamau, MLRO", narrative="Three cash deposits of KES 90,000 within minutes at one agent, "
        "each just under the provider's KES 100,000 monitoring threshold; the customer's declared income is small.")
    seen = actors("CBK").query("suspicious_reports", "get", {"report_id": filed["id"]})
    report.step(f"KE-MOMO files suspicious transaction report {filed['id']} on the ledger; the Central Bank of Kenya "
                f"reads it ({seen['activity']}, KES {seen['amount']['minor'] // KES:,})", progress)
    report.notes.append(f"Amina's wallet: KES {before // KES:,} -> {momo.balance(AMINA) // KES:,}; "
                        f"Baraka's: KES {pesa.balance(BARAKA) // KES:,}; switch positions reconcile: {mm.links['KE-MOMO'].hub.switch.reconcile() == []}")


STORY = Story(10, "Mobile money at two providers through one switch", "days between networks that do not talk", play,
              needs=("mobile_money",))
