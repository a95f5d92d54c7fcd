"""Microinsurance that pays without paperwork: life cover on a doctor's signed certificate, crop
cover on a rainfall index.

Life: the insurer issues a policy naming the insured (a pseudonymous reference), the
beneficiary, the sum and the oracle organisations whose registered professionals may certify
a death (e.g. ET-HEALTH). A claim *is* the certificate: an observation on feed
`death/<insured>` with value true, signed by a key the certifier registered as
`professional` (holder and licence on the ledger). The contract checks it against the oracle
registry and releases a payment instruction to the beneficiary; nobody files a form.

Crop (parametric): the insurer lists farmers and their payouts, the rainfall feed, the season
and the threshold. When an oracle round on that feed, observed after the season ended, is
accepted below the threshold, every farmer's payout is released at once.
"""

from __future__ import annotations

import re
from typing import Any

import baobab.oracles.observation as obs
from baobab.contracts.oracles import conditions
from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS
from baobab.ledger.contract import Context, Contract, ContractError, function

INSURER = {"role": "insurer"}
ANY_MEMBER = {"role": "*"}
CERTIFICATE_MAX_AGE_S = 90 * 86400  # a certificate must reach the ledger within 90 days
MAX_FARMERS = 1000
POLICY_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"


class Microinsurance(Contract):
    name = "microinsurance"

    def _insurer(self, ctx: Context) -> str:
        if "insurer" not in ctx.caller.roles:
            raise ContractError(f"{ctx.caller.org} does not hold the insurer role")
        return ctx.caller.org

    def _new(self, ctx: Context, policy_id: str, currency: str, expires: str) -> None:
        if not re.fullmatch(POLICY_ID, policy_id):
            raise ContractError(f"policy id {policy_id!r} must be 1-64 of A-Z a-z 0-9 _ . -")
        if ctx.get(f"policy/{policy_id}") is not None:
            raise ContractError(f"policy {policy_id} already exists")
        if currency not in MINOR_UNITS:
            raise BaobabError("BAD_MONEY", f"{currency!r} is not an ISO 4217 currency code")
        if obs.epoch_seconds(expires, "expires") <= obs.epoch_seconds(ctx.timestamp):
            raise ContractError("a policy must expire in the future")

    def _policy(self, ctx: Context, policy_id: str, kind: str) -> dict[str, Any]:
        record = ctx.get(f"policy/{policy_id}")
        if record is None or record["kind"] != kind:
            raise ContractError(f"no {kind} policy {policy_id}")
        return record

    def _save(self, ctx: Context, record: dict[str, Any]) -> None:
        ctx.put(f"policy/{record['id']}", record)
        ctx.set_key_policy(f"policy/{record['id']}", {"orgs": [record["insurer"]]})

    # --- life cover, paid on a registered doctor's signed death certificate --------------

    @function(policy=INSURER)
    def issue_life(self, ctx: Context, policy_id: str, insured: str, beneficiary: str, sum_assured: int,
                   currency: str, certifiers: list[str], expires: str) -> dict[str, Any]:
        insurer = self._insurer(ctx)
        self._new(ctx, policy_id, currency, expires)
        obs.check_id(insured, "insured reference")
        if not beneficiary or len(beneficiary) > 128 or sum_assured <= 0 or not certifiers:
            raise ContractError("a beneficiary, a positive sum assured and at least one certifier are required")
        record = {"id": policy_id, "kind": "life", "insurer": insurer, "insured": insured,
                  "beneficiary": beneficiary, "sum_assured": {"currency": currency, "minor": sum_assured},
                  "certifiers": sorted(set(certifiers)), "issued_at": ctx.timestamp, "expires": expires,
                  "status": "active", "claim": None, "instructions": []}
        self._save(ctx, record)
        ctx.emit("policy_issued", {"policy": policy_id, "kind": "life", "insurer": insurer})
        return record

    @function(policy=ANY_MEMBER)
    def claim_death(self, ctx: Context, policy_id: str, certificate: dict[str, Any]) -> dict[str, Any]:
        """Pay the beneficiary on a death certificate signed by a certifier's registered professional."""
        record = self._policy(ctx, policy_id, "life")
        body = obs.check_signed(certificate)["body"]
        if record["status"] == "paid":
            raise BaobabError("OBSERVATION_REPLAYED", f"policy {policy_id} has already paid on a certificate")
        if body["feed"] != f"death/{record['insured']}" or body["value"] is not True or body["round"] is not None:
            raise BaobabError("BAD_OBSERVATION", f"a claim on {policy_id} is a certificate that "
                                                 f"death/{record['insured']} is true")
        if body["oracle"] not in record["certifiers"]:
            raise BaobabError("BAD_OBSERVATION", f"{body['oracle']} may not certify for policy {policy_id}")
        key = ctx.read("oracles", f"key/{body['oracle']}|{body['key']}")
        if key is None or key["status"] != "active" or key["kind"] != "professional":
            raise BaobabError("BAD_SIGNATURE", f"{body['oracle']}/{body['key']} is not an active registered professional")
        obs.verify_signature(certificate, key["public_key"])
        obs.check_fresh(body["observed_at"], ctx.timestamp, CERTIFICATE_MAX_AGE_S)
        died = obs.epoch_seconds(body["observed_at"])
        if not obs.epoch_seconds(record["issued_at"]) <= died <= obs.epoch_seconds(record["expires"]):
            raise ContractError(f"the certified date {body['observed_at']} is outside the policy's cover")
        instruction = conditions.payment_instruction(
            source=f"microinsurance/{policy_id}", payer=record["insurer"], payee=record["beneficiary"],
            amount=record["sum_assured"]["minor"], currency=record["sum_assured"]["currency"],
            reference=f"life claim {policy_id}", issued_at=ctx.timestamp)
        record = {**record, "status": "paid", "instructions": [instruction],
                  "claim": {"certificate": certificate, "certified_by": key["holder"], "licence": key["licence"],
                            "evidence": body["evidence"], "paid_at": ctx.timestamp}}
        self._save(ctx, record)
        ctx.emit("payment_instruction", instruction)
        return {"policy": policy_id, "status": "paid", "instruction": instruction}

    # --- parametric crop cover, paid on a rainfall index -----------------------------------

    @function(policy=INSURER)
    def issue_crop(self, ctx: Context, policy_id: str, feed: str, season_start: str, season_end: str,
                   threshold: int, currency: str, farmers: list[dict[str, Any]], expires: str) -> dict[str, Any]:
        insurer = self._insurer(ctx)
        self._new(ctx, policy_id, currency, expires)
        obs.check_id(feed, "feed")
        if obs.epoch_seconds(season_start, "season_start") >= obs.epoch_seconds(season_end, "season_end"):
            raise ContractError("the season must end after it starts")
        if not 0 < len(farmers) <= MAX_FARMERS:
            raise ContractError(f"a crop policy covers 1-{MAX_FARMERS} farmers")
        seen: set[str] = set()
        for f in farmers:
            if (not isinstance(f, dict) or set(f) != {"farmer", "payout"} or not isinstance(f["farmer"], str)
                    or not f["farmer"] or f["farmer"] in seen or isinstance(f["payout"], bool)
                    or not isinstance(f["payout"], int) or f["payout"] <= 0):
                raise ContractError("each farmer is {farmer, payout}: a unique reference and a positive amount")
            seen.add(f["farmer"])
        record = {"id": policy_id, "kind": "crop", "insurer": insurer, "feed": feed, "season_start": season_start,
                  "season_end": season_end, "threshold": threshold, "currency": currency, "farmers": farmers,
                  "issued_at": ctx.timestamp, "expires": expires, "status": "active", "settlement": None,
                  "instructions": []}
        self._save(ctx, record)
        ctx.emit("policy_issued", {"policy": policy_id, "kind": "crop", "insurer": insurer, "farmers": len(farmers)})
        return record

    @function(policy=ANY_MEMBER)
    def settle_crop(self, ctx: Context, policy_id: str, round_id: str) -> dict[str, Any]:
        """Settle on an accepted rainfall round: below the threshold every farmer is paid."""
        record = self._policy(ctx, policy_id, "crop")
        if record["status"] != "active":  # settled once and for all: a stable code, so keepers can tell
            raise BaobabError("WRONG_STATUS", f"policy {policy_id} is already {record['status']}",
                              policy=policy_id, status=record["status"])
        rnd = ctx.read("oracles", f"round/{round_id}")
        if rnd is None or rnd["feed"] != record["feed"]:
            raise ContractError(f"round {round_id} is not a round of feed {record['feed']}")
        if rnd["status"] != "accepted":
            raise ContractError(f"round {round_id} is {rnd['status']}; settle on an accepted round")
        result = rnd["result"]
        if obs.epoch_seconds(result["observed_at"]) < obs.epoch_seconds(record["season_end"]):
            raise ContractError(f"round {round_id} was observed before the season ended ({record['season_end']})")
        index = result["value"]
        settlement = {"round": round_id, "index": index, "threshold": record["threshold"],
                      "unit": rnd.get("unit", ""), "settled_at": ctx.timestamp}
        instructions = []
        if index < record["threshold"]:
            for f in record["farmers"]:
                instructions.append(conditions.payment_instruction(
                    source=f"microinsurance/{policy_id}", payer=record["insurer"], payee=f["farmer"],
                    amount=f["payout"], currency=record["currency"],
                    reference=f"crop index {policy_id}: {index} below {record['threshold']}", issued_at=ctx.timestamp))
            for instruction in instructions:
                ctx.emit("payment_instruction", instruction)
            status = "paid"
        else:
            status = "no_payout"
            ctx.emit("policy_expired_without_payout", {"policy": policy_id, "index": index})
        self._save(ctx, {**record, "status": status, "settlement": settlement, "instructions": instructions})
        return {"policy": policy_id, "status": status, "settlement": settlement, "payouts": len(instructions)}

    @function(query=True)
    def get(self, ctx: Context, policy_id: str) -> dict[str, Any]:
        """A policy, for its insurer, its certifiers and (when it is an organisation) its beneficiary."""
        record = ctx.get(f"policy/{policy_id}")
        if record is None:
            raise ContractError(f"no policy {policy_id}", reason="NOT_FOUND")
        readers = {record["insurer"], *record.get("certifiers", []), record.get("beneficiary")}
        if ctx.caller.org not in readers:
            raise ContractError(f"{ctx.caller.org} is not a party to policy {policy_id}", reason="NOT_A_PARTY")
        return record
