"""Signed oracle observations: their shape, their signature and the checks anyone can repeat.

An observation is what one oracle (or one of its devices, or a registered professional)
states about the world at one moment:

    body   {oracle, key, feed, round, value, observed_at, evidence, nonce}
    signed {body, signature}     Ed25519 over JCS(body), signature purpose "oracle-observation"

`value` is an integer in the feed's declared unit (milli-degrees Celsius, tenths of a
millimetre, a rate times 10^6...) or a boolean; never a float. `evidence` is the SHA-256 hex of
whatever backs the statement (a sensor log, a certificate PDF), kept off the ledger. `round`
binds the observation to one aggregation round (null for free-standing statements such as a
certificate), so a signature made for one round cannot be replayed into another.

Everything here is pure: contracts import it to check signatures and times deterministically,
and devices import it to build and sign.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.hashing import digest_hex
from baobab.core.keys import PrivateKey, PublicKey

OBSERVATION_PURPOSE = "oracle-observation"
BATCH_PURPOSE = "oracle-batch"
BODY_FIELDS = {"oracle", "key", "feed", "round", "value", "observed_at", "evidence", "nonce"}
DEFAULT_MAX_AGE_S = 3600
DEFAULT_MAX_SKEW_S = 60
MAX_ABS_VALUE = 10**15  # comfortably beyond any reading; keeps values exact in JavaScript clients too

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_utc(text: Any, what: str = "time") -> datetime:
    if not isinstance(text, str) or not _TIME.match(text):
        raise BaobabError("BAD_OBSERVATION", f"{what} {text!r} must be RFC 3339 UTC, e.g. 2026-06-30T12:00:00Z")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
    except ValueError:
        raise BaobabError("BAD_OBSERVATION", f"{what} {text!r} is not a valid date") from None


def epoch_seconds(text: str, what: str = "time") -> int:
    """Whole seconds since 1970 (integer arithmetic, no floats)."""
    return (parse_utc(text, what) - EPOCH) // timedelta(seconds=1)


def format_utc(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise BaobabError("BAD_OBSERVATION", f"{what} {value!r} must be 1-128 of A-Z a-z 0-9 _ . : / -")
    return value


def check_value(value: Any) -> int | bool:
    if isinstance(value, bool):
        return value
    if not isinstance(value, int) or abs(value) > MAX_ABS_VALUE:
        raise BaobabError("BAD_OBSERVATION", "an observed value is an integer in the feed's unit or a boolean")
    return value


def check_body(body: Any) -> dict[str, Any]:
    """Structural checks of an observation body; raises BAD_OBSERVATION."""
    if not isinstance(body, dict) or set(body) != BODY_FIELDS:
        raise BaobabError("BAD_OBSERVATION", f"an observation body has exactly the fields {sorted(BODY_FIELDS)}")
    check_id(body["oracle"], "oracle")
    check_id(body["key"], "key id")
    check_id(body["feed"], "feed")
    if body["round"] is not None:
        check_id(body["round"], "round")
    check_value(body["value"])
    parse_utc(body["observed_at"], "observed_at")
    if not isinstance(body["evidence"], str) or not HEX64.match(body["evidence"]):
        raise BaobabError("BAD_OBSERVATION", "evidence must be the SHA-256 hex of the evidence")
    if not isinstance(body["nonce"], str) or not 1 <= len(body["nonce"]) <= 64:
        raise BaobabError("BAD_OBSERVATION", "nonce must be 1-64 characters")
    return body


def check_signed(obs: Any) -> dict[str, Any]:
    if not isinstance(obs, dict) or set(obs) != {"body", "signature"} or not isinstance(obs["signature"], str):
        raise BaobabError("BAD_OBSERVATION", "a signed observation is {body, signature}")
    check_body(obs["body"])
    return obs


def observation_id(obs: dict[str, Any]) -> str:
    """Identity of an observation for replay protection: the hash of its signed body."""
    return digest_hex(obs["body"])


def make_observation(key: PrivateKey, *, oracle: str, key_id: str, feed: str, value: int | bool,
                     observed_at: str, evidence: str, round_id: str | None = None, nonce: str) -> dict[str, Any]:
    body = {"oracle": oracle, "key": key_id, "feed": feed, "round": round_id, "value": value,
            "observed_at": observed_at, "evidence": evidence, "nonce": nonce}
    check_body(body)
    return {"body": body, "signature": key.sign(OBSERVATION_PURPOSE, body)}


def verify_signature(obs: dict[str, Any], public_key: str) -> None:
    if not PublicKey.from_text(public_key).verify(OBSERVATION_PURPOSE, obs["body"], obs["signature"]):
        body = obs["body"]
        raise BaobabError("BAD_SIGNATURE", f"observation signature does not verify for {body['oracle']}/{body['key']}")


def check_fresh(observed_at: str, now: str, max_age_s: int = DEFAULT_MAX_AGE_S,
                max_skew_s: int = DEFAULT_MAX_SKEW_S) -> None:
    """Reject observations older than `max_age_s` or later than `now` + `max_skew_s`."""
    age = epoch_seconds(now, "now") - epoch_seconds(observed_at, "observed_at")
    if age > max_age_s:
        raise BaobabError("OBSERVATION_STALE", f"observation made {age} s ago; at most {max_age_s} s accepted",
                          observed_at=observed_at)
    if -age > max_skew_s:
        raise BaobabError("OBSERVATION_FUTURE", f"observation dated {-age} s in the future", observed_at=observed_at)


def verify(obs: Any, public_key: str, now: str, *, max_age_s: int = DEFAULT_MAX_AGE_S,
           max_skew_s: int = DEFAULT_MAX_SKEW_S) -> dict[str, Any]:
    """Every check that needs no ledger state: form, signature, freshness. Returns the body."""
    check_signed(obs)
    verify_signature(obs, public_key)
    check_fresh(obs["body"]["observed_at"], now, max_age_s, max_skew_s)
    return obs["body"]


# --- continuous feeds: one signed header per batch of readings ----------------------------

BATCH_FIELDS = {"oracle", "key", "feed", "seq", "count", "root", "first_at", "last_at", "min", "max", "publish"}


def check_batch(batch: Any) -> dict[str, Any]:
    """Structural checks of a signed batch header {body, signature}; raises BAD_OBSERVATION."""
    if not isinstance(batch, dict) or set(batch) != {"body", "signature"} or not isinstance(batch["signature"], str):
        raise BaobabError("BAD_OBSERVATION", "a signed batch is {body, signature}")
    body = batch["body"]
    if not isinstance(body, dict) or set(body) != BATCH_FIELDS:
        raise BaobabError("BAD_OBSERVATION", f"a batch body has exactly the fields {sorted(BATCH_FIELDS)}")
    check_id(body["oracle"], "oracle")
    check_id(body["key"], "key id")
    check_id(body["feed"], "feed")
    for name in ("seq", "count", "min", "max"):
        if isinstance(body[name], bool) or not isinstance(body[name], int):
            raise BaobabError("BAD_OBSERVATION", f"batch {name} must be an integer")
    check_value(body["min"]), check_value(body["max"])
    if body["seq"] < 1 or body["count"] < 1 or body["min"] > body["max"]:
        raise BaobabError("BAD_OBSERVATION", "batch seq and count start at 1 and min <= max")
    if not isinstance(body["root"], str) or not HEX64.match(body["root"]):
        raise BaobabError("BAD_OBSERVATION", "batch root must be 64 hex characters (RFC 9162 Merkle tree head)")
    if epoch_seconds(body["first_at"], "first_at") > epoch_seconds(body["last_at"], "last_at"):
        raise BaobabError("BAD_OBSERVATION", "batch first_at must not be after last_at")
    pub = body["publish"]
    if pub is not None:
        if not isinstance(pub, dict) or set(pub) != {"index", "value", "observed_at"}:
            raise BaobabError("BAD_OBSERVATION", "batch publish is null or {index, value, observed_at}")
        if isinstance(pub["index"], bool) or not isinstance(pub["index"], int) or not 0 <= pub["index"] < body["count"]:
            raise BaobabError("BAD_OBSERVATION", "published reading index outside the batch")
        check_value(pub["value"])
        epoch_seconds(pub["observed_at"], "publish.observed_at")
    return body


def sign_batch(key: PrivateKey, body: dict[str, Any]) -> dict[str, Any]:
    batch = {"body": body, "signature": key.sign(BATCH_PURPOSE, body)}
    check_batch(batch)
    return batch


def verify_batch_signature(batch: dict[str, Any], public_key: str) -> None:
    if not PublicKey.from_text(public_key).verify(BATCH_PURPOSE, batch["body"], batch["signature"]):
        body = batch["body"]
        raise BaobabError("BAD_SIGNATURE", f"batch signature does not verify for {body['oracle']}/{body['key']}")
