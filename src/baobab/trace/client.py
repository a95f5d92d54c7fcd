"""EPCIS for a story's actor, over whichever way the actor reaches its node: the node API's REST
binding (`baobab demo --url`, the tests over HTTP) or the node's own traceability service (the
embedded demo). Both answer alike, so story 6 plays the same in both modes.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

from baobab.trace import lineage
from baobab.trace.service import TraceService


class Epcis(Protocol):
    def capture(self, document: dict[str, Any], share_with: list[str]) -> dict[str, Any]: ...
    def event(self, event_id: str) -> dict[str, Any]: ...
    def backward(self, key: str) -> dict[str, Any]: ...
    def forward(self, key: str) -> dict[str, Any]: ...
    def share(self, key: str) -> dict[str, Any]: ...


class HttpEpcis:
    def __init__(self, client: Any) -> None:
        self.client = client

    def capture(self, document: dict[str, Any], share_with: list[str]) -> dict[str, Any]:
        params = {"shareWith": share_with} if share_with else None
        return self.client.request("POST", "/v1/epcis/capture", params=params, body=document).json()  # type: ignore[no-any-return]

    def event(self, event_id: str) -> dict[str, Any]:
        return self.client.request("GET", "/v1/epcis/events/" + quote(event_id, safe="")).json()  # type: ignore[no-any-return]

    def backward(self, key: str) -> dict[str, Any]:
        return self.client.request("GET", "/v1/trace/backward", params={"key": key}).json()  # type: ignore[no-any-return]

    def forward(self, key: str) -> dict[str, Any]:
        return self.client.request("GET", "/v1/trace/forward", params={"key": key}).json()  # type: ignore[no-any-return]

    def share(self, key: str) -> dict[str, Any]:
        return self.client.request("GET", "/v1/trace/share", params={"key": key}).json()  # type: ignore[no-any-return]


class LocalEpcis:
    def __init__(self, service: TraceService, org: str, client: str) -> None:
        self.service, self.org, self.client = service, org, client

    def capture(self, document: dict[str, Any], share_with: list[str]) -> dict[str, Any]:
        return self.service.capture(self.org, self.client, document, share_with)

    def event(self, event_id: str) -> dict[str, Any]:
        return self.service.event_with_proof(self.org, event_id, self.client)

    def backward(self, key: str) -> dict[str, Any]:
        return lineage.backward(self.service.store, self.org, key).to_dict()

    def forward(self, key: str) -> dict[str, Any]:
        return lineage.forward(self.service.store, self.org, key).to_dict()

    def share(self, key: str) -> dict[str, Any]:
        return self.service.share(self.org, self.client, key)


def epcis_of(actor: Any) -> Epcis:
    """The EPCIS interface of a stories' Actor (unwrapping test wrappers that keep it as `inner`)."""
    while hasattr(actor, "inner"):
        actor = actor.inner
    gateway = actor.gateway
    http = getattr(gateway, "client", None)
    if http is not None:
        return HttpEpcis(http)
    return LocalEpcis(TraceService.of(gateway), actor.org, actor.identity.name)
