"""Microinsurance that pays without paperwork: life cover on a doctor's signed certificate, crop
cover on a rainfall index.

Life: the insurer issues a policy naming the insured (a pseudonymous reference), the
beneficiary (the member organisation paid, with an optional account there, e.g. a mobile-money
wallet), the sum and the oracle organisations whose registered professionals may certify a
death (e.g. ET-HEALTH). A claim *is* the certificate: an observation on feed `death/<insured>`
with value true, signed by a key the certifier registered as `professional` (holder and
licence on the ledger). The contract checks it against the oracle registry and records the
payment instruction to the beneficiary; nobody files a form.

Crop (parametric): the insurer, who bears the risk, fixes the farmers and their payouts (each
paid to an account at a member provider), the season, the threshold and the oracle terms of
the rainfall index (`terms`: the feed, the stations or their minimum number, f, the tolerance,
who may open the rounds). Only a round opened for the policy under those terms, with
observations made after the season ended, settles it: below the threshold every farmer's
payout is instructed at once; otherwise nothing is paid. A round opened by anyone else, on
another feed or with fewer stations settles nothing. The insurer's node settles by reaction
when the policy's round is decided; any member may also call `settle_crop`.

Every payout is a payment instruction (`payment_instruction.instruct`); only the insurer's
payments agent carries it out.
"""

from __future__ import annotations

import re
from typing import Any

import baobab.oracles.observation as obs
from baobab.contracts.oracles import terms
from baobab.contracts.oracles.reasons import OBSERVATION_REASONS
from baobab.contracts.oracles.conditional_payment import bound_round
from baobab.contracts.payment_instruction import PaymentInstructions, instruct
from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, ContractError, Reason, function
from baobab.ledger.reaction import Reaction

INSURER = {"role": "insurer"}
EVERY_MEMBER = {"role": "*"}
CERTIFICATE_MAX_AGE_S = 90 * 86400  # a certificate must reach the ledger within 90 days
MAX_FARMERS = 1000
POLICY_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
RAINFALL = "rainfall"  # the one answer a crop policy reads
ACCOUNT = r"[A-Za-z0-9+:._-]{1,64}"


class Microinsurance(PaymentInstructions, Contract):
    name = "microinsurance"
    reasons = {
        "BAD_TERMS": Reason("invalid", "The oracle terms of the policy are malformed"),
        **OBSERVATION_REASONS,
    }
    reactions = (
        Reaction(on=("oracles", "round_decided"), call="settle_crop", args={"round_id": "round"},
                 targets="owed_on_round"),
    )

    def _new(self, ctx: Context, policy_id: str, currency: str, expires: str) -> None:
        if not re.fullmatch(POLICY_ID, policy_id):
            raise ContractError(f"policy id {policy_id!r} must be 1-64 of A-Z a-z 0-9 _ . -")
        if ctx.get(f"policy/{policy_id}") is not None:
            raise ContractError(f"policy {policy_id} already exists", reason="ALREADY_EXISTS")
        if currency not in MINOR_UNITS:
            raise BaobabError("BAD_MONEY", f"{currency!r} is not an ISO 4217 currency code")
        if obs.epoch_seconds(expires, "expires") <= obs.epoch_seconds(ctx.timestamp):
            raise ContractError("a policy must expire in the future")

    def _member(self, ctx: Context, org: Any, what: str) -> str:
        if not isinstance(org, str) or not org or ctx.read("governance", f"org/{org}") is None:
            raise ContractError(f"{what} {org!r} is not a member organisation")
        return org

    def _account(self, account: Any) -> str | None:
        if account is not None and (not isinstance(account, str) or not re.fullmatch(ACCOUNT, account)):
            raise ContractError(f"account {account!r} is 1-64 of A-Z a-z 0-9 + : . _ -")
        return account

    def _policy(self, ctx: Context, policy_id: str, kind: str) -> dict[str, Any]:
        record = ctx.get(f"policy/{policy_id}")
        if record is None or record["kind"] != kind:
            raise ContractError(f"no {kind} policy {policy_id}", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    def _save(self, ctx: Context, record: dict[str, Any]) -> None:
        ctx.put(f"policy/{record['id']}", record)
        ctx.set_key_policy(f"policy/{record['id']}", {"orgs": [record["insurer"]]})

    # --- life cover, paid on a registered doctor's signed death certificate --------------

    @function(policy=INSURER, callers=("insurer",))
    def issue_life(self, ctx: Context, policy_id: str, insured: str, beneficiary: str, sum_assured: int,
                   currency: str, certifiers: list[str], expires: str,
                   beneficiary_account: str | None = None) -> dict[str, Any]:
        """Called by: an insurer, which binds itself to pay the sum on a certifier's certificate."""
        insurer = ctx.caller.org
        self._new(ctx, policy_id, currency, expires)
        obs.check_id(insured, "insured reference")
        self._member(ctx, beneficiary, "beneficiary")
        if sum_assured <= 0 or not certifiers:
            raise ContractError("a positive sum assured and at least one certifier are required")
        record = {"id": policy_id, "kind": "life", "insurer": insurer, "insured": insured,
                  "beneficiary": beneficiary, "beneficiary_account": self._account(beneficiary_account),
                  "sum_assured": {"currency": currency, "minor": sum_assured},
                  "certifiers": sorted(set(certifiers)), "issued_at": ctx.timestamp, "expires": expires,
                  "status": "active", "claim": None, "payments": [],
                  "parties": sorted({insurer, beneficiary, *certifiers})}
        self._save(ctx, record)
        ctx.emit("policy_issued", {"policy": policy_id, "kind": "life", "insurer": insurer})
        return record

    @function(policy=EVERY_MEMBER, callers=ANY_MEMBER)
    def claim_death(self, ctx: Context, policy_id: str, certificate: dict[str, Any]) -> dict[str, Any]:
        """Called by: any member, as a transmitter: the insurer consented at issue to pay on a
        certificate signed by a registered professional of a named certifier; the certificate,
        not the caller, is what binds it. Records the payment instruction to the beneficiary."""
        record = self._policy(ctx, policy_id, "life")
        body = obs.check_signed(certificate)["body"]
        if record["status"] != "active":
            raise ContractError(f"policy {policy_id} has already paid on a certificate", reason="OBSERVATION_REPLAYED")
        if body["feed"] != f"death/{record['insured']}" or body["value"] is not True or body["round"] is not None:
            raise ContractError(f"a claim on {policy_id} is a certificate that "
                                f"death/{record['insured']} is true", reason="BAD_OBSERVATION")
        if body["oracle"] not in record["certifiers"]:
            raise ContractError(f"{body['oracle']} may not certify for policy {policy_id}", reason="BAD_OBSERVATION")
        key = ctx.read("oracles", f"key/{body['oracle']}|{body['key']}")
        if key is None or key["status"] != "active" or key["kind"] != "professional":
            raise ContractError(f"{body['oracle']}/{body['key']} is not an active registered professional", reason="BAD_SIGNATURE")
        obs.verify_signature(certificate, key["public_key"])
        obs.check_fresh(body["observed_at"], ctx.timestamp, CERTIFICATE_MAX_AGE_S)
        died = obs.epoch_seconds(body["observed_at"])
        if not obs.epoch_seconds(record["issued_at"]) <= died <= obs.epoch_seconds(record["expires"]):
            raise ContractError(f"the certified date {body['observed_at']} is outside the policy's cover")
        payment = instruct(ctx, obligation=f"{policy_id}/claim", payer=record["insurer"], payee=record["beneficiary"],
                           payee_account=record["beneficiary_account"], amount=record["sum_assured"],
                           due=ctx.timestamp[:10])
        record = {**record, "status": "claimed", "payments": [payment["obligation"]],
                  "claim": {"certificate": certificate, "certified_by": key["holder"], "licence": key["licence"],
                            "evidence": body["evidence"], "claimed_at": ctx.timestamp}}
        self._save(ctx, record)
        return {"policy": policy_id, "status": "claimed", "payment": payment}

    def _follow_payment(self, ctx: Context, instruction: dict[str, Any], status: str) -> None:
        """A life claim's policy follows its payment; a crop policy keeps its settlement (each payout
        is its own instruction)."""
        policy_id, _, what = instruction["obligation"].partition("/")
        record = ctx.get(f"policy/{policy_id}")
        if record is not None and what == "claim":
            self._save(ctx, {**record, "status": status})

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        self._follow_payment(ctx, instruction, "paid")

    def on_payment_failed(self, ctx: Context, instruction: dict[str, Any]) -> None:
        self._follow_payment(ctx, instruction, "payment_failed")

    # --- parametric crop cover, paid on a rainfall index -----------------------------------

    @function(policy=INSURER, callers=("insurer",))
    def issue_crop(self, ctx: Context, policy_id: str, oracle_terms: dict[str, Any], season_start: str,
                   season_end: str, threshold: int, currency: str, farmers: list[dict[str, Any]],
                   expires: str) -> dict[str, Any]:
        """Called by: an insurer, which binds itself to pay every farmer if the rainfall index of
        the rounds its oracle terms allow, observed after the season, is below the threshold."""
        insurer = ctx.caller.org
        self._new(ctx, policy_id, currency, expires)
        if obs.epoch_seconds(season_start, "season_start") >= obs.epoch_seconds(season_end, "season_end"):
            raise ContractError("the season must end after it starts")
        if not isinstance(oracle_terms, dict) or oracle_terms.get("observed_from", season_end) != season_end:
            raise ContractError("a crop policy's rainfall is observed from the end of the season", reason="BAD_TERMS")
        fixed = terms.check({**oracle_terms, "observed_from": season_end}, insurer)
        if fixed["aggregation"] != "trimmed_median":
            raise ContractError("a rainfall index is a number: aggregation trimmed_median", reason="BAD_TERMS")
        if not 0 < len(farmers) <= MAX_FARMERS:
            raise ContractError(f"a crop policy covers 1-{MAX_FARMERS} farmers")
        seen: set[str] = set()
        for f in farmers:
            if (not isinstance(f, dict) or set(f) != {"farmer", "provider", "payout"} or f["farmer"] in seen
                    or isinstance(f["payout"], bool) or not isinstance(f["payout"], int) or f["payout"] <= 0):
                raise ContractError("each farmer is {farmer, provider, payout}: a unique account at a member "
                                    "provider and a positive amount")
            self._account(f["farmer"])
            self._member(ctx, f["provider"], "provider")
            seen.add(f["farmer"])
        providers = sorted({f["provider"] for f in farmers})
        record = {"id": policy_id, "kind": "crop", "insurer": insurer, "feed": fixed["feed"], "oracle_terms": fixed,
                  "season_start": season_start, "season_end": season_end, "threshold": threshold,
                  "currency": currency, "farmers": farmers, "issued_at": ctx.timestamp, "expires": expires,
                  "status": "active", "settlement": None, "payments": [], "parties": sorted({insurer, *providers})}
        self._save(ctx, record)
        ctx.put(terms.terms_key(policy_id), {"terms": {RAINFALL: fixed}, "parties": record["parties"]})
        ctx.emit("policy_issued", {"policy": policy_id, "kind": "crop", "insurer": insurer, "farmers": len(farmers)})
        return record

    def _rainfall(self, ctx: Context, record: dict[str, Any]) -> dict[str, Any] | None:
        bound = ctx.read("oracles", terms.bound_key(self.name, record["id"], RAINFALL))
        rnd = None if bound is None else ctx.read("oracles", f"round/{bound['round']}")
        if rnd is None or terms.mismatch(record["oracle_terms"], rnd):
            return None
        return rnd  # type: ignore[no-any-return]

    @function(policy=EVERY_MEMBER, callers=ANY_MEMBER)
    def settle_crop(self, ctx: Context, policy_id: str) -> dict[str, Any]:
        """Called by: any member (the insurer's node does it by reaction): the outcome follows from
        the policy's own rainfall round and the terms the insurer fixed, whoever asks. Below the
        threshold every farmer's payout is instructed; otherwise nothing is paid."""
        record = self._policy(ctx, policy_id, "crop")
        if record["status"] != "active":  # settled once and for all: a conflict, so reactors count it done
            raise ContractError(f"policy {policy_id} is already {record['status']}", reason="WRONG_STATE",
                                policy=policy_id, status=record["status"])
        rnd = self._rainfall(ctx, record)
        if rnd is None or rnd["status"] != "accepted":
            state = "no round" if rnd is None else f"round {rnd['id']} {rnd['status']}"
            raise ContractError(f"policy {policy_id} settles on an accepted round opened under its terms ({state})",
                                reason="WRONG_STATE")
        result = rnd["result"]
        if obs.epoch_seconds(result["observed_at"]) < obs.epoch_seconds(record["season_end"]):
            raise ContractError(f"round {rnd['id']} was observed before the season ended ({record['season_end']})")
        index = result["high"]  # a payout is due only if every answer left after trimming is below it
        settlement = {"round": rnd["id"], "index": index, "range": [result["low"], result["high"]],
                      "threshold": record["threshold"], "unit": rnd.get("unit", ""), "settled_at": ctx.timestamp}
        payments = []
        if index < record["threshold"]:
            for n, f in enumerate(record["farmers"]):
                payments.append(instruct(ctx, obligation=f"{policy_id}/farmer/{n}", payer=record["insurer"],
                                         payee=f["provider"], payee_account=f["farmer"],
                                         amount={"currency": record["currency"], "minor": f["payout"]},
                                         due=ctx.timestamp[:10])["obligation"])
            status = "paid"
        else:
            status = "no_payout"
            ctx.emit("policy_expired_without_payout", {"policy": policy_id, "index": index})
        self._save(ctx, {**record, "status": status, "settlement": settlement, "payments": payments})
        return {"policy": policy_id, "status": status, "settlement": settlement, "payouts": len(payments)}

    @function(query=True, callers=ANY_MEMBER)
    def owed_on_round(self, ctx: Context, round_id: str) -> list[dict[str, Any]]:
        """Called by: any member; answers only what the caller owes: for the insurer, settling its
        crop policy once the policy's own round is accepted (nothing for anyone else)."""
        obligation = bound_round(ctx, self.name, round_id)
        record = None if obligation is None else ctx.get(f"policy/{obligation['id']}")
        if record is None or record["insurer"] != ctx.caller.org or record["status"] != "active":
            return []
        rnd = self._rainfall(ctx, record)
        return [{"args": {"policy_id": record["id"]}}] if rnd is not None and rnd["status"] == "accepted" else []

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, policy_id: str) -> dict[str, Any]:
        """Called by: the policy's parties: its insurer, its certifiers, its beneficiary and the
        providers that keep its farmers' accounts."""
        record = ctx.get(f"policy/{policy_id}")
        if record is None:
            raise ContractError(f"no policy {policy_id}", reason="NOT_FOUND")
        ctx.require_party(f"policy/{policy_id}", record["parties"], f"{ctx.caller.org} is not a party to policy {policy_id}")
        return record  # type: ignore[no-any-return]
