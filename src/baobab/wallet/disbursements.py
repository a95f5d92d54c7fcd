"""Bulk disbursements: one payer (a cooperative, an NGO, a government programme) pays many wallets
from one file, and gets back a result for every line.

The file is CSV with a header `phone,amount,reference` (amount in major units, "1250.50"). Each
line is paid in its own savepoint: a bad line (a malformed number, an amount with too many
decimals, a wallet that does not exist or whose tier cannot take it, a payer who has run out) is
refused with its stable code and the others go on. The result file repeats each line with
`status` (paid or refused), `code` and the movement id, in the order given.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.wallet.provider import Provider

MAX_LINES = 10_000
HEADER = ["phone", "amount", "reference"]


@dataclass(frozen=True)
class Line:
    number: int
    phone: str
    amount: str
    reference: str
    status: str = ""
    code: str = ""
    movement: str = ""


def read_lines(text: str) -> list[Line]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or [f.strip().lower() for f in reader.fieldnames[:3]] != HEADER:
        raise BaobabError("MALFORMED", f"a disbursement file starts with the header {','.join(HEADER)}")
    lines = [Line(i, (row.get("phone") or "").strip(), (row.get("amount") or "").strip(), (row.get("reference") or "").strip())
             for i, row in enumerate(reader, start=2)]
    if len(lines) > MAX_LINES:
        raise BaobabError("MALFORMED", f"at most {MAX_LINES} lines per file")
    return lines


def disburse(provider: Provider, payer: str, text: str, *, at: datetime | None = None) -> str:
    """Pay every line of `text` from the wallet `payer` (already authorised by its holder);
    returns the result file."""
    results = []
    for line in read_lines(text):
        try:
            minor = Money.parse(line.amount, provider.scheme.currency).minor
            movement = provider.transfer_authorised(provider.msisdn(payer), provider.msisdn(line.phone), minor,
                                                   reference=line.reference, at=at)
            results.append(Line(line.number, line.phone, line.amount, line.reference, "paid", "", movement))
        except BaobabError as exc:
            results.append(Line(line.number, line.phone, line.amount, line.reference, "refused", exc.code, ""))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", *HEADER, "status", "code", "movement"])
    for r in results:
        writer.writerow([r.number, r.phone, r.amount, r.reference, r.status, r.code, r.movement])
    return out.getvalue()
