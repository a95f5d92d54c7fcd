"""The network mode's endorser: this organisation's own signature, and the other
organisations' from their nodes, over requests signed with this node's peer key.

Each other node simulates the proposal independently against its own state; the results must
be identical, byte for byte, or the transaction is refused. A node that saw a newer state
answers with its height: this node catches up and tries once more.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import httpx

from baobab.core.errors import CODES, BaobabError
from baobab.core.jcs import canonicalize
from baobab.core.keys import PublicKey
from baobab.ledger import policy as policies
from baobab.ledger.contract import REFUSAL_STATUS, Refused
from baobab.ledger.tx import Encoded
from baobab.net.auth import sign_request

if TYPE_CHECKING:
    from baobab.net.node import NetworkNode

KIND_OF_STATUS = {status: kind for kind, status in REFUSAL_STATUS.items()}
CATCH_UP_S = 2.0  # how long an endorser waits to reach the height the asking node has seen


class RemoteEndorser:
    def __init__(self, node: "NetworkNode", peers: dict[str, str], timeout_s: float) -> None:
        self.node, self.peers = node, peers
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=min(1.0, timeout_s)))
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix=f"baobab-endorse-{node.org}")

    def endorse(self, signed: Any, encoded: Encoded | None) -> tuple[dict[str, Any], Encoded]:
        started = time.monotonic()
        for attempt in range(2):
            try:
                envelope = self._gather(signed)
                self.node.metrics.endorse_latency.observe(time.monotonic() - started)
                return envelope, Encoded.envelope(envelope)
            except _Diverged as exc:  # the other node saw a newer state: catch up, then try once more
                if attempt:
                    raise BaobabError("NONDETERMINISTIC", f"{exc.org}'s simulation differs from {self.node.org}'s",
                                      org=exc.org) from None
                self.node.wait_for_height(exc.height, CATCH_UP_S)
        raise AssertionError("unreachable")

    def _gather(self, signed: Any) -> dict[str, Any]:
        node, hosted = self.node, self.node.peer_keys
        p, encoded, caller = node.authenticate(signed)
        if caller.org not in hosted:
            raise BaobabError("FORBIDDEN", f"this node does not serve {caller.org}; its clients use their own node")
        result = node.simulate_ok(p, encoded.tx_id, caller)
        prefer = [caller.org] + sorted(o for o in hosted if o != caller.org)
        orgs = policies.choose(node.required_policy(p, result), node.members().orgs_with_role, prefer=prefer)
        remote = sorted(o for o in orgs if o not in hosted)
        endorsements = {o: hosted[o].sign("endorsement", result) for o in orgs if o in hosted}
        height = node.height()
        answers = list(self._pool.map(
            lambda o: self.ask(o, "/peer/endorse", {"signed": signed, "height": height, "org": o}), remote))
        members = node.members()
        for org, answer in zip(remote, answers):
            if canonicalize(answer.get("result")) != canonicalize(result):
                raise _Diverged(org, int(answer.get("height", 0)))
            record = members.require_active(org)
            if not PublicKey.from_text(record["peer_key"]).verify("endorsement", result, answer.get("signature", "")):
                raise BaobabError("BAD_SIGNATURE", f"{org}'s endorsement does not verify")
            endorsements[org] = answer["signature"]
        return {"proposal": p, "signature": signed["signature"], "result": result,
                "endorsements": [{"org": o, "signature": endorsements[o]} for o in sorted(endorsements)]}

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
            code = answer.get("code") if isinstance(answer, dict) else None
            if code == "CONTRACT_ERROR" and answer.get("reason") and response.status_code in KIND_OF_STATUS:
                raise Refused(str(answer.get("contract", "")), str(answer["reason"]), KIND_OF_STATUS[response.status_code],
                              f"{org}: {answer.get('detail', '')}", org=org)
            if code in CODES and code != "ENDORSER_UNAVAILABLE":
                raise BaobabError(code, f"{org}: {answer.get('detail', '')}", org=org)
            raise BaobabError("ENDORSER_UNAVAILABLE", f"{org}'s node answered {response.status_code}", org=org)
        return answer  # type: ignore[no-any-return]

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        self._http.close()


class _Diverged(Exception):
    def __init__(self, org: str, height: int) -> None:
        super().__init__(org)
        self.org, self.height = org, height
