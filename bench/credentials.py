"""Credentials benchmark: eddsa-jcs-2022 credentials issued and verified per second.

    python -m bench credentials [--credentials N] [--presentation K]

Times, on one core: issuing (JCS, SHA-256, Ed25519 signature) of N delivery records; verifying
their proofs, each signature checked afresh (no memo); the verifier's full answer against an
embedded ledger (issuer known from the credentials registry, status from the issuer's list on the
ledger: one ledger read per credential); a lender verifying a presentation of K credentials.
Prints figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from baobab import embedded
from baobab.core.keys import fresh_verification
from baobab.credentials import data_integrity
from baobab.credentials.credential import Signer, credential, issue, verify_credential
from baobab.credentials.issuer import Claim, Issuer
from baobab.credentials.ledger import LedgerDirectory, LedgerStatus
from baobab.credentials.lending import Lender
from baobab.credentials.presentation import present
from baobab.credentials.records import DELIVERY
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.stories.embedded import embedded_actors

FAST_BLOCKS = {"max_txs": 500, "max_bytes": 8_000_000, "timeout_ms": 5}


def subject(holder: str, n: int) -> dict[str, object]:
    return {"id": holder, "type": "ProduceDelivery", "product": "fresh cassava roots", "kilograms": 900 + n % 300,
            "deliveredOn": "2026-03-01", "buyer": "ZM-AGRI", "place": "Kabwe collection point",
            "pricePerKilogram": {"currency": "ZMW", "minor": 250}}


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s ({seconds * 1e6 / count:,.0f} µs each)"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench credentials")
    ap.add_argument("--credentials", type=int, default=2_000)
    ap.add_argument("--presentation", type=int, default=20)
    args = ap.parse_args(argv)
    n = args.credentials
    holder, issuer = Signer.generate(), Signer.generate()
    now = datetime.now(timezone.utc)

    start = time.perf_counter()
    offline = [issue(credential(issuer.did, [DELIVERY], subject(holder.did, i), valid_from="2026-03-01T00:00:00Z"),
                     issuer, created="2026-03-01T09:00:00Z") for i in range(n)]
    print(f"issue (offline, no ledger):        {rate(n, time.perf_counter() - start)}")

    with fresh_verification():
        start = time.perf_counter()
        assert all(c.valid for vc in offline for c in data_integrity.verify(vc))
        print(f"verify proof (fresh signatures):   {rate(n, time.perf_counter() - start)}")

    with tempfile.TemporaryDirectory(prefix="bench-credentials-") as tmp:
        data = Path(tmp)
        embedded.create(data, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, block=FAST_BLOCKS)
        node = embedded.open_node(data)
        try:
            actors = embedded_actors(node, data)
            agent = Issuer(actors("ZM-AGRI"), issuer)
            agent.register()
            start = time.perf_counter()
            issued = agent.issue_many([Claim([DELIVERY], subject(holder.did, i)) for i in range(min(n, 1_000))])
            print(f"issue with a status index (ledger): {rate(len(issued), time.perf_counter() - start)} "
                  f"(one reserve transaction for the batch)")
            lender = actors("ZM-MFI")
            directory = LedgerDirectory(lender)
            status = LedgerStatus(lender, directory)
            now = datetime.now(timezone.utc)
            with fresh_verification():
                start = time.perf_counter()
                verdicts = [verify_credential(vc, now=now, issuers=directory, status=status) for vc in issued]
                assert all(v.ok for v in verdicts)
                print(f"verify in full (ledger-backed):    {rate(len(issued), time.perf_counter() - start)}")
            k = args.presentation
            rounds = max(1, 200 // k)
            bank = Lender(lender)
            with fresh_verification():
                start = time.perf_counter()
                for r in range(rounds):
                    vp = present(issued[r * k:(r + 1) * k] or issued[:k], holder, challenge=bank.challenge(),
                                 domain="ZM-MFI", created="2026-06-01T08:00:00Z")
                    assert bank.verify(vp).ok
                elapsed = time.perf_counter() - start
            print(f"presentation of {k} verified:        {rate(rounds, elapsed)} ({rate(rounds * k, elapsed)} credentials)")
        finally:
            node.close()
    return 0
