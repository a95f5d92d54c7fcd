"""Oracles: who may state facts about the world, what they stated, and how often they were right.

State of the `oracles` namespace (`|` separates ids, which never contain it):

    feed/<feed>|<oracle>    an oracle organisation serves this feed (type, kind, unit, source)
    key/<oracle>|<key id>   a signing key of that oracle: a device, a software agent or a
                            registered professional (a doctor, a surveyor)
    rep/<oracle>            reputation: rounds answered, missed, and marked as outlier
    round/<id>              an aggregation round: the request, every signed answer, the result
    seen/<observation id>   observations already used (replay protection)
    stream/<feed>|<oracle>  the last batch committed by a continuous feed, and its published value
    batch/<feed>|<oracle>|<seq>   one committed batch header (Merkle root of its readings)

A round keeps each answer's signed body and signature, so anyone holding the ledger can
verify the accepted value again without asking an oracle (see `baobab.oracles.recheck`).
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.oracles import terms
from baobab.contracts.oracles.reasons import OBSERVATION_REASONS
from baobab.core.errors import BaobabError
from baobab.ledger.contract import ANY_MEMBER as ANY_CALLER
from baobab.ledger.contract import PARTIES, Context, Contract, ContractError, Reason, function
from baobab.ledger.reaction import Reaction
import baobab.oracles.aggregation as agg
import baobab.oracles.observation as obs

ANY_MEMBER = {"role": "*"}
ORACLE = {"role": "oracle"}
FEED_TYPES = ("temperature", "location", "delivery", "fx-rate", "commodity-price", "rainfall", "certificate",
              "humidity", "other")
SOURCES = ("hardware", "software", "professional")
KEY_KINDS = ("device", "software", "professional")
MAX_ORACLES_PER_ROUND = 64


def feed_key(feed: str, oracle: str) -> str:
    return f"feed/{feed}|{oracle}"


def signing_key(oracle: str, key_id: str) -> str:
    return f"key/{oracle}|{key_id}"


class Oracles(Contract):
    name = "oracles"
    # a round not fully answered by its deadline is closed by its opener's node (silent oracles missed)
    reactions = (Reaction(on=("oracles", "round_requested"), call="close", args={"round_id": "round"},
                          actor="requested_by", at="deadline"),)
    reasons = {
        "TERMS_MISMATCH": Reason("invalid", "The round does not follow the oracle terms of its obligation"),
        **OBSERVATION_REASONS,
    }

    # --- registry ---------------------------------------------------------------------

    def _require_oracle(self, ctx: Context) -> str:
        if "oracle" not in ctx.caller.roles:
            raise ContractError(f"{ctx.caller.org} does not hold the oracle role", reason="NOT_ALLOWED")
        return ctx.caller.org

    @function(policy=ORACLE, callers=("oracle",))
    def register_feed(self, ctx: Context, feed: str, type: str, kind: str, unit: str, source: str,
                      description: str = "") -> dict[str, Any]:
        """Called by: an oracle organisation, for itself: declares that it serves `feed`."""
        org = self._require_oracle(ctx)
        obs.check_id(feed, "feed")
        if type not in FEED_TYPES:
            raise ContractError(f"feed type must be one of {list(FEED_TYPES)}")
        if kind not in agg.KINDS:
            raise ContractError(f"feed kind must be one of {list(agg.KINDS)}")
        if source not in SOURCES:
            raise ContractError(f"feed source must be one of {list(SOURCES)}")
        if not unit or len(unit) > 32 or len(description) > 500:
            raise ContractError("unit is 1-32 characters and description at most 500")
        existing = ctx.get(feed_key(feed, org))
        for _, record in ctx.range(f"feed/{feed}|"):
            if record["kind"] != kind or record["unit"] != unit:
                raise ContractError(f"feed {feed} is served as {record['kind']} in {record['unit']} by {record['oracle']}")
        record = {"feed": feed, "oracle": org, "type": type, "kind": kind, "unit": unit, "source": source,
                  "description": description, "registered_at": existing["registered_at"] if existing else ctx.timestamp}
        ctx.put(feed_key(feed, org), record)
        ctx.set_key_policy(feed_key(feed, org), {"orgs": [org]})
        ctx.emit("feed_registered", {"feed": feed, "oracle": org, "type": type})
        return record

    @function(policy=ORACLE, callers=("oracle",))
    def register_key(self, ctx: Context, key_id: str, public_key: str, kind: str, holder: str = "",
                     licence: str = "") -> dict[str, Any]:
        """Called by: an oracle organisation, for itself: registers one of its device, software or
        professional signing keys."""
        org = self._require_oracle(ctx)
        obs.check_id(key_id, "key id")
        if kind not in KEY_KINDS:
            raise ContractError(f"key kind must be one of {list(KEY_KINDS)}")
        try:
            obs.PublicKey.from_text(public_key)
        except BaobabError as exc:
            raise ContractError(exc.message) from None
        if kind == "professional" and not (holder and licence):
            raise ContractError("a professional's key names its holder and licence number")
        if len(holder) > 200 or len(licence) > 64:
            raise ContractError("holder is at most 200 characters and licence at most 64")
        if ctx.get(signing_key(org, key_id)) is not None:
            raise ContractError(f"key {org}/{key_id} already registered; keys are never reused", reason="ALREADY_EXISTS")
        record = {"oracle": org, "key_id": key_id, "public_key": public_key, "kind": kind, "holder": holder,
                  "licence": licence, "status": "active", "registered_at": ctx.timestamp}
        ctx.put(signing_key(org, key_id), record)
        ctx.set_key_policy(signing_key(org, key_id), {"orgs": [org]})
        ctx.emit("oracle_key_registered", {"oracle": org, "key_id": key_id, "kind": kind})
        return record

    @function(policy=ORACLE, callers=("oracle",))
    def revoke_key(self, ctx: Context, key_id: str, reason: str) -> dict[str, Any]:
        """Called by: the oracle organisation that registered the key (keys are named within it)."""
        org = self._require_oracle(ctx)
        record = ctx.get(signing_key(org, key_id))
        if record is None:
            raise ContractError(f"no key {org}/{key_id}", reason="NOT_FOUND")
        record = {**record, "status": "revoked", "revoked_at": ctx.timestamp, "reason": reason[:200]}
        ctx.put(signing_key(org, key_id), record)
        ctx.emit("oracle_key_revoked", {"oracle": org, "key_id": key_id})
        return record

    # --- signed observations ----------------------------------------------------------

    def _active_key(self, ctx: Context, oracle: str, key_id: str) -> dict[str, Any]:
        record = ctx.get(signing_key(oracle, key_id))
        if record is None or record["status"] != "active":
            raise ContractError(f"{oracle}/{key_id} is not an active registered oracle key", reason="BAD_SIGNATURE")
        return record

    def _reputation(self, ctx: Context, oracle: str) -> dict[str, int]:
        return ctx.get(f"rep/{oracle}") or {"answered": 0, "missed": 0, "outliers": 0}

    # --- aggregation rounds -----------------------------------------------------------

    @function(policy=ANY_MEMBER, callers=ANY_CALLER)
    def request(self, ctx: Context, round_id: str, deadline: str, feed: str | None = None, f: int | None = None,
                tolerance: int | None = None, min_reputation: int | None = None, oracles: list[str] | None = None,
                max_age_s: int = obs.DEFAULT_MAX_AGE_S, obligation: dict[str, str] | None = None) -> dict[str, Any]:
        """Open a round asking the feed's oracles (or the listed ones) for one value.

        Called by: any member, for a round of its own (feed and f required). A round for one
        answer of an obligation (`obligation={"contract", "id", "answer"}`) only by an opener
        that obligation's oracle terms name; its feed, oracles, f, tolerance and reputation
        threshold are the terms' (any given must equal them), and it may be opened again only
        after its previous round failed."""
        obs.check_id(round_id, "round")
        if ctx.get(f"round/{round_id}") is not None:
            raise ContractError(f"round {round_id} already exists", reason="ALREADY_EXISTS")
        given = {"feed": feed, "f": f, "tolerance": tolerance, "min_reputation": min_reputation, "oracles": oracles}
        bound = None if obligation is None else self._obligation_terms(ctx, obligation, given)
        if bound is not None:
            spec = dict(bound["terms"])
        elif feed is None or f is None:
            raise ContractError("a round names its feed and f", reason="INVALID")
        else:
            spec = {"feed": feed, "f": f, "tolerance": tolerance or 0, "min_reputation": min_reputation or 0,
                    "oracles": None if oracles is None else sorted(set(oracles)), "min_oracles": None,
                    "observed_from": None, "aggregation": None}
        obs.check_id(spec["feed"], "feed")
        if spec["f"] < 0 or spec["tolerance"] < 0 or not 0 <= spec["min_reputation"] <= 1000 or not 0 < max_age_s <= 366 * 86400:
            raise ContractError("f and tolerance are >= 0, min_reputation 0-1000, max_age_s 1 s to a year")
        if obs.epoch_seconds(deadline, "deadline") <= obs.epoch_seconds(ctx.timestamp):
            raise ContractError("the deadline must be in the future")
        served = {record["oracle"]: record for _, record in ctx.range(f"feed/{spec['feed']}|")}
        candidates = sorted(served) if spec["oracles"] is None else spec["oracles"]
        unknown = [o for o in candidates if o not in served]
        if unknown:
            raise ContractError(f"{', '.join(unknown)} do not serve feed {spec['feed']}")
        if not candidates:
            raise ContractError(f"no oracle serves feed {spec['feed']}", reason="NOT_FOUND")
        if len(candidates) > MAX_ORACLES_PER_ROUND:
            raise ContractError(f"at most {MAX_ORACLES_PER_ROUND} oracles per round")
        selected, excluded = [], []
        for oracle in candidates:
            score = agg.reputation_score(self._reputation(ctx, oracle))
            if score < spec["min_reputation"]:
                excluded.append({"oracle": oracle, "reputation": score})
            else:
                selected.append(oracle)
        need = max(agg.quorum(spec["f"]), spec["min_oracles"] or 0)
        if len(selected) < need:
            raise ContractError(f"{len(selected)} eligible oracles for {spec['feed']}; this round needs at least {need} "
                                f"(2f+1 for f={spec['f']}, or the obligation's minimum)", excluded=excluded)
        kind = served[selected[0]]["kind"]
        aggregation = agg.AGGREGATION_OF[kind]
        if spec["aggregation"] not in (None, aggregation):
            raise ContractError(f"feed {spec['feed']} answers {kind}s, aggregated by {aggregation}, "
                                f"not {spec['aggregation']}", reason="TERMS_MISMATCH")
        parties = {ctx.caller.org, *selected, *(bound["parties"] if bound is not None else [])}
        record = {"id": round_id, "feed": spec["feed"], "kind": kind, "unit": served[selected[0]]["unit"],
                  "f": spec["f"], "tolerance": spec["tolerance"], "aggregation": aggregation,
                  "deadline": deadline, "min_reputation": spec["min_reputation"], "observed_from": spec["observed_from"],
                  "max_age_s": max_age_s, "oracles": selected, "excluded": excluded,
                  "obligation": None if bound is None else bound["obligation"], "parties": sorted(parties),
                  "requested_by": ctx.caller.org, "requested_at": ctx.timestamp, "status": "open", "answers": {},
                  "result": None}
        if bound is not None:
            problem = terms.mismatch(bound["terms"], record)
            if problem:
                raise ContractError(f"round {round_id} would not follow the obligation's terms: {problem}",
                                    reason="TERMS_MISMATCH")
            ob = bound["obligation"]
            ctx.put(terms.bound_key(ob["contract"], ob["id"], ob["answer"]), {"round": round_id})
        ctx.put(f"round/{round_id}", record)
        ctx.emit("round_requested", {"round": round_id, "feed": spec["feed"], "oracles": selected, "f": spec["f"],
                                     "deadline": deadline, "obligation": record["obligation"],
                                     "requested_by": ctx.caller.org})
        return {"round": round_id, "oracles": selected, "excluded": excluded}

    def _obligation_terms(self, ctx: Context, obligation: dict[str, str], given: dict[str, Any]) -> dict[str, Any]:
        """The terms a round for `obligation`'s answer must follow, once the caller is one of its openers."""
        if set(obligation) != {"contract", "id", "answer"} or not all(isinstance(v, str) and v for v in obligation.values()):
            raise ContractError("obligation is {contract, id, answer}", reason="INVALID")
        contract, ob_id, answer = obligation["contract"], obligation["id"], obligation["answer"]
        if "|" in ob_id or contract == self.name:
            raise ContractError(f"{contract} {ob_id!r} is not an obligation", reason="INVALID")
        stored = ctx.read(contract, terms.terms_key(ob_id))
        t = (stored.get("terms") or {}).get(answer) if isinstance(stored, dict) else None
        if t is None:
            raise ContractError(f"{contract} {ob_id} has no oracle terms for answer {answer!r}", reason="NOT_FOUND")
        if ctx.caller.org not in t["openers"]:
            raise ContractError(f"only {', '.join(t['openers'])} may open the rounds of {contract} {ob_id}",
                                reason="NOT_ALLOWED")
        for name, value in given.items():
            fixed = t[name]
            if value is not None and (sorted(set(value)) if name == "oracles" else value) != fixed:
                raise ContractError(f"{name} {value!r} differs from the obligation's terms ({fixed!r})",
                                    reason="TERMS_MISMATCH")
        previous = ctx.get(terms.bound_key(contract, ob_id, answer))
        if previous is not None:
            status = (ctx.get(f"round/{previous['round']}") or {}).get("status")
            if status != "failed":
                raise ContractError(f"answer {answer} of {contract} {ob_id} already has round {previous['round']} "
                                    f"({status}); a new one only after it failed", reason="WRONG_STATE")
        return {"terms": t, "parties": stored.get("parties", []),
                "obligation": {"contract": contract, "id": ob_id, "answer": answer}}

    def _accept(self, ctx: Context, record: dict[str, Any], signed: Any) -> str:
        """Check one signed observation against the round and add it; returns the oracle id."""
        body = obs.check_signed(signed)["body"]
        if body["round"] != record["id"] or body["feed"] != record["feed"]:
            raise ContractError(f"observation is for round {body['round']} of {body['feed']}, "
                                f"not round {record['id']} of {record['feed']}", reason="BAD_OBSERVATION")
        oracle = body["oracle"]
        if oracle not in record["oracles"]:
            raise ContractError(f"{oracle} is not one of the oracles asked in round {record['id']}", reason="BAD_OBSERVATION")
        kind_ok = isinstance(body["value"], bool) == (record["kind"] == agg.BOOLEAN)
        if not kind_ok:
            raise ContractError(f"round {record['id']} expects a {record['kind']} value", reason="BAD_OBSERVATION")
        key = self._active_key(ctx, oracle, body["key"])
        obs.verify_signature(signed, key["public_key"])
        obs.check_fresh(body["observed_at"], ctx.timestamp, record["max_age_s"])
        if record.get("observed_from") and obs.epoch_seconds(body["observed_at"]) < obs.epoch_seconds(record["observed_from"]):
            raise ContractError(f"round {record['id']} takes observations made from "
                                                 f"{record['observed_from']}, not {body['observed_at']}", reason="BAD_OBSERVATION")
        oid = obs.observation_id(signed)
        if ctx.get(f"seen/{oid}") is not None:
            raise ContractError(f"observation {oid[:16]}... was already used", reason="OBSERVATION_REPLAYED", observation=oid)
        if oracle in record["answers"]:
            raise ContractError(f"{oracle} already answered round {record['id']}", reason="OBSERVATION_REPLAYED")
        ctx.put(f"seen/{oid}", {"round": record["id"], "tx_id": ctx.tx_id})
        record["answers"][oracle] = {"body": body, "signature": signed["signature"]}
        return oracle

    def _open_round(self, ctx: Context, round_id: str) -> dict[str, Any]:
        record = ctx.get(f"round/{round_id}")
        if record is None:
            raise ContractError(f"no round {round_id}", reason="NOT_FOUND")
        if record["status"] != "open":
            raise ContractError(f"round {round_id} is already {record['status']}", reason="WRONG_STATE")
        return dict(record)

    def _submit(self, ctx: Context, round_id: str, observations: list[Any]) -> dict[str, Any]:
        record = self._open_round(ctx, round_id)
        if obs.epoch_seconds(ctx.timestamp) > obs.epoch_seconds(record["deadline"]):
            raise ContractError(f"round {round_id} closed for answers at {record['deadline']}")
        record = {**record, "answers": dict(record["answers"])}
        added = [self._accept(ctx, record, o) for o in observations]
        if len(record["answers"]) == len(record["oracles"]):
            self._close(ctx, record)  # everyone answered: no need to wait for the deadline
        else:
            ctx.put(f"round/{round_id}", record)
        for oracle in added:
            ctx.emit("observation_accepted", {"round": round_id, "oracle": oracle})
        return {"round": round_id, "accepted": added, "status": record["status"], "result": record["result"]}

    @function(policy=ANY_MEMBER, callers=ANY_CALLER)
    def observe(self, ctx: Context, round_id: str, observation: dict[str, Any]) -> dict[str, Any]:
        """Called by: any member, as a transmitter: the oracle's signature on the observation, not
        the caller, is what the round takes, and only from the oracles the round asked."""
        return self._submit(ctx, round_id, [observation])

    @function(policy=ANY_MEMBER, callers=ANY_CALLER)
    def report(self, ctx: Context, round_id: str, observations: list[dict[str, Any]]) -> dict[str, Any]:
        """Called by: any member, as a transmitter (see `observe`). Adds several oracles' signed
        observations at once; one bad observation rejects them all."""
        if not observations or len(observations) > MAX_ORACLES_PER_ROUND:
            raise ContractError(f"a report carries 1-{MAX_ORACLES_PER_ROUND} observations")
        return self._submit(ctx, round_id, observations)

    @function(policy=ANY_MEMBER, callers=ANY_CALLER)
    def close(self, ctx: Context, round_id: str) -> dict[str, Any]:
        """Called by: any member, once the deadline has passed: the outcome follows from the answers
        alone. Decides the round; oracles that did not answer are recorded as missed."""
        record = self._open_round(ctx, round_id)
        if obs.epoch_seconds(ctx.timestamp) <= obs.epoch_seconds(record["deadline"]):
            raise ContractError(f"round {round_id} is open for answers until {record['deadline']}")
        self._close(ctx, record)
        return {"round": round_id, "status": record["status"], "result": record["result"]}

    def _close(self, ctx: Context, record: dict[str, Any]) -> None:
        answers = {o: a["body"]["value"] for o, a in record["answers"].items()}
        outcome = agg.aggregate(record["kind"], answers, record["f"], record["tolerance"])
        missing = [o for o in record["oracles"] if o not in answers]
        observed_at = None
        if outcome.accepted:
            times = [obs.epoch_seconds(record["answers"][o]["body"]["observed_at"]) for o in outcome.agreeing]
            observed_at = obs.format_utc(agg.median(times))
        record["status"] = "accepted" if outcome.accepted else "failed"
        record["result"] = {"value": outcome.value, "low": outcome.low, "high": outcome.high,
                            "observed_at": observed_at, "agreeing": outcome.agreeing,
                            "outliers": outcome.outliers, "missing": missing, "reason": outcome.reason,
                            "closed_at": ctx.timestamp}
        ctx.put(f"round/{record['id']}", record)
        for oracle in record["oracles"]:
            rep = dict(self._reputation(ctx, oracle))
            if oracle in missing:
                rep["missed"] += 1
            else:
                rep["answered"] += 1
                rep["outliers"] += oracle in outcome.outliers
            ctx.put(f"rep/{oracle}", rep)
        ctx.emit("round_decided", {"round": record["id"], "feed": record["feed"], "status": record["status"],
                                   "obligation": record.get("obligation"), **record["result"]})

    # --- continuous feeds -------------------------------------------------------------

    @function(policy=ANY_MEMBER, callers=ANY_CALLER)
    def commit_batch(self, ctx: Context, batch: dict[str, Any]) -> dict[str, Any]:
        """Called by: any member, as a transmitter: the batch header is signed by a registered key
        of the oracle serving the feed. Records the Merkle root of the device's next batch of
        readings, and its published value if any."""
        body = obs.check_batch(batch)
        oracle, feed = body["oracle"], body["feed"]
        if ctx.get(feed_key(feed, oracle)) is None:
            raise ContractError(f"{oracle} does not serve feed {feed}")
        key = self._active_key(ctx, oracle, body["key"])
        obs.verify_batch_signature(batch, key["public_key"])
        stream_key = f"stream/{feed}|{oracle}"
        stream = ctx.get(stream_key) or {"seq": 0, "last_at": None, "published": None}
        if body["seq"] <= stream["seq"]:
            raise ContractError(f"batch {body['seq']} of {feed} by {oracle} already committed "
                                f"(last is {stream['seq']})", reason="OBSERVATION_REPLAYED")
        if body["seq"] != stream["seq"] + 1:
            raise ContractError(f"batch {body['seq']} skips ahead; the next is {stream['seq'] + 1}")
        if stream["last_at"] and obs.epoch_seconds(body["first_at"]) < obs.epoch_seconds(stream["last_at"]):
            raise ContractError("batch readings start before the previous batch ended", reason="BAD_OBSERVATION")
        obs.check_fresh(body["last_at"], ctx.timestamp, max_age_s=366 * 86400)  # late upload is fine; future is not
        ctx.put(f"batch/{feed}|{oracle}|{body['seq']:012d}", {**batch, "tx_id": ctx.tx_id, "committed_at": ctx.timestamp})
        published = stream["published"]
        if body["publish"] is not None:
            published = {**body["publish"], "seq": body["seq"]}
            ctx.emit("feed_value", {"feed": feed, "oracle": oracle, **published})
        ctx.put(stream_key, {"seq": body["seq"], "last_at": body["last_at"], "published": published,
                             "root": body["root"], "count": body["count"]})
        return {"feed": feed, "oracle": oracle, "seq": body["seq"], "published": body["publish"] is not None}

    # --- queries ----------------------------------------------------------------------

    @function(query=True, callers=PARTIES)
    def round(self, ctx: Context, round_id: str) -> dict[str, Any]:
        """Called by: the round's parties: who opened it, the oracles asked and, for a round of an
        obligation, that obligation's parties (the same rule as reading `round/<id>` state)."""
        record = ctx.get(f"round/{round_id}")
        if record is None:
            raise ContractError(f"no round {round_id}", reason="NOT_FOUND")
        ctx.require_party(f"round/{round_id}", record.get("parties", [record["requested_by"], *record["oracles"]]),
                          f"{ctx.caller.org} is not a party to round {round_id}")
        return record

    @function(query=True, callers=ANY_CALLER)
    def feed(self, ctx: Context, feed: str) -> list[dict[str, Any]]:
        """Called by: any member: who serves a feed is what obligations are written against."""
        return [record for _, record in ctx.range(f"feed/{feed}|")]

    @function(query=True, callers=ANY_CALLER)
    def key(self, ctx: Context, oracle: str, key_id: str) -> dict[str, Any]:
        """Called by: any member: a public key is what anyone needs to check an oracle's signatures."""
        record = ctx.get(signing_key(oracle, key_id))
        if record is None:
            raise ContractError(f"no key {oracle}/{key_id}", reason="NOT_FOUND")
        return record

    @function(query=True, callers=ANY_CALLER)
    def reputation(self, ctx: Context, oracle: str) -> dict[str, Any]:
        """Called by: any member: the reputation is what members choose oracles by."""
        rep = self._reputation(ctx, oracle)
        return {"oracle": oracle, **rep, "score": agg.reputation_score(rep)}

    @function(query=True, callers=ANY_CALLER)
    def batch(self, ctx: Context, feed: str, oracle: str, seq: int) -> dict[str, Any]:
        """Called by: any member: a committed root is what a reading's inclusion proof is checked against."""
        record = ctx.get(f"batch/{feed}|{oracle}|{seq:012d}")
        if record is None:
            raise ContractError(f"no batch {seq} of {feed} by {oracle}", reason="NOT_FOUND")
        return record

    @function(query=True, callers=ANY_CALLER)
    def stream(self, ctx: Context, feed: str, oracle: str) -> dict[str, Any]:
        """Called by: any member: a feed's published value is public, as its batches are."""
        record = ctx.get(f"stream/{feed}|{oracle}")
        if record is None:
            raise ContractError(f"no batches of {feed} by {oracle}", reason="NOT_FOUND")
        return record
