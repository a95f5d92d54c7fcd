"""A small Python client for a Baobab node's HTTP API: every request signed by a client identity.

    from baobab.client import Identity, actors_over
    from baobab.http_client import BaobabClient

    me = Identity.load("data", "baobab-demo", "KLTB")
    node = BaobabClient("http://127.0.0.1:8700", me)
    node.submit("accounts", "open", {"account": "KLTB-1", "currency": "MYR"})
    node.get("accounts", "acct/KLTB-1")

Errors come back as `BaobabError` with the node's stable code. `http_actors(url, data_dir)`
gives the stories' `Actors`, so a story plays over HTTP exactly as it does in-process (one node
for every organisation in the embedded mode, or `{org: url}`: each organisation's own node).

Clients that share a `Causality` send, on every request, the height after the last block any of
them saw committed (`X-Baobab-Min-Height`); the node first catches up to it, so a client moving
from one organisation's node to another always builds on what it has already seen.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from baobab.api.signing import sign_request
from baobab.client import Identity, actors_over
from baobab.core.errors import CODES, BaobabError
import baobab.vocab.errors  # noqa: F401  (registers the domain's error codes)
from baobab.core.keys import PublicKey
from baobab.gateway import REFUSAL_STATUS, Refused
from baobab.ledger.proofs import verify_inclusion_proof


def raise_for_problem(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code") if isinstance(body, dict) else None
    detail = {k: v for k, v in body.items() if k not in ("type", "title", "status", "detail", "code")} if isinstance(body, dict) else {}
    if code not in CODES:  # a newer node's code this client does not know
        detail["node_code"] = code
        code = "INTERNAL"
    kind = {status: kind for kind, status in REFUSAL_STATUS.items()}.get(response.status_code)
    if code == "CONTRACT_ERROR" and kind is not None:  # keeps the status of the reason's kind
        contract, reason = str(detail.pop("contract", "")), str(detail.pop("reason", ""))
        detail.pop("status", None)
        raise Refused(contract, reason, kind, body.get("detail", ""), **detail)
    raise BaobabError(code, body.get("detail", response.text[:200]) if isinstance(body, dict) else response.text[:200],
                      status=response.status_code, **detail)


def health(url: str, timeout: float = 5.0, http: httpx.Client | None = None) -> dict[str, Any]:
    """The node's unauthenticated health answer (network name and height)."""
    response = (http or httpx).get(url.rstrip("/") + "/health", timeout=timeout)
    raise_for_problem(response)
    return response.json()  # type: ignore[no-any-return]


MIN_HEIGHT = "X-Baobab-Min-Height"
HEIGHT = "X-Baobab-Height"  # the node's height when it answered


class Causality:
    """The height after the last block a group of clients saw committed."""

    def __init__(self) -> None:
        self.seen = 0

    def saw(self, outcome: Any) -> None:
        if isinstance(outcome, dict) and isinstance(outcome.get("block"), int):
            self.seen = max(self.seen, outcome["block"] + 1)

    def saw_height(self, header: str | None) -> None:
        if header is not None and header.isdigit():
            self.seen = max(self.seen, int(header))


class BaobabClient:
    def __init__(self, url: str, identity: Identity, *, timeout: float = 60.0, http: httpx.Client | None = None,
                 causality: Causality | None = None) -> None:
        self.url = url.rstrip("/")
        self.identity = identity
        self.http = http or httpx.Client(timeout=timeout)
        self.causality = causality or Causality()

    def close(self) -> None:
        self.http.close()

    # --- transport --------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
                headers: dict[str, str] | None = None, stream: bool = False) -> httpx.Response:
        """Send a signed request; raises BaobabError on a problem response."""
        content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        # A kept-alive connection the node closed as the request left (RemoteProtocolError: no
        # answer at all) is retried once, signed afresh, when repeating it is harmless: reads, and
        # requests with an Idempotency-Key (a resubmitted transaction returns its first outcome).
        retry = method in ("GET", "HEAD") or "Idempotency-Key" in (headers or {})
        for attempt in range(2 if retry else 1):
            request = self.http.build_request(method, self.url + path, params=params, content=content or None,
                                              headers={**({"Content-Type": "application/json"} if content else {}),
                                                       **({MIN_HEIGHT: str(self.causality.seen)} if self.causality.seen else {}),
                                                       **(headers or {})})
            target = request.url.raw_path.decode("latin-1")
            request.headers.update(sign_request(self.identity.key, self.identity.network, self.identity.id, method,
                                                target, content))
            try:
                response = self.http.send(request, stream=stream)
                break
            except httpx.RemoteProtocolError:
                if attempt or not retry:
                    raise
        self.causality.saw_height(response.headers.get(HEIGHT))
        if stream and response.status_code >= 400:
            response.read()
        raise_for_problem(response)
        return response

    def _get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None}).json()

    # --- transactions and queries -----------------------------------------------------

    def submit(self, contract: str, function: str, args: dict[str, Any] | None = None, *, wait: bool = True,
               idempotency_key: str | None = None) -> dict[str, Any]:
        """Sign a proposal and submit it: the outcome (tx_id, code, block, response, events), or
        with wait=False `{tx_id, status: pending, status_url}`."""
        signed = self.identity.proposal(contract, function, args or {})
        return self.submit_signed(signed, wait=wait, idempotency_key=idempotency_key)

    def submit_signed(self, signed: dict[str, Any], *, wait: bool = True, idempotency_key: str | None = None,
                      private: dict[str, Any] | None = None) -> dict[str, Any]:
        """`private` ({members, data}, network mode): data whose hash the proposal carries as
        `args.private_hash`, delivered only to the members' nodes."""
        headers = {"Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        body = signed if private is None else {**signed, "private": private}
        outcome = self.request("POST", "/v1/transactions", params=None if wait else {"wait": "false"}, body=body,
                               headers=headers).json()
        self.causality.saw(outcome)
        return outcome  # type: ignore[no-any-return]

    def query(self, contract: str, function: str, args: dict[str, Any] | None = None, *,
              purpose: str | None = None) -> Any:
        return self.ask(contract, function, args, purpose=purpose)["response"]

    def ask(self, contract: str, function: str, args: dict[str, Any] | None = None, *,
            purpose: str | None = None) -> dict[str, Any]:
        """A query's whole answer: `response`, and `access` (the access-log entries) when a
        supervisor read a record it is not party to, stating `purpose`."""
        return self._evaluate(self.identity.proposal(contract, function, args or {}), purpose)

    def evaluate(self, signed: dict[str, Any]) -> Any:
        return self._evaluate(signed, None)["response"]

    def _evaluate(self, signed: dict[str, Any], purpose: str | None) -> dict[str, Any]:
        p = signed["proposal"]
        return self.request("POST", f"/v1/contracts/{p['contract']}/{p['function']}", body=signed,  # type: ignore[no-any-return]
                            params={"purpose": purpose} if purpose else None).json()

    # --- reads ------------------------------------------------------------------------

    def get(self, namespace: str, key: str, purpose: str | None = None) -> dict[str, Any]:
        return self._get(f"/v1/state/{namespace}/{key}", purpose=purpose)  # type: ignore[no-any-return]

    def keys(self, namespace: str, prefix: str = "", limit: int = 100) -> Iterator[dict[str, Any]]:
        """Every record of a namespace you may read, following the pages."""
        cursor = None
        while True:
            page = self._get(f"/v1/state/{namespace}", prefix=prefix, limit=limit, cursor=cursor)
            yield from page["records"]
            cursor = page["next_cursor"]
            if not cursor:
                return

    def history(self, namespace: str, key: str, purpose: str | None = None) -> dict[str, Any]:
        return self._get(f"/v1/history/{namespace}/{key}", purpose=purpose)  # type: ignore[no-any-return]

    def tx(self, tx_id: str) -> dict[str, Any]:
        return self._get(f"/v1/transactions/{tx_id}")  # type: ignore[no-any-return]

    def block(self, number: int) -> dict[str, Any]:
        return self._get(f"/v1/blocks/{number}")  # type: ignore[no-any-return]

    def head(self) -> dict[str, Any]:
        return self._get("/v1/head")  # type: ignore[no-any-return]

    def network(self) -> dict[str, Any]:
        return self._get("/v1/network")  # type: ignore[no-any-return]

    def proof(self, tx_id: str, purpose: str | None = None) -> dict[str, Any]:
        return self._get(f"/v1/proofs/tx/{tx_id}", purpose=purpose)  # type: ignore[no-any-return]

    def consistency(self, old_size: int, new_size: int | None = None) -> dict[str, Any]:
        return self._get("/v1/proofs/consistency", old_size=old_size, new_size=new_size)  # type: ignore[no-any-return]

    def events(self, from_block: int = 1, *, follow: bool = False, last_event_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Committed events you may see, parsed from the server-sent event stream."""
        headers = {"Last-Event-ID": last_event_id} if last_event_id else None
        params = {"from_block": from_block, "follow": "true" if follow else "false"}
        response = self.request("GET", "/v1/events", params=params, headers=headers, stream=True)
        try:
            data: list[str] = []
            for line in response.iter_lines():
                if line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and data:
                    yield json.loads("\n".join(data))
                    data = []
        finally:
            response.close()

    # --- oversight --------------------------------------------------------------------

    def oversight_records(self, *, namespace: str = "", prefix: str = "", party: str = "", country: str = "",
                          purpose: str = "", format: str = "json", limit: int = 100, cursor: str | None = None) -> Any:
        response = self.request("GET", "/v1/oversight/records", params={
            k: v for k, v in {"namespace": namespace, "prefix": prefix, "party": party, "country": country,
                              "purpose": purpose, "format": format, "limit": limit, "cursor": cursor}.items() if v})
        return response.text if format == "csv" else response.json()

    def oversight_log(self) -> list[dict[str, Any]]:
        return self._get("/v1/oversight/log")["entries"]  # type: ignore[no-any-return]


def verify_record(record: dict[str, Any], proof: dict[str, Any], orderer_key: PublicKey) -> bool:
    """Check, trusting only the orderer's public key (from genesis.json), that `record` (as
    returned by a read: key, value, version) was written by the proven transaction."""
    if not verify_inclusion_proof(proof, orderer_key):
        return False
    if [proof["block"], proof["index"]] != list(record["version"]):
        return False
    return [record["key"], record["value"]] in proof["transaction"]["result"]["writes"]


class HttpGateway:
    """A node's gateway seen over HTTP (`submit`, `evaluate` of signed proposals), for `client.Actor`."""

    def __init__(self, client: BaobabClient) -> None:
        self.client = client

    def submit(self, signed: dict[str, Any]) -> dict[str, Any]:
        return self.client.submit_signed(signed)

    def evaluate(self, signed: dict[str, Any]) -> Any:
        return self.client.evaluate(signed)


def http_actors(url: str | dict[str, str], data_dir: str | Path, client_name: str = "app",
                causality: Causality | None = None):  # -> Actors
    """The stories' Actors over HTTP: each organisation's client key from `data_dir/keys`, and
    its node at `url` (one node for all) or `url[org]` (each its own); they share a causality token."""
    from baobab.net.tls import pinned_client

    urls = url if isinstance(url, dict) else None
    if urls is None and url.startswith("https://"):  # type: ignore[union-attr]
        raise BaobabError("MALFORMED", "nodes over TLS are named with their organisation ({org: url}), to pin each one")
    http = pinned_client(data_dir, {u: org for org, u in (urls or {}).items()}, timeout=60.0)
    network = health(next(iter(urls.values())) if urls else url, http=http)["network"]  # type: ignore[arg-type]
    causality = causality or Causality()

    def identity_of(org: str) -> Identity:
        return Identity.load(data_dir, network, org, client_name)

    def gateway_of(org: str) -> HttpGateway:
        base = urls[org] if urls is not None else url
        return HttpGateway(BaobabClient(base, identity_of(org), http=http, causality=causality))  # type: ignore[arg-type]

    return actors_over(gateway_of, identity_of)
