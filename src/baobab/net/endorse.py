"""The network mode's endorser: this organisation's own signature, and the other
organisations' from their nodes, over requests signed with this node's peer key.

Each other node simulates the proposal independently against its own state; the results must
be identical, byte for byte, or the transaction is refused. A node that saw a newer state
answers with its height: this node catches up and tries once more.

Requests to one node are batched (`PeerBatcher`): while a request to it is in flight, the
proposals that arrive meanwhile queue up and leave together in the next one, to
/peer/endorse-batch. Under load one HTTP exchange, one request signature, one verification
and one nonce write then carry many endorsements; a lone proposal leaves at once, so batching
adds no delay. Each item of a batch is answered on its own (an endorsement or a refusal),
exactly as /peer/endorse would have answered it alone.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import httpx

from baobab.core.errors import CODES, BaobabError
from baobab.core.jcs import canonicalize
from baobab.core.keys import PublicKey
from baobab.ledger import policy as policies
from baobab.ledger.contract import REFUSAL_STATUS, Refused
from baobab.ledger.tx import MAX_TX_BYTES, Encoded
from baobab.net.auth import sign_request
from baobab.net.tls import pinned_client

if TYPE_CHECKING:
    from baobab.net.node import NetworkNode

log = logging.getLogger(__name__)
KIND_OF_STATUS = {status: kind for kind, status in REFUSAL_STATUS.items()}
CATCH_UP_S = 2.0  # how long an endorser waits to reach the height the asking node has seen
BATCH_PATH = "/peer/endorse-batch"
MAX_BATCH = 128  # proposals in one batch request
BATCH_BYTES = MAX_TX_BYTES // 2  # and their bytes, well under the body limit of a request (one may exceed it alone)
SENDERS = 4  # batch requests in flight to one node at a time


class RemoteEndorser:
    def __init__(self, node: "NetworkNode", peers: dict[str, str], timeout_s: float) -> None:
        self.node, self.peers = node, peers
        # How long an endorser may wait to catch up before simulating: well within this node's
        # timeout, so that a lagging endorser answers (its result then differs, and this node
        # tries again, see `endorse`) instead of running into the timeout.
        self.catch_up_s = min(CATCH_UP_S, timeout_s / 2)
        # each peer's node over TLS, pinned to its organisation's anchor (net/tls.py)
        self._http = pinned_client(node.config.network_dir, {url: org for org, url in sorted(peers.items())},
                                   timeout=httpx.Timeout(timeout_s, connect=min(1.0, timeout_s)),
                                   limits=httpx.Limits(max_keepalive_connections=8 * SENDERS))
        self._batchers: dict[str, PeerBatcher] = {}
        self._batchers_lock = threading.Lock()

    def endorse(self, signed: Any, encoded: Encoded | None) -> tuple[dict[str, Any], Encoded]:
        started = time.monotonic()
        for attempt in range(2):
            try:
                envelope, full = self._gather(signed, encoded)
                self.node.metrics.endorse_latency.observe(time.monotonic() - started)
                return envelope, full
            except _Diverged as exc:  # the other node saw a newer state: catch up, then try once more
                if attempt:
                    raise BaobabError("NONDETERMINISTIC", f"{exc.org}'s simulation differs from {self.node.org}'s",
                                      org=exc.org) from None
                self.node.wait_for_height(exc.height, CATCH_UP_S)
        raise AssertionError("unreachable")

    def _gather(self, signed: Any, encoded: Encoded | None) -> tuple[dict[str, Any], Encoded]:
        node, hosted = self.node, self.node.peer_keys
        p, encoded, caller = node.authenticate(signed, encoded)
        if caller.org not in hosted:
            raise BaobabError("FORBIDDEN", f"this node does not serve {caller.org}; its clients use their own node")
        result = node.simulate_ok(p, encoded.tx_id, caller)
        prefer = [caller.org] + sorted(o for o in hosted if o != caller.org)
        orgs = policies.choose(node.required_policy(p, result), node.members().orgs_with_role, prefer=prefer)
        remote = sorted(o for o in orgs if o not in hosted)
        encoded = encoded.with_result(result)
        endorsements = {o: hosted[o].sign("endorsement", result, encoded.result_digest) for o in orgs if o in hosted}
        height, size = node.height(), len(encoded.proposal_bytes) + len(encoded.signature_bytes)
        asked = [self.batcher(self.url_of(o)).add({"signed": signed, "height": height, "org": o}, size) for o in remote]
        members = node.members()
        for org, future in zip(remote, asked):
            answer = future.result()  # the batcher always settles it, within the HTTP timeout
            if canonicalize(answer.get("result")) != encoded.result_bytes:
                raise _Diverged(org, int(answer.get("height", 0)))
            record = members.require_active(org)
            if not PublicKey.from_text(record["peer_key"]).verify("endorsement", result, answer.get("signature", ""),
                                                                  encoded.result_digest):
                raise BaobabError("BAD_SIGNATURE", f"{org}'s endorsement does not verify")
            endorsements[org] = answer["signature"]
        listed = [{"org": o, "signature": endorsements[o]} for o in sorted(endorsements)]
        envelope = {"proposal": p, "signature": signed["signature"], "result": result, "endorsements": listed}
        return envelope, encoded.with_endorsements(listed)

    def batcher(self, base: str) -> "PeerBatcher":
        with self._batchers_lock:
            found = self._batchers.get(base)
            if found is None:
                found = self._batchers[base] = PeerBatcher(self, base)
            return found

    def url_of(self, org: str) -> str:
        base = self.peers.get(org)
        if base is None:
            raise BaobabError("ENDORSER_UNAVAILABLE", f"no address for {org}'s node", org=org)
        return base

    def ask(self, org: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a signed request to `org`'s node; its refusal comes back as a BaobabError."""
        return self.post(self.url_of(org), path, body, org=org)

    def post(self, base: str, path: str, body: dict[str, Any], *, as_org: str | None = None,
             org: str = "") -> dict[str, Any]:
        """POST to a node, signed with the peer key of `as_org` (one this node serves; by default its own)."""
        signer, org = as_org or self.node.org, org or base
        data = canonicalize(body)
        headers = {"Content-Type": "application/json",
                   **sign_request(self.node.peer_keys[signer], self.node.network, signer, "POST", path, data)}
        try:
            response = self._http.post(base.rstrip("/") + path, content=data, headers=headers)
        except httpx.HTTPError as exc:
            raise BaobabError("ENDORSER_UNAVAILABLE", f"{org}'s node did not answer: {type(exc).__name__}", org=org) from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200:
            if not isinstance(answer, dict):
                answer = {}
            raise refusal_of(org, answer.get("code"), KIND_OF_STATUS.get(response.status_code), answer,
                             f"{org}'s node answered {response.status_code}")
        return answer  # type: ignore[no-any-return]

    def close(self) -> None:
        with self._batchers_lock:
            batchers, self._batchers = list(self._batchers.values()), {}
        for b in batchers:
            b.close()
        self._http.close()


def refusal_of(org: str, code: Any, kind: str | None, answer: dict[str, Any], otherwise: str) -> BaobabError:
    """The exception a remote node's refusal stands for: the contract's refusal, the node's
    coded refusal, or (anything else) ENDORSER_UNAVAILABLE."""
    if code == "CONTRACT_ERROR" and answer.get("reason") and kind in REFUSAL_STATUS:
        return Refused(str(answer.get("contract", "")), str(answer["reason"]), kind, f"{org}: {answer.get('detail', '')}",
                       org=org)
    if code in CODES and code != "ENDORSER_UNAVAILABLE":
        return BaobabError(code, f"{org}: {answer.get('detail', '')}", org=org)
    return BaobabError("ENDORSER_UNAVAILABLE", otherwise, org=org)


def answer_item(endorse: Any, item: Any) -> dict[str, Any]:
    """One batch item's answer: {"endorsement": ...} or {"refused": {code, kind?, contract?,
    reason?, detail}}, the same facts a refusal of /peer/endorse carries in its problem document."""
    try:
        if not isinstance(item, dict) or not isinstance(item.get("org"), str):
            raise BaobabError("MALFORMED", "a batch item is {signed, org}")
        return {"endorsement": endorse(item.get("signed"), 0, item["org"])}
    except Refused as exc:
        return {"refused": {"code": exc.code, "kind": exc.kind, "contract": exc.contract, "reason": exc.reason,
                            "detail": exc.message}}
    except BaobabError as exc:
        return {"refused": {"code": exc.code, "detail": exc.message}}


class PeerBatcher:
    """Endorsement requests to one node, gathered into batches: `SENDERS` threads each take
    every item queued (up to MAX_BATCH) and send them in one signed request. An item that
    cannot be sent, or is not answered, fails with ENDORSER_UNAVAILABLE like a lone request."""

    def __init__(self, endorser: RemoteEndorser, base: str) -> None:
        self.endorser, self.base = endorser, base
        self._queue: queue.SimpleQueue[tuple[dict[str, Any], str, Future[dict[str, Any]]] | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._send_loop, daemon=True,
                                          name=f"baobab-endorse-{endorser.node.org}-{k}") for k in range(SENDERS)]
        for t in self._threads:
            t.start()

    def add(self, body: dict[str, Any], size: int) -> "Future[dict[str, Any]]":
        """Queue {signed, height, org} (`size`: the signed proposal's bytes); its answer comes in the future."""
        future: Future[dict[str, Any]] = Future()
        self._queue.put((body, size, future))
        return future

    def _send_loop(self) -> None:
        carry = None  # an item that did not fit the last batch: it opens the next one
        while True:
            first = carry if carry is not None else self._queue.get()
            carry = None
            if first is None:
                self._queue.put(None)  # the other senders stop too
                return
            batch, size = [first], first[1]
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None or size + more[1] > BATCH_BYTES:
                    carry = more
                    break
                batch.append(more)
                size += more[1]
            self._send(batch)

    def _send(self, batch: list[tuple[dict[str, Any], int, "Future[dict[str, Any]]"]]) -> None:
        height = max(body["height"] for body, _, _ in batch)
        items = [{"signed": body["signed"], "org": body["org"]} for body, _, _ in batch]
        first = items[0]["org"]
        try:
            answer = self.endorser.post(self.base, BATCH_PATH, {"height": height, "items": items,
                                                                "wait_s": self.endorser.catch_up_s}, org=first)
            answers = answer.get("answers") if isinstance(answer, dict) else None
            if not isinstance(answers, list) or len(answers) != len(batch):
                raise BaobabError("ENDORSER_UNAVAILABLE", f"{self.base} answered a batch of {len(batch)} "
                                                          "with another number of answers", org=first)
        except Exception as exc:
            if not isinstance(exc, BaobabError):
                log.warning("endorsement batch to %s failed: %r", self.base, exc)
                exc = BaobabError("ENDORSER_UNAVAILABLE", f"{first}'s node: {type(exc).__name__}", org=first)
            for item, (_, _, future) in zip(items, batch):
                future.set_exception(BaobabError(exc.code, exc.message, org=item["org"]))
            return
        for (body, _, future), item in zip(batch, answers):
            org = body["org"]
            if isinstance(item, dict) and isinstance(item.get("endorsement"), dict):
                future.set_result(item["endorsement"])
                continue
            refused = item.get("refused") if isinstance(item, dict) else None
            refused = refused if isinstance(refused, dict) else {}
            future.set_exception(refusal_of(org, refused.get("code"), refused.get("kind"), refused,
                                            f"{org}'s node gave no endorsement"))

    def close(self) -> None:
        self._queue.put(None)


class _Diverged(Exception):
    def __init__(self, org: str, height: int) -> None:
        super().__init__(org)
        self.org, self.height = org, height
