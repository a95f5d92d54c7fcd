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

from baobab.core.errors import BaobabError
from baobab.ledger.contract import Context, Contract, ContractError, function
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

    # --- registry ---------------------------------------------------------------------

    def _require_oracle(self, ctx: Context) -> str:
        if "oracle" not in ctx.caller.roles:
            raise ContractError(f"{ctx.caller.org} does not hold the oracle role")
        return ctx.caller.org

    @function(policy=ORACLE)
    def register_feed(self, ctx: Context, feed: str, type: str, kind: str, unit: str, source: str,
                      description: str = "") -> dict[str, Any]:
        """Declare that the calling oracle organisation serves `feed`."""
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

    @function(policy=ORACLE)
    def register_key(self, ctx: Context, key_id: str, public_key: str, kind: str, holder: str = "",
                     licence: str = "") -> dict[str, Any]:
        """Register a device, software or professional signing key of the calling oracle."""
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
            raise ContractError(f"key {org}/{key_id} already registered; keys are never reused")
        record = {"oracle": org, "key_id": key_id, "public_key": public_key, "kind": kind, "holder": holder,
                  "licence": licence, "status": "active", "registered_at": ctx.timestamp}
        ctx.put(signing_key(org, key_id), record)
        ctx.set_key_policy(signing_key(org, key_id), {"orgs": [org]})
        ctx.emit("oracle_key_registered", {"oracle": org, "key_id": key_id, "kind": kind})
        return record

    @function(policy=ORACLE)
    def revoke_key(self, ctx: Context, key_id: str, reason: str) -> dict[str, Any]:
        org = self._require_oracle(ctx)
        record = ctx.get(signing_key(org, key_id))
        if record is None:
            raise ContractError(f"no key {org}/{key_id}")
        record = {**record, "status": "revoked", "revoked_at": ctx.timestamp, "reason": reason[:200]}
        ctx.put(signing_key(org, key_id), record)
        ctx.emit("oracle_key_revoked", {"oracle": org, "key_id": key_id})
        return record

    # --- signed observations ----------------------------------------------------------

    def _active_key(self, ctx: Context, oracle: str, key_id: str) -> dict[str, Any]:
        record = ctx.get(signing_key(oracle, key_id))
        if record is None or record["status"] != "active":
            raise BaobabError("BAD_SIGNATURE", f"{oracle}/{key_id} is not an active registered oracle key")
        return record

    def _reputation(self, ctx: Context, oracle: str) -> dict[str, int]:
        return ctx.get(f"rep/{oracle}") or {"answered": 0, "missed": 0, "outliers": 0}

    # --- aggregation rounds -----------------------------------------------------------

    @function(policy=ANY_MEMBER)
    def request(self, ctx: Context, round_id: str, feed: str, f: int, deadline: str, tolerance: int = 0,
                min_reputation: int = 0, oracles: list[str] | None = None,
                max_age_s: int = obs.DEFAULT_MAX_AGE_S) -> dict[str, Any]:
        """Open a round asking the feed's oracles (or the listed ones) for one value."""
        obs.check_id(round_id, "round")
        obs.check_id(feed, "feed")
        if ctx.get(f"round/{round_id}") is not None:
            raise ContractError(f"round {round_id} already exists")
        if f < 0 or tolerance < 0 or not 0 <= min_reputation <= 1000 or not 0 < max_age_s <= 366 * 86400:
            raise ContractError("f and tolerance are >= 0, min_reputation 0-1000, max_age_s 1 s to a year")
        if obs.epoch_seconds(deadline, "deadline") <= obs.epoch_seconds(ctx.timestamp):
            raise ContractError("the deadline must be in the future")
        served = {record["oracle"]: record for _, record in ctx.range(f"feed/{feed}|")}
        if oracles is None:
            candidates = sorted(served)
        else:
            candidates = sorted(set(oracles))
            unknown = [o for o in candidates if o not in served]
            if unknown:
                raise ContractError(f"{', '.join(unknown)} do not serve feed {feed}")
        if len(candidates) > MAX_ORACLES_PER_ROUND:
            raise ContractError(f"at most {MAX_ORACLES_PER_ROUND} oracles per round")
        selected, excluded = [], []
        for oracle in candidates:
            score = agg.reputation_score(self._reputation(ctx, oracle))
            if score < min_reputation:
                excluded.append({"oracle": oracle, "reputation": score})
            else:
                selected.append(oracle)
        if len(selected) < agg.quorum(f):
            raise ContractError(f"{len(selected)} eligible oracles for {feed}; a round tolerating f={f} needs "
                                f"at least {agg.quorum(f)}", excluded=excluded)
        record = {"id": round_id, "feed": feed, "kind": served[selected[0]]["kind"], "unit": served[selected[0]]["unit"],
                  "f": f, "tolerance": tolerance, "deadline": deadline, "min_reputation": min_reputation,
                  "max_age_s": max_age_s, "oracles": selected, "excluded": excluded,
                  "requested_by": ctx.caller.org, "requested_at": ctx.timestamp, "status": "open", "answers": {},
                  "result": None}
        ctx.put(f"round/{round_id}", record)
        ctx.emit("round_requested", {"round": round_id, "feed": feed, "oracles": selected, "f": f, "deadline": deadline})
        return {"round": round_id, "oracles": selected, "excluded": excluded}

    def _accept(self, ctx: Context, record: dict[str, Any], signed: Any) -> str:
        """Check one signed observation against the round and add it; returns the oracle id."""
        body = obs.check_signed(signed)["body"]
        if body["round"] != record["id"] or body["feed"] != record["feed"]:
            raise BaobabError("BAD_OBSERVATION", f"observation is for round {body['round']} of {body['feed']}, "
                                                 f"not round {record['id']} of {record['feed']}")
        oracle = body["oracle"]
        if oracle not in record["oracles"]:
            raise BaobabError("BAD_OBSERVATION", f"{oracle} is not one of the oracles asked in round {record['id']}")
        kind_ok = isinstance(body["value"], bool) == (record["kind"] == agg.BOOLEAN)
        if not kind_ok:
            raise BaobabError("BAD_OBSERVATION", f"round {record['id']} expects a {record['kind']} value")
        key = self._active_key(ctx, oracle, body["key"])
        obs.verify_signature(signed, key["public_key"])
        obs.check_fresh(body["observed_at"], ctx.timestamp, record["max_age_s"])
        oid = obs.observation_id(signed)
        if ctx.get(f"seen/{oid}") is not None:
            raise BaobabError("OBSERVATION_REPLAYED", f"observation {oid[:16]}... was already used", observation=oid)
        if oracle in record["answers"]:
            raise BaobabError("OBSERVATION_REPLAYED", f"{oracle} already answered round {record['id']}")
        ctx.put(f"seen/{oid}", {"round": record["id"], "tx_id": ctx.tx_id})
        record["answers"][oracle] = {"body": body, "signature": signed["signature"]}
        return oracle

    def _open_round(self, ctx: Context, round_id: str) -> dict[str, Any]:
        record = ctx.get(f"round/{round_id}")
        if record is None:
            raise ContractError(f"no round {round_id}", reason="NOT_FOUND")
        if record["status"] != "open":
            raise ContractError(f"round {round_id} is already {record['status']}")
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

    @function(policy=ANY_MEMBER)
    def observe(self, ctx: Context, round_id: str, observation: dict[str, Any]) -> dict[str, Any]:
        """Add one oracle's signed observation to a round (anyone may transmit it)."""
        return self._submit(ctx, round_id, [observation])

    @function(policy=ANY_MEMBER)
    def report(self, ctx: Context, round_id: str, observations: list[dict[str, Any]]) -> dict[str, Any]:
        """Add several oracles' signed observations at once; one bad observation rejects them all."""
        if not observations or len(observations) > MAX_ORACLES_PER_ROUND:
            raise ContractError(f"a report carries 1-{MAX_ORACLES_PER_ROUND} observations")
        return self._submit(ctx, round_id, observations)

    @function(policy=ANY_MEMBER)
    def close(self, ctx: Context, round_id: str) -> dict[str, Any]:
        """Decide a round whose deadline has passed; oracles that did not answer are recorded as missed."""
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
        record["result"] = {"value": outcome.value, "observed_at": observed_at, "agreeing": outcome.agreeing,
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
        ctx.emit(f"round_{record['status']}", {"round": record["id"], "feed": record["feed"], **record["result"]})

    # --- continuous feeds -------------------------------------------------------------

    @function(policy=ANY_MEMBER)
    def commit_batch(self, ctx: Context, batch: dict[str, Any]) -> dict[str, Any]:
        """Record the Merkle root of a device's next batch of readings, and its published value if any."""
        body = obs.check_batch(batch)
        oracle, feed = body["oracle"], body["feed"]
        if ctx.get(feed_key(feed, oracle)) is None:
            raise ContractError(f"{oracle} does not serve feed {feed}")
        key = self._active_key(ctx, oracle, body["key"])
        obs.verify_batch_signature(batch, key["public_key"])
        stream_key = f"stream/{feed}|{oracle}"
        stream = ctx.get(stream_key) or {"seq": 0, "last_at": None, "published": None}
        if body["seq"] <= stream["seq"]:
            raise BaobabError("OBSERVATION_REPLAYED", f"batch {body['seq']} of {feed} by {oracle} already committed "
                                                      f"(last is {stream['seq']})")
        if body["seq"] != stream["seq"] + 1:
            raise ContractError(f"batch {body['seq']} skips ahead; the next is {stream['seq'] + 1}")
        if stream["last_at"] and obs.epoch_seconds(body["first_at"]) < obs.epoch_seconds(stream["last_at"]):
            raise BaobabError("BAD_OBSERVATION", "batch readings start before the previous batch ended")
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

    @function(query=True)
    def round(self, ctx: Context, round_id: str) -> dict[str, Any]:
        record = ctx.get(f"round/{round_id}")
        if record is None:
            raise ContractError(f"no round {round_id}", reason="NOT_FOUND")
        return record

    @function(query=True)
    def feed(self, ctx: Context, feed: str) -> list[dict[str, Any]]:
        return [record for _, record in ctx.range(f"feed/{feed}|")]

    @function(query=True)
    def key(self, ctx: Context, oracle: str, key_id: str) -> dict[str, Any]:
        record = ctx.get(signing_key(oracle, key_id))
        if record is None:
            raise ContractError(f"no key {oracle}/{key_id}")
        return record

    @function(query=True)
    def reputation(self, ctx: Context, oracle: str) -> dict[str, Any]:
        rep = self._reputation(ctx, oracle)
        return {"oracle": oracle, **rep, "score": agg.reputation_score(rep)}

    @function(query=True)
    def batch(self, ctx: Context, feed: str, oracle: str, seq: int) -> dict[str, Any]:
        record = ctx.get(f"batch/{feed}|{oracle}|{seq:012d}")
        if record is None:
            raise ContractError(f"no batch {seq} of {feed} by {oracle}")
        return record

    @function(query=True)
    def stream(self, ctx: Context, feed: str, oracle: str) -> dict[str, Any]:
        record = ctx.get(f"stream/{feed}|{oracle}")
        if record is None:
            raise ContractError(f"no batches of {feed} by {oracle}")
        return record
