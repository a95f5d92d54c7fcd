"""Story 7: cassava farmers in Zambia build an economic record they can show a lender.

The Zambia Cassava Growers Association registers three farmers after KYC, holds their keys for
them (none has a smartphone; each consents on a signed form) and gives each a "registered
farmer" credential. Over ten months it buys their cassava; every delivery is paid to the
farmer's Copperbelt Mobile Money wallet through the switch, and from each paid purchase on the
ledger the association issues a delivery record and a payment-received credential. One
delivery was mis-weighed: the association revokes that credential.

Lusaka Microfinance asks each farmer for their record with a fresh challenge. The farmers
choose what to show; the lender verifies every credential against the ledger (intact, issuer
known, not revoked), scores only what passed and explains each point withheld. Mwila is offered
a loan; she accepts it with her own key, it is disbursed to her wallet through the switch and
repaid from it in three instalments, and the lender issues her repayment credentials, which
lift her next score. Chanda's revoked record is refused and a replay of his presentation
fails; Esther, registered two months ago, is declined with her reasons.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.contracts.credentials.microloans import ACCEPTANCE, terms_of
from baobab.credentials.credential import Signer, stamp
from baobab.credentials.holder import HolderStore
from baobab.credentials.issuer import Issuer
from baobab.credentials.ledger import committed
from baobab.credentials.lending import Lender
from baobab.credentials.records import (DELIVERY, PAYMENT, REGISTERED, delivery, loan_repaid, payment_received,
                                        registered_farmer, repayments)
from baobab.wallet.ledger_payments import wallets_beside_ledger
from baobab.stories import Actors, Story, StoryReport, await_payment
from baobab.stories.trade_kit import check

AGENT, PROVIDER, LENDER = "ZM-AGRI", "ZM-MOMO", "ZM-MFI"
PRICE = {"currency": "ZMW", "minor": 250}  # ZMW 2.50 a kilogram of fresh cassava roots
ASK = 300_000  # ZMW 3,000.00, over three months
# name, gender, province, district, plot (geo URI, m²), wallet, months of deliveries, kilograms
FARMERS = [("Mwila Banda", "female", "Central", "Kabwe", "geo:-14.4469,28.4464", 20_000, "+260971000101", 10, 900),
           ("Chanda Phiri", "male", "Northern", "Kasama", "geo:-10.2129,31.1808", 30_000, "+260971000102", 10, 1_100),
           ("Esther Mulenga", "female", "Luapula", "Mansa", "geo:-11.1998,28.8943", 10_000, "+260971000103", 2, 700)]


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None = None,
         services: dict[str, Any] | None = None) -> None:
    agent, provider, lender_actor = actors(AGENT), actors(PROVIDER), actors(LENDER)
    mm = wallets_beside_ledger(services)
    run = uuid.uuid4().hex[:6]  # a story played again on the same ledger records new purchases and loans
    today = datetime.now(timezone.utc).date()
    association = Issuer(agent, Signer.generate())
    association.register()
    lender_issuer = Issuer(lender_actor, Signer.generate())
    lender_issuer.register()
    wallets = HolderStore()  # the association's custody of its farmers' keys
    report.step(f"{AGENT} and {LENDER} register their issuing keys (did:key) and open revocation lists", progress)

    farmers = []
    for n, (name, gender, region, district, geo, area, wallet, _, _) in enumerate(FARMERS, start=1):
        form = f"consent form of {name}: keys held by {AGENT}, thumbprint witnessed".encode()
        consent = {"method": "paper form, thumbprint", "reference": f"ZCGA/{run}/{n}",
                   "form_sha256": hashlib.sha256(form).hexdigest()}
        holder = wallets.create(f"NRC {run}-{n:03d}/10/1", consent=consent)
        committed(agent, "credentials", "register_holder", {"public_key": holder.key.public.text, "consent": consent})
        farmers.append((holder, name, wallet))
    ids = association.issue_many([
        registered_farmer(h.did, name=name, gender=f[1], region=f[2], district=f[3],
                          plot={"location": f[4], "areaSquareMetres": f[5], "crop": "cassava"},
                          kyc={"level": "tier-1", "document": "national registration card"},
                          registered_by=AGENT, custodian=AGENT)
        for (h, name, _), f in zip(farmers, FARMERS)])
    for vc in ids:
        wallets.keep(vc)
    report.documents += len(ids)
    report.step(f"{AGENT} registers {len(farmers)} farmers after KYC, holds their keys with consent, issues their IDs", progress)

    if mm is not None:
        from baobab.wallet.services import ensure_wallet

        for _, name, wallet in farmers:
            ensure_wallet(mm, PROVIDER, wallet, name, by=AGENT)
    purchases = []
    for (holder, name, wallet), f in zip(farmers, FARMERS):
        for month in range(f[7], 0, -1):
            purchase_id = f"ZCGA-{run}-{len(purchases) + 1:03d}"
            committed(agent, "produce", "record_purchase", {
                "purchase_id": purchase_id, "farmer": holder.key.public.text, "product": "fresh cassava roots",
                "kilograms": f[8] + 10 * month, "price_per_kg": PRICE, "provider": PROVIDER, "wallet": wallet,
                "delivered_on": (today - timedelta(days=30 * month)).isoformat(), "place": f"{f[3]} collection point"})
            purchases.append(purchase_id)
    for purchase_id in purchases:
        payment = await_payment(agent, "produce", f"{purchase_id}/payment")
        if payment["status"] == "settled":
            report.payments += 1
            if mm is not None:
                line = mm.ledger.await_booked(agent, PROVIDER, payment["payee_account"], "produce", f"{purchase_id}/payment")
                check(line["kind"] == "receive", f"{purchase_id}: the wallet was not credited ({line['kind']})")
    report.step(f"{AGENT} records {len(purchases)} deliveries; each is paid to the farmer's {PROVIDER} wallet"
                + (" through the switch and credited there, with an SMS receipt" if mm is not None else ""), progress)

    paid = [p for p in (agent.query("produce", "get", {"purchase_id": pid}) for pid in purchases) if p["status"] == "paid"]
    records = association.issue_many([claim for p in paid for claim in (delivery(p), payment_received(p))])
    for vc in records:
        wallets.keep(vc)
    report.documents += len(records)
    report.step(f"{AGENT} issues {len(records)} delivery and payment credentials from the paid ledger records", progress)

    chanda = farmers[1][0]
    wrong = wallets.credentials(chanda.did, [DELIVERY])[0]
    association.revoke(wrong, "weighing error at the collection point")
    report.step(f"{AGENT} revokes one mis-weighed delivery record of Chanda's", progress)

    lender = Lender(lender_actor)
    shown = [REGISTERED, DELIVERY, PAYMENT]
    decisions = {}
    for holder, name, _ in farmers:
        challenge = lender.challenge()
        vp = wallets.present(holder.did, types=shown, challenge=challenge, domain=LENDER, created=stamp(datetime.now(timezone.utc)))
        decisions[name] = (vp, lender.assess(vp, principal_minor=ASK, currency="ZMW", months=3))
    refused = [v for _, v in decisions["Chanda Phiri"][1].verdict.credentials if not v.ok]
    if refused:
        report.flags.append(f"Chanda's mis-weighed delivery record is refused: {', '.join(refused[0].reasons)}")
    replay = lender.verify(decisions["Chanda Phiri"][0])
    if not replay.fresh:
        report.flags.append("a replay of Chanda's presentation is refused (its challenge was used)")
    esther = decisions["Esther Mulenga"][1].assessment
    if esther.declined:
        report.flags.append(f"Esther declined, score {esther.score}: {', '.join(r.split(' ')[0] for r in esther.reasons)}")
    summary = ", ".join(f"{n.split()[0]} {d.assessment.score} ({d.assessment.band})" for n, (_, d) in decisions.items())
    report.step(f"{LENDER} verifies each farmer's chosen records against the ledger and scores them: {summary}", progress)

    mwila, name, wallet = farmers[0]
    decision = decisions[name][1]
    loan_id = f"ZMFI-{run}-1"
    loan = lender.offer(loan_id, decision, provider=PROVIDER, wallet=wallet)
    committed(agent, "microloans", "accept", {"loan_id": loan_id, "signature": wallets.sign(mwila.did, ACCEPTANCE, terms_of(loan))})
    if await_payment(lender_actor, "microloans", f"{loan_id}/disbursement")["status"] == "settled":
        report.payments += 1
        if mm is not None:
            line = mm.ledger.await_booked(lender_actor, PROVIDER, wallet, "microloans", f"{loan_id}/disbursement")
            check(line["kind"] == "receive", f"the loan was not credited to the wallet ({line['kind']})")
    report.step(f"{LENDER} offers Mwila ZMW {loan['principal']['minor'] // 100:,} (band {decision.assessment.band}); "
                f"she accepts with her key; it is disbursed to her wallet through the switch", progress)

    if mm is not None:  # she pays the fee from her sales: her wallet holds them
        balance = mm.providers[PROVIDER].balance(wallet)
        check(balance >= sum(i["minor"] for i in loan["instalments"]), "her wallet cannot repay the loan")
    for n, instalment in enumerate(loan["instalments"], start=1):
        args = {"loan_id": loan_id, "minor": instalment["minor"]}
        if mm is None:
            committed(provider, "microloans", "repay", args)
        else:  # taken from her wallet first, given back if the ledger refuses the repayment
            mm.ledger.pay_from_wallet(_Committing(provider), PROVIDER, wallet, instalment["minor"], contract="microloans",
                                      obligation=f"{loan_id}/repayment/{n}", payee=LENDER, function="repay", args=args)
        if await_payment(provider, "microloans", f"{loan_id}/repayment/{n}")["status"] == "settled":
            report.payments += 1
    if mm is not None:
        check(mm.providers[PROVIDER].balance(wallet) == balance - sum(i["minor"] for i in loan["instalments"]),
              "the repayments did not leave her wallet")
    loan = lender_actor.query("microloans", "get", {"loan_id": loan_id})
    credits = lender_issuer.issue_many([*repayments(loan), loan_repaid(loan)])
    for vc in credits:
        wallets.keep(vc)
    report.documents += len(credits)
    report.step(f"{PROVIDER} repays {len(loan['instalments'])} instalments from her wallet; {LENDER} issues "
                f"{len(credits)} repayment credentials", progress)

    vp = wallets.present(mwila.did, challenge=lender.challenge(), domain=LENDER, created=stamp(datetime.now(timezone.utc)))
    again = lender.assess(vp, principal_minor=ASK, currency="ZMW", months=3)
    report.notes.append(f"Mwila's score went from {decision.assessment.score} to {again.assessment.score} with her repayments")
    report.step(f"Mwila's next presentation includes her repayments: score {again.assessment.score} "
                f"(band {again.assessment.band})", progress)
    wallets.close()


class _Committing:
    """An Actor whose submissions must commit (as `committed` checks them)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        return committed(self.actor, contract, function, args)


STORY = Story(7, "Cassava farmers in Zambia: an economic record a microfinance lender verifies and lends on",
              "no record a lender will accept: no loan", play, uses=("mobile_money",))
