"""The scorecard on a synthetic population of farmers, and its fairness across gender and region.

    python -m baobab.credentials.fairness --farmers 2000 --seed 7

`population(n, seed)` makes farmers as a cooperative's books might show them: a gender and a
province, months of paid deliveries over the last year, kilograms and price per delivery, and
for some an earlier loan repaid (on time or late). Women farm smaller plots on average (a gap
the report should reveal, not hide), and provinces differ in season length. Each farmer's
record becomes the credentials the scorecard reads (unsigned: the scorecard reads verified
credentials' contents); `report` scores everyone for the same loan and measures, with fairlearn,
the approval rate and mean score per gender and per province, the demographic parity difference
and ratio, and the declines' reason codes per group. Only `random.Random(seed)` is used.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fairlearn.metrics import MetricFrame, demographic_parity_difference, demographic_parity_ratio, selection_rate

from baobab.credentials.credential import credential
from baobab.credentials.issuer import Claim
from baobab.credentials.records import delivery, loan_repaid, payment_received, registered_farmer, repayments
from baobab.credentials.scoring import Assessment, score

ISSUER = "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"
# province: (months of the year with deliveries: min, max), price per kg in ngwee
PROVINCES = {"Central": ((6, 12), 250), "Northern": ((4, 10), 230), "Luapula": ((3, 9), 220), "Eastern": ((5, 11), 240)}
GENDERS = ("female", "male")
ASK, MONTHS = 300_000, 3  # ZMW 3,000 over three months, as in story 7


@dataclass
class Farmer:
    n: int
    gender: str
    province: str
    credentials: list[dict[str, Any]]


def _vc(claim: Claim) -> dict[str, Any]:
    return credential(ISSUER, claim.types, claim.subject, valid_from="2026-01-01T00:00:00Z", evidence=claim.evidence)


def population(n: int, seed: int, today: date) -> list[Farmer]:
    rng = random.Random(seed)
    farmers = []
    for i in range(n):
        gender, province = rng.choice(GENDERS), rng.choice(list(PROVINCES))
        (low, high), price = PROVINCES[province]
        did = f"did:key:z6Mksynthetic{seed}x{i}"
        key = "A" * 43
        plot = rng.randint(5_000, 25_000) if gender == "female" else rng.randint(8_000, 40_000)  # m²
        creds = [_vc(registered_farmer(did, name=f"Farmer {i}", gender=gender, region=province, district="-",
                                       plot={"location": "geo:-13,28", "areaSquareMetres": plot, "crop": "cassava"},
                                       kyc={"level": "tier-1"}, registered_by="ZM-AGRI", custodian="ZM-AGRI"))]
        for month in range(1, rng.randint(low, high) + 1):
            day = (today - timedelta(days=30 * month)).isoformat()
            minor = plot // 25 * price * rng.randint(80, 120) // 100  # about 40 kg per 1,000 m² a month
            p = {"id": f"S{seed}-{i}-{month}", "farmer": key, "product": "cassava", "kilograms": minor // price,
                 "delivered_on": day, "buyer": "ZM-AGRI", "place": province, "price_per_kg": {"currency": "ZMW", "minor": price},
                 "amount": {"currency": "ZMW", "minor": minor}, "provider": "ZM-MOMO", "obligation": f"S-{i}-{month}/payment",
                 "status": "paid", "settlement": {"reference": "t", "proof": "f", "at": f"{day}T08:00:00Z"}}
            creds += [_vc(delivery(p)), _vc(payment_received(p))]
        if rng.random() < 0.3:  # an earlier loan, repaid on time four times in five
            late = rng.random() < 0.2
            loan = {"id": f"L{seed}-{i}", "lender": "ZM-MFI", "borrower": key, "principal": {"currency": "ZMW", "minor": 100_000},
                    "fee": {"currency": "ZMW", "minor": 0}, "status": "repaid", "repaid_at": f"{today.isoformat()}T00:00:00Z",
                    "instalments": [{"n": 1, "due": (today - timedelta(days=60)).isoformat(), "minor": 100_000}],
                    "repayments": [{"n": 1, "minor": 100_000, "status": "settled", "settlement": {
                        "reference": "r", "at": f"{(today - timedelta(days=40 if late else 70)).isoformat()}T00:00:00Z"}}]}
            creds += [_vc(c) for c in repayments(loan)] + [_vc(loan_repaid(loan))]
        for c in creds:  # the subject is the farmer's DID (the records name the ledger key)
            c["credentialSubject"]["id"] = did
        farmers.append(Farmer(i, gender, province, creds))
    return farmers


def report(farmers: list[Farmer], today: date) -> dict[str, Any]:
    """Approval rates, mean scores and reasons per gender and province, with fairlearn's parity measures."""
    assessed: list[Assessment] = [score(f.credentials, principal_minor=ASK, currency="ZMW", months=MONTHS, today=today)
                                  for f in farmers]
    approved = [0 if a.declined else 1 for a in assessed]
    out: dict[str, Any] = {"farmers": len(farmers), "approved": sum(approved)}
    for name, groups in (("gender", [f.gender for f in farmers]), ("province", [f.province for f in farmers])):
        frame = MetricFrame(metrics={"approval_rate": selection_rate}, y_true=approved, y_pred=approved,
                            sensitive_features=groups)
        rates = {str(k): round(float(v), 4) for k, v in frame.by_group["approval_rate"].items()}
        scores: dict[str, list[int]] = {}
        reasons: dict[str, Counter[str]] = {}
        for group, a in zip(groups, assessed):
            scores.setdefault(group, []).append(a.score)
            if a.declined:
                reasons.setdefault(group, Counter()).update(r.split(" ")[0] for r in a.reasons)
        out[name] = {"approval_rate": rates,
                     "mean_score": {g: round(sum(s) / len(s), 1) for g, s in sorted(scores.items())},
                     "decline_reasons": {g: dict(c.most_common()) for g, c in sorted(reasons.items())},
                     "parity_difference": round(float(demographic_parity_difference(approved, approved, sensitive_features=groups)), 4),
                     "parity_ratio": round(float(demographic_parity_ratio(approved, approved, sensitive_features=groups)), 4)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m baobab.credentials.fairness")
    ap.add_argument("--farmers", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    today = date(2026, 6, 1)
    result = report(population(args.farmers, args.seed, today), today)
    print(f"{result['farmers']} farmers, {result['approved']} approved for ZMW 3,000 over 3 months")
    for name in ("gender", "province"):
        r = result[name]
        print(f"\nby {name}: parity difference {r['parity_difference']}, ratio {r['parity_ratio']}")
        for group, rate in sorted(r["approval_rate"].items()):
            print(f"  {group:<10} approved {rate:.1%}  mean score {r['mean_score'][group]:>6}  "
                  f"declines: {r['decline_reasons'].get(group, {})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
