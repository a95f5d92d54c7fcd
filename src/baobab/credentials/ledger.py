"""What credentials need of the ledger, over an organisation's `Actor` (submit and query as it,
in-process or over HTTP): the issuer directory and the status lists verifiers read, and the
registration of an issuer's key.

    directory = LedgerDirectory(actor)       # "issuer known": the member a DID is registered to
    status = LedgerStatus(actor, directory)  # "not revoked": the bits the ledger records
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.credentials.registry import ISSUER_PROOF, issuer_claim, parse_list_url
from baobab.core.errors import BaobabError
from baobab.credentials import status_list
from baobab.credentials.credential import Signer
from baobab.credentials.did_key import resolve

CONTRACT = "credentials"


def committed(actor: Any, contract: str, function: str, args: dict[str, Any]) -> Any:
    """Submit as `actor` and return the response of the committed transaction (raise if invalid)."""
    outcome = actor.submit(contract, function, args)
    if outcome.get("code") != "VALID":
        raise BaobabError("CONTRACT_ERROR", f"{contract}.{function} did not commit: {outcome.get('code')}")
    return outcome["response"]


def register_issuer(actor: Any, signer: Signer, list_id: str | None = None, purpose: str = "revocation") -> dict[str, Any]:
    """Bind `signer`'s key to the actor's organisation (with its proof of possession), and open
    its status list `list_id`; registering again changes nothing."""
    public = signer.key.public.text
    proof = signer.key.sign(ISSUER_PROOF, issuer_claim(actor.org, public))
    record = committed(actor, CONTRACT, "register_issuer", {"public_key": public, "proof": proof})
    if list_id:
        committed(actor, CONTRACT, "open_list", {"list_id": list_id, "purpose": purpose})
    return record  # type: ignore[no-any-return]


class LedgerDirectory:
    """The issuer directory of the network: a did:key is known when its key is registered to a
    member. Answers are remembered for the life of the object (registrations are permanent)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self._known: dict[str, dict[str, Any]] = {}

    def lookup(self, did: str) -> dict[str, Any] | None:
        if did in self._known:
            return self._known[did]
        try:
            _, key = resolve(did)
            record = self.actor.query(CONTRACT, "issuer", {"public_key": key.text})
        except BaobabError:
            return None
        self._known[did] = {"org": record["org"], "registered_at": record["registered_at"]}
        return self._known[did]


class LedgerStatus:
    """A status resolver reading the list's bits from the ledger (no signed list needed): the
    list must belong to the member the credential's issuer key is registered to."""

    def __init__(self, actor: Any, directory: LedgerDirectory) -> None:
        self.actor, self.directory = actor, directory
        self._built: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}  # the last list built, per list and issuer

    def __call__(self, url: str, issuer: str) -> dict[str, Any]:
        org, list_id = parse_list_url(url)
        known = self.directory.lookup(issuer)
        if known is None or known["org"] != org:
            raise BaobabError("BAD_CREDENTIAL", f"status list {url} is not kept by the credential's issuer")
        record = self.actor.query(CONTRACT, "status_list", {"org": org, "list_id": list_id})
        version = (record["updated_at"], record["set"], record["purpose"], record["size"])
        cached = self._built.get((url, issuer))
        if cached is None or cached[0] != version:  # read every time, rebuilt only when it changed
            built = status_list.list_credential(url, issuer, record["purpose"], record["set"], record["updated_at"],
                                                record["size"])
            cached = self._built[(url, issuer)] = (version, built)
        return cached[1]
