"""Certificates between countries: certificates of origin (for a preferential rate) and
certificates of conformity (pre-export verification an importing country requires, such as
Kenya's PVOC or Nigeria's SONCAP), following the ASEAN Single Window's e-Form D flow.

    issue      origin: the customs of the exporting country; conformity: an inspection body.
               The certificate is either a document already anchored in the document registry
               by the same organisation (OpenAttestation: its signed transaction is the
               signature), or a W3C Verifiable Credential signed with a key the issuer registered
               in `credentials`, with its entry in the issuer's revocation list; `target_hash` is
               the document's target hash or the SHA-256 of the credential's JCS form. Also: the
               goods it covers, the importer and the importing customs          -> issued
    send       the issuer, to the importing customs                             -> sent
    receive    the importing customs, with the target hash of the document it received: a
               different hash is an altered document (CERTIFICATE_ALTERED)      -> received
    utilise    the importing customs, on one declaration lodged with it by the importer, whose
               goods the certificate covers (same HS subheadings, no more than the quantities
               certified, same origin)                                          -> utilised
    reject     the importing customs, with its reason                           -> rejected

A certificate is utilised once: on a second declaration it is refused (CERTIFICATE_USED); for
goods it does not cover, GOODS_NOT_COVERED; after its document or credential is revoked,
CERTIFICATE_REVOKED.
Every refusal changes nothing. Keys: `certificate/<id>`.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.contracts.jurisdiction import check_countries
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, ContractError, Reason, function
from baobab.vocab.trade import UNIT_CODES, is_hs_code

KINDS = {"origin": ("customs", "certificate_of_origin"), "conformity": ("inspector", "inspection_certificate")}
DECLARATIONS, CREDENTIALS = "customs_declarations", "credentials"
MAX_GOODS = 99
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _refuse(reason: str, message: str, **detail: Any) -> ContractError:
    return ContractError(message, reason=reason, **detail)


def covers(certificate: dict[str, Any], items: list[dict[str, Any]]) -> str | None:
    """Why the certificate does not cover these declared items (None: it covers them all): each
    item's subheading is certified in that unit, in no more than the quantity certified."""
    left: dict[tuple[str, str], int] = {}
    for goods in certificate["goods"]:
        key = (goods["hs_code"][:6], goods["unit"])
        left[key] = left.get(key, 0) + goods["quantity"]
    for item in items:
        key = (item["hs_code"][:6], item["unit"])
        if key not in left:
            return f"item {item['n']}: HS {item['hs_code'][:6]} in {item['unit']} is not certified"
        if item["quantity"] > left[key]:
            return f"item {item['n']}: {item['quantity']} {item['unit']} is more than the {left[key]} certified"
        left[key] -= item["quantity"]
    return None


class Certificates(Contract):
    name = "customs_certificates"
    reasons = {
        "BAD_CERTIFICATE": Reason("invalid", "The certificate lacks or misstates a field"),
        "NOT_THE_AUTHORITY": Reason("forbidden", "The caller may not issue this kind of certificate for that country"),
        "DOCUMENT_NOT_ISSUED": Reason("invalid", "The certificate's document is not anchored by its issuer"),
        "WRONG_CUSTOMS": Reason("invalid", "That organisation is not the customs of the destination country"),
        "NOT_ADDRESSEE": Reason("forbidden", "Only the importing customs the certificate is sent to may do this"),
        "CERTIFICATE_ALTERED": Reason("conflict", "The document received is not the document the issuer anchored"),
        "CERTIFICATE_REVOKED": Reason("conflict", "The issuer revoked the certificate's document"),
        "CERTIFICATE_NOT_RECEIVED": Reason("conflict", "The certificate has not been received by this customs"),
        "CERTIFICATE_USED": Reason("conflict", "The certificate was already utilised on a declaration"),
        "CERTIFICATE_REJECTED": Reason("conflict", "The certificate was rejected by the importing customs"),
        "GOODS_NOT_COVERED": Reason("conflict", "The declaration's goods are not the goods certified"),
        "WRONG_DECLARATION": Reason("conflict", "The declaration is not the importer's, not lodged here, or of another origin"),
    }

    @function(policy={"role": "*"}, callers=("customs", "inspector"))
    def issue(self, ctx: Context, certificate_id: str, kind: str, target_hash: str, importer: str,
              importing_customs: str, countries: dict[str, Any], goods: list[dict[str, Any]],
              scheme: str, credential: dict[str, Any] = {}) -> dict[str, Any]:  # noqa: B006
        """Called by: for a certificate of origin, the customs of the origin country; for a
        certificate of conformity, an inspection body. `scheme` is the trade agreement (origin,
        e.g. AfCFTA) or the programme (conformity, e.g. PVOC). `credential` ({issuer_key,
        list_id, index}) when the certificate is a verifiable credential, not a document."""
        if not isinstance(certificate_id, str) or not _ID.fullmatch(certificate_id):
            raise _refuse("BAD_CERTIFICATE", "certificate_id must be 1-64 of A-Z a-z 0-9 _ . : / -")
        if kind not in KINDS:
            raise _refuse("BAD_CERTIFICATE", f"kind is one of {', '.join(KINDS)}")
        if not _NAME.fullmatch(scheme):
            raise _refuse("BAD_CERTIFICATE", "scheme names the agreement or programme (1-40 characters)")
        role, doc_type = KINDS[kind]
        issuer = ctx.read("governance", f"org/{ctx.caller.org}") or {}
        countries = check_countries(countries)
        origin, destination = countries["origin"], countries["destination"]
        if role not in ctx.caller.roles or (kind == "origin" and issuer.get("country") != origin):
            raise _refuse("NOT_THE_AUTHORITY", f"a certificate of {kind} is issued by "
                          + ("the customs of the origin country" if kind == "origin" else "an inspection body"))
        customs = ctx.read("governance", f"org/{importing_customs}")
        if customs is None or "customs" not in customs.get("roles", []) or customs.get("country") != destination:
            raise _refuse("WRONG_CUSTOMS", f"{importing_customs} is not the customs of {destination}")
        if ctx.read("governance", f"org/{importer}") is None:
            raise _refuse("BAD_CERTIFICATE", f"importer {importer} is not a member")
        if not _HEX64.fullmatch(target_hash):
            raise _refuse("BAD_CERTIFICATE", "target_hash is 64 lowercase hex digits")
        signed = _credential(ctx, credential) if credential else None
        document = None if signed else ctx.read("documents", f"doc/{target_hash}")
        if not signed and (document is None or document["issuer"] != ctx.caller.org or document["doc_type"] != doc_type
                           or document["status"] != "issued"):
            raise _refuse("DOCUMENT_NOT_ISSUED", f"the {doc_type.replace('_', ' ')} {target_hash[:12]}... is not "
                          f"anchored (and in force) by {ctx.caller.org}")
        if ctx.get(f"certificate/{certificate_id}") is not None:
            raise _refuse("ALREADY_EXISTS", f"certificate {certificate_id} exists")
        record = {"id": certificate_id, "kind": kind, "scheme": scheme, "issuer": ctx.caller.org,
                  "target_hash": target_hash, "form": "credential" if signed else "document", "credential": signed, "importer": importer, "importing_customs": importing_customs,
                  "countries": {"origin": origin, "destination": destination}, "goods": _goods(goods),
                  "status": "issued", "used_on": None, "parties": sorted({ctx.caller.org, importer, importing_customs}),
                  "history": [{"status": "issued", "by": ctx.caller.org, "at": ctx.timestamp}]}
        ctx.put(f"certificate/{certificate_id}", record)
        ctx.emit("certificate_issued", {"id": certificate_id, "kind": kind, "to": importing_customs})
        return record

    @function(policy={"role": "*"}, callers=PARTIES)
    def send(self, ctx: Context, certificate_id: str) -> dict[str, Any]:
        """Called by: the issuer, once, to the importing customs."""
        record = self._record(ctx, certificate_id)
        if ctx.caller.org != record["issuer"]:
            raise _refuse("NOT_THE_AUTHORITY", "only the issuer sends its certificate")
        self._expect(record, "issued")
        return self._move(ctx, record, "sent")

    @function(policy={"role": "*"}, callers=PARTIES)
    def receive(self, ctx: Context, certificate_id: str, target_hash: str) -> dict[str, Any]:
        """Called by: the importing customs, with the target hash of the document it received."""
        record = self._addressed(ctx, certificate_id)
        self._expect(record, "sent")
        if target_hash != record["target_hash"]:
            raise _refuse("CERTIFICATE_ALTERED", f"the document received hashes to {target_hash[:12]}..., the issuer "
                          f"anchored {record['target_hash'][:12]}...")
        self._in_force(ctx, record)
        return self._move(ctx, record, "received")

    @function(policy={"role": "*"}, callers=PARTIES)
    def utilise(self, ctx: Context, certificate_id: str, declaration_id: str) -> dict[str, Any]:
        """Called by: the importing customs, on one declaration lodged with it by the importer."""
        record = self._addressed(ctx, certificate_id)
        self._expect(record, "received")
        self._in_force(ctx, record)
        declaration = ctx.read(DECLARATIONS, f"declaration/{declaration_id}")
        if declaration is None or declaration["customs"] != ctx.caller.org or declaration["declarant"] != record["importer"] \
                or declaration["countries"]["origin"] != record["countries"]["origin"] \
                or declaration["status"] in ("released", "rejected"):
            raise _refuse("WRONG_DECLARATION", f"declaration {declaration_id} is not an open declaration of "
                          f"{record['importer']} lodged here for goods from {record['countries']['origin']}")
        why = covers(record, declaration["items"])
        if why is not None:
            raise _refuse("GOODS_NOT_COVERED", f"certificate {certificate_id} does not cover {why}")
        return self._move(ctx, {**record, "used_on": declaration_id}, "utilised")

    @function(policy={"role": "*"}, callers=PARTIES)
    def reject(self, ctx: Context, certificate_id: str, reason: str) -> dict[str, Any]:
        """Called by: the importing customs, before using the certificate, with its reason."""
        record = self._addressed(ctx, certificate_id)
        self._expect(record, "sent", "received")
        if not reason.strip():
            raise _refuse("BAD_CERTIFICATE", "a rejection gives its reason")
        return self._move(ctx, {**record, "rejection": reason[:500]}, "rejected")

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, certificate_id: str) -> dict[str, Any]:
        """Called by: the issuer, the importer or the importing customs; to others it does not exist."""
        record = ctx.get(f"certificate/{certificate_id}") if isinstance(certificate_id, str) and certificate_id else None
        if record is None or ctx.caller.org not in record["parties"]:
            raise _refuse("NOT_FOUND", f"no certificate {certificate_id}")
        return record  # type: ignore[no-any-return]

    @function(query=True, callers=ANY_MEMBER)
    def addressed(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: any member, about itself: the certificates sent to it (as importing customs)
        or naming it (as issuer or importer), oldest first."""
        org = ctx.caller.org
        return [value for _, value in ctx.range("certificate/") if org in value["parties"]]

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def _record(ctx: Context, certificate_id: str) -> dict[str, Any]:
        record = ctx.get(f"certificate/{certificate_id}") if isinstance(certificate_id, str) and certificate_id else None
        if record is None or ctx.caller.org not in record["parties"]:
            raise _refuse("NOT_FOUND", f"no certificate {certificate_id}")
        return record  # type: ignore[no-any-return]

    def _addressed(self, ctx: Context, certificate_id: str) -> dict[str, Any]:
        record = self._record(ctx, certificate_id)
        if ctx.caller.org != record["importing_customs"]:
            raise _refuse("NOT_ADDRESSEE", f"certificate {certificate_id} is addressed to {record['importing_customs']}")
        return record

    @staticmethod
    def _expect(record: dict[str, Any], *states: str) -> None:
        status = record["status"]
        if status in states:
            return
        if status == "utilised":
            raise _refuse("CERTIFICATE_USED", f"certificate {record['id']} was utilised on {record['used_on']}",
                          used_on=record["used_on"])
        if status == "rejected":
            raise _refuse("CERTIFICATE_REJECTED", f"certificate {record['id']} was rejected: {record.get('rejection', '')}")
        if "received" in states and status in ("issued", "sent"):
            raise _refuse("CERTIFICATE_NOT_RECEIVED", f"certificate {record['id']} is {status}, not received")
        raise _refuse("WRONG_STATE", f"certificate {record['id']} is {status}")

    @staticmethod
    def _in_force(ctx: Context, record: dict[str, Any]) -> None:
        signed = record.get("credential")
        if signed:
            listed = ctx.read(CREDENTIALS, f"list/{record['issuer']}/{signed['list_id']}") or {}
            revoked = signed["index"] in listed.get("set", [])
        else:
            document = ctx.read("documents", f"doc/{record['target_hash']}")
            revoked = document is None or document["status"] != "issued"
        if revoked:
            raise _refuse("CERTIFICATE_REVOKED", f"the issuer revoked certificate {record['id']}'s {record.get('form', 'document')}")

    @staticmethod
    def _move(ctx: Context, record: dict[str, Any], status: str) -> dict[str, Any]:
        record = {**record, "status": status,
                  "history": record["history"] + [{"status": status, "by": ctx.caller.org, "at": ctx.timestamp}]}
        ctx.put(f"certificate/{record['id']}", record)
        ctx.emit(f"certificate_{status}", {"id": record["id"], "kind": record["kind"], "by": ctx.caller.org})
        return record


def _credential(ctx: Context, credential: dict[str, Any]) -> dict[str, Any]:
    """The credential's key and revocation entry, if the key is the caller's and the entry is one
    it reserved in a revocation list of its own (and not yet revoked)."""
    key, list_id, index = credential.get("issuer_key"), credential.get("list_id"), credential.get("index")
    if set(credential) != {"issuer_key", "list_id", "index"} or not isinstance(key, str) or not isinstance(list_id, str) \
            or not isinstance(index, int) or isinstance(index, bool):
        raise _refuse("BAD_CERTIFICATE", "credential is {issuer_key, list_id, index}")
    registered = ctx.read(CREDENTIALS, f"issuer/{key}") if 0 < len(key) <= 100 else None
    listed = ctx.read(CREDENTIALS, f"list/{ctx.caller.org}/{list_id}") if _ID.fullmatch(list_id) else None
    if registered is None or registered["org"] != ctx.caller.org or listed is None \
            or listed["purpose"] != "revocation" or not 0 <= index < listed["next"]:
        raise _refuse("DOCUMENT_NOT_ISSUED", f"the credential's key is not registered to {ctx.caller.org}, or its "
                      f"revocation entry {list_id}#{index} is not one {ctx.caller.org} reserved")
    if index in listed["set"]:
        raise _refuse("CERTIFICATE_REVOKED", f"entry {list_id}#{index} is already revoked")
    return {"issuer_key": key, "list_id": list_id, "index": index}


def _goods(goods: Any) -> list[dict[str, Any]]:
    if not isinstance(goods, list) or not 0 < len(goods) <= MAX_GOODS:
        raise _refuse("BAD_CERTIFICATE", f"a certificate covers 1 to {MAX_GOODS} goods")
    out = []
    for n, g in enumerate(goods, start=1):
        q = g.get("quantity") if isinstance(g, dict) else None
        if not isinstance(g, dict) or not is_hs_code(g.get("hs_code")) or g.get("unit") not in UNIT_CODES \
                or not isinstance(q, int) or isinstance(q, bool) or q <= 0:
            raise _refuse("BAD_CERTIFICATE", f"goods {n} needs hs_code, quantity (a positive whole number) and unit")
        out.append({"hs_code": g["hs_code"], "quantity": q, "unit": g["unit"],
                    "description": str(g.get("description", ""))[:200]})
    return out
