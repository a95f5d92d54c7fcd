"""The duplicate-financing registry: platforms register fingerprints, never invoices.

A financing platform (an organisation with role bank: an exchange, a factor, a bank)
registers each financeable document (invoice, purchase order, bill of lading, warehouse
receipt) before financing it. It sends only the document's keyed fingerprint set, computed
off the ledger with the network fingerprint key (`baobab.risk.fingerprint(...).to_json()`):
one fingerprint per rule to register, and the probe fingerprints (own and neighbouring
buckets) to look up. The registry looks the probes up and answers with flags: an exact match
of another platform's registration is red, a near match amber; each flag names the platform
holding the earlier registration, its registration id and the rule that matched.
The network's rule for red flags (`config.red_flags`) is "mark" (register it, with status
registered duplicate) or "refuse" (record the refusal, register nothing).

Statuses: registered_unique, registered_duplicate, duplicate_of_financed, financed, cancelled,
repaid. Only the registering platform can finance, cancel or mark repaid its registrations;
a repaid registration can be financed again. Financing is refused while another platform's
registration of the same document (exact match) is financed; when a platform finances, the
other platforms' open registrations of the same document become duplicate_of_financed.
Cancelled and repaid registrations raise no flags.

What another platform can learn. Registrations are stored as `reg/<id>` and every query
checks `ctx.caller.org` against the owner, so a platform cannot read another's
registrations (kind, fingerprints, flags, status, history). The index `fp/<fingerprint hex>`
is keyed by digest only and holds [platform, registration] pairs; the contract exposes no
query over it. What another platform learns is only this: a fingerprint that it computed
itself, from a document it holds, already exists, which platform holds it and under which
rule, when it registers that document. Every such lookup is a registration or a refusal
written to the ledger and attributable to the platform, so probing for guessed invoices is
on the record. The fingerprints are keyed (HMAC under the members' key), so anyone outside
the network who reads raw state cannot test guesses. See docs/DUPLICATE_FINANCING.md.

Settings (`governance:setting/financing_registry`, changed only by a quorum of admins through
the governance contract's `configure` action): {"red_flags": "mark" | "refuse", "epoch": int}.

State (namespace "financing_registry"):
    reg/<id>                 a registration (key policy: its platform's endorsement)
    by/<platform>/<id>       index of a platform's registrations
    fp/<fingerprint hex>     [[platform, registration], ...]
    refused/<platform>/<id>  a refused registration (red flag under the "refuse" rule)

The flag decision is `baobab.risk.flags.flags_from_hits`, the same pure rule the
off-ledger screening index uses.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.contracts.finance.refusals import FINANCE_REASONS, refuse
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, ContractError, function
from baobab.risk.flags import NEAR_RULES, RULES, flags_from_hits
from baobab.vocab.trade import DOCUMENT_KINDS

BANKS = {"role": "bank"}
FINGERPRINT_VERSION = 1
MAX_PROBES = 16  # per rule; the risk module sends 1, 3, 9, 13 and 13
HEX_FP = r"^[0-9a-f]{32}$"
REG_ID = r"^[0-9a-f]{24}$"
DEFAULT_CONFIG = {"red_flags": "mark", "epoch": 0}
RED_RULES = ("mark", "refuse")

UNIQUE, DUPLICATE, DUP_FINANCED = "registered_unique", "registered_duplicate", "duplicate_of_financed"
FINANCED, CANCELLED, REPAID = "financed", "cancelled", "repaid"
# Registrations that still stand for a live or possible financing: they raise flags.
ACTIVE = (UNIQUE, DUPLICATE, DUP_FINANCED, FINANCED)
FINANCEABLE = (UNIQUE, DUPLICATE, DUP_FINANCED, REPAID)
CANCELLABLE = (UNIQUE, DUPLICATE, DUP_FINANCED)


def _malformed(message: str) -> ContractError:
    return refuse("MALFORMED", f"fingerprints: {message}", field="fingerprints")


def check_fingerprints(data: dict[str, Any], epoch: int) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Validate a fingerprint set (FingerprintSet.to_json()); return (registered, probes) by rule."""
    if data.get("version") != FINGERPRINT_VERSION or set(data) != {"version", "epoch", "exact", "near", "probes"}:
        raise _malformed(f"an object {{version: {FINGERPRINT_VERSION}, epoch, exact, near, probes}}")
    if data["epoch"] != epoch or isinstance(data["epoch"], bool):
        raise refuse("BAD_ARGUMENT", f"fingerprints use key epoch {data['epoch']!r}; the network is at epoch {epoch}",
                          field="fingerprints.epoch")
    near, probes = data["near"], data["probes"]
    if not isinstance(near, dict) or not isinstance(probes, dict):
        raise _malformed("near and probes are objects")
    if not set(near) <= set(NEAR_RULES) or set(probes) != {"exact", *near}:
        raise _malformed(f"near rules among {', '.join(NEAR_RULES)}, and probes for exact and each near rule")
    registered = {"exact": data["exact"], **{r: near[r] for r in NEAR_RULES if r in near}}
    for rule in registered:
        fps = probes[rule]
        if not isinstance(fps, list) or not 1 <= len(fps) <= MAX_PROBES:
            raise _malformed(f"probes.{rule} is a list of 1 to {MAX_PROBES} fingerprints")
        if not all(isinstance(fp, str) and re.fullmatch(HEX_FP, fp) for fp in [registered[rule], *fps]):
            raise _malformed("a fingerprint is 32 lowercase hex digits")
        if fps[0] != registered[rule]:
            raise _malformed(f"the first {rule} probe is the registered {rule} fingerprint")
    if len(set(registered.values())) != len(registered):
        raise _malformed("each rule has its own fingerprint")
    return registered, {r: probes[r] for r in RULES if r in probes}


def check_settings(value: Any, current: dict[str, Any] | None) -> dict[str, Any]:
    """The registry's settings as governance may set them: {red_flags, epoch}; the key epoch
    never goes back (fingerprints of an older key could no longer be matched)."""
    if not isinstance(value, dict) or set(value) != {"red_flags", "epoch"}:
        raise refuse("BAD_ARGUMENT", "the financing registry's settings are {red_flags, epoch}")
    if value["red_flags"] not in RED_RULES:
        raise refuse("BAD_ARGUMENT", f"red_flags must be one of {', '.join(RED_RULES)}", field="red_flags")
    epoch = value["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < (current or DEFAULT_CONFIG)["epoch"]:
        raise refuse("BAD_ARGUMENT", "the key epoch is an integer that never goes back", field="epoch")
    return {"red_flags": value["red_flags"], "epoch": epoch}


class FinancingRegistry(Contract):
    name = "financing_registry"
    reasons = FINANCE_REASONS

    # --- helpers --------------------------------------------------------------------

    def _config(self, ctx: Context) -> dict[str, Any]:
        return ctx.read("governance", f"setting/{self.name}") or DEFAULT_CONFIG

    def _platform(self, ctx: Context) -> str:
        if "bank" not in ctx.caller.roles:
            raise refuse("FORBIDDEN", "only financing platforms (organisations with role bank) use the registry")
        return ctx.caller.org

    def _own(self, ctx: Context, registration: str) -> dict[str, Any]:
        """The caller's registration; another platform's is FORBIDDEN, whatever it is."""
        if not re.fullmatch(REG_ID, registration):
            raise refuse("BAD_ARGUMENT", f"{registration!r} is not a registration id", field="registration")
        record = ctx.get(f"reg/{registration}")
        if record is None:
            raise refuse("NOT_FOUND", f"no registration {registration}")
        ctx.require_party(f"reg/{registration}", [record["platform"]],
                          f"registration {registration} belongs to another platform", reason="FORBIDDEN")
        return record

    def _set_status(self, ctx: Context, record: dict[str, Any], status: str, **detail: Any) -> dict[str, Any]:
        updated = {**record, "status": status,
                   "history": [*record["history"], {"status": status, "at": ctx.timestamp, "tx": ctx.tx_id, **detail}]}
        ctx.put(f"reg/{record['id']}", updated)
        return updated

    def _require(self, record: dict[str, Any], allowed: tuple[str, ...], action: str) -> None:
        if record["status"] not in allowed:
            raise refuse("WRONG_STATUS", f"a {record['status']} registration cannot be {action}",
                              registration=record["id"], status=record["status"])

    def _holders(self, ctx: Context, fp: str) -> list[tuple[str, dict[str, Any]]]:
        """(platform, registration record) of the active registrations recorded under fp."""
        out = []
        for platform, registration in ctx.get(f"fp/{fp}") or []:
            record = ctx.get(f"reg/{registration}")
            if record is not None and record["status"] in ACTIVE:
                out.append((platform, record))
        return out

    # --- configuration (kept by governance) -----------------------------------------

    @function(query=True, callers=ANY_MEMBER)
    def config(self, ctx: Context) -> dict[str, Any]:
        """Called by: any member: the network's red-flag rule and fingerprint key epoch, which only
        a quorum of admins changes (governance action `configure`, setting "financing_registry")."""
        return self._config(ctx)

    # --- registration ---------------------------------------------------------------

    @function(policy=BANKS, callers=("bank",))
    def register(self, ctx: Context, kind: str, fingerprints: dict[str, Any]) -> dict[str, Any]:
        """Called by: a financing platform (role bank), for itself: screen a document's
        fingerprints and register it (or record the refusal)."""
        platform = self._platform(ctx)
        if kind not in DOCUMENT_KINDS:
            raise refuse("BAD_INVOICE", f"kind must be one of {', '.join(DOCUMENT_KINDS)}", field="kind")
        config = self._config(ctx)
        registered, probes = check_fingerprints(fingerprints, config["epoch"])
        hits = []
        for rule, fps in probes.items():
            for fp in fps:
                for holder, record in self._holders(ctx, fp):
                    if holder == platform and rule == "exact":
                        raise refuse("ALREADY_REGISTERED", f"{platform} already registered this document",
                                          registration=record["id"])
                    hits.append((rule, holder, record["id"]))
        flags = flags_from_hits(hits, platform)
        red = [f for f in flags if f["level"] == "red"]
        reg_id = ctx.tx_id[:24]
        if red and config["red_flags"] == "refuse":
            ctx.put(f"refused/{platform}/{reg_id}", {"id": reg_id, "platform": platform, "kind": kind,
                                                     "flags": flags, "at": ctx.timestamp})
            self._notify(ctx, platform, flags)
            return {"registration": reg_id, "status": "refused", "flags": flags}
        financed = any(ctx.get(f"reg/{f['registration']}")["status"] == FINANCED for f in red)
        status = DUP_FINANCED if financed else DUPLICATE if red else UNIQUE
        record = {"id": reg_id, "platform": platform, "kind": kind, "epoch": config["epoch"],
                  "fingerprints": registered, "status": status, "flags": flags, "registered_at": ctx.timestamp,
                  "history": [{"status": status, "at": ctx.timestamp, "tx": ctx.tx_id}]}
        ctx.put(f"reg/{reg_id}", record)
        ctx.set_key_policy(f"reg/{reg_id}", {"orgs": [platform]})
        ctx.put(f"by/{platform}/{reg_id}", {"kind": kind})
        for fp in registered.values():
            ctx.put(f"fp/{fp}", [*(ctx.get(f"fp/{fp}") or []), [platform, reg_id]])
        self._notify(ctx, platform, flags)
        ctx.emit("document_registered", {"platform": platform, "registration": reg_id, "status": status})
        return {"registration": reg_id, "status": status, "flags": flags}

    def _notify(self, ctx: Context, platform: str, flags: list[dict[str, Any]]) -> None:
        """Tell each holder of an earlier registration that another platform presented it."""
        for f in flags:
            ctx.emit("duplicate_flagged", {"holder": f["platform"], "registration": f["registration"],
                                           "presented_by": platform, "level": f["level"], "rule": f["rule"]})

    # --- lifecycle ------------------------------------------------------------------

    @function(policy=BANKS, callers=PARTIES)
    def finance(self, ctx: Context, registration: str) -> dict[str, Any]:
        """Called by: the platform that made the registration. Marks it financed, unless another
        platform financed the document."""
        record = self._own(ctx, registration)
        self._require(record, FINANCEABLE, "financed")
        others = [(p, r) for p, r in self._holders(ctx, record["fingerprints"]["exact"]) if p != record["platform"]]
        financed_by = sorted(p for p, r in others if r["status"] == FINANCED)
        if financed_by:
            raise refuse("DOUBLE_FINANCING", f"already financed on {', '.join(financed_by)}",
                              registration=registration, platforms=financed_by)
        updated = self._set_status(ctx, record, FINANCED)
        for _, other in others:
            if other["status"] in (UNIQUE, DUPLICATE):
                self._set_status(ctx, other, DUP_FINANCED, financed_elsewhere=record["platform"])
        ctx.emit("document_financed", {"platform": record["platform"], "registration": registration})
        return {"registration": registration, "status": updated["status"]}

    @function(policy=BANKS, callers=PARTIES)
    def mark_repaid(self, ctx: Context, registration: str) -> dict[str, Any]:
        """Called by: the platform that made the registration, once its financing is repaid."""
        record = self._own(ctx, registration)
        self._require(record, (FINANCED,), "marked repaid")
        self._set_status(ctx, record, REPAID)
        ctx.emit("document_repaid", {"platform": record["platform"], "registration": registration})
        return {"registration": registration, "status": REPAID}

    @function(policy=BANKS, callers=PARTIES)
    def cancel(self, ctx: Context, registration: str) -> dict[str, Any]:
        """Called by: the platform that made the registration. Withdraws a registration never
        financed; its fingerprints leave the index."""
        record = self._own(ctx, registration)
        self._require(record, CANCELLABLE, "cancelled")
        self._set_status(ctx, record, CANCELLED)
        for fp in record["fingerprints"].values():
            rest = [e for e in ctx.get(f"fp/{fp}") or [] if e[1] != registration]
            if rest:
                ctx.put(f"fp/{fp}", rest)
            else:
                ctx.delete(f"fp/{fp}")
        ctx.emit("registration_cancelled", {"platform": record["platform"], "registration": registration})
        return {"registration": registration, "status": CANCELLED}

    # --- queries (owner only) -------------------------------------------------------

    @function(query=True, callers=PARTIES)
    def registration(self, ctx: Context, registration: str) -> dict[str, Any]:
        """Called by: the platform that made the registration; another platform is refused."""
        return self._own(ctx, registration)

    @function(query=True, callers=ANY_MEMBER)
    def registrations(self, ctx: Context, status: str = "") -> list[dict[str, Any]]:
        """Called by: any member, about itself only: its registrations (optionally of one status), oldest id order."""
        prefix = f"by/{ctx.caller.org}/"
        out = []
        for key, _ in ctx.range(prefix):
            record = ctx.get(f"reg/{key[len(prefix):]}")
            if not status or record["status"] == status:
                out.append({k: record[k] for k in ("id", "kind", "status", "registered_at", "flags")})
        return out

    @function(query=True, callers=ANY_MEMBER)
    def refusals(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: any member, about itself only: its registrations refused under the "refuse" rule."""
        return [value for _, value in ctx.range(f"refused/{ctx.caller.org}/")]
