"""The languages Baobab speaks to people (pages, USSD menus) and the way it writes money.

Catalogues are gettext `.po` files under `locale/<lang>/LC_MESSAGES/` (extract new messages
with the command in `babel.cfg`; English is the source language). A reader gets the first
language of its `Accept-Language` header that the pages speak, English otherwise; Arabic is laid
out right to left. Amounts are written as people read them in their language, with the
currency, never as minor units.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from baobab.core.money import MINOR_UNITS

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "fr", "es", "pt", "sw", "ar")
RIGHT_TO_LEFT = frozenset({"ar"})


def negotiate(accept_language: str | None) -> str:
    """The language to answer in, from an Accept-Language header (RFC 9110, q-values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.strip()))
    preferred = [tag.replace("_", "-") for _, _, tag in sorted(ranked)]
    return str(Locale.negotiate(preferred, LANGUAGES, sep="-") or "en")


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def money(amount: Any, lang: str) -> str:
    """{currency, minor} (or an object with those attributes) as the reader writes it: 'KES 1,250.00',
    '1 250,00 €'..."""
    currency = amount["currency"] if isinstance(amount, dict) else amount.currency
    minor = amount["minor"] if isinstance(amount, dict) else amount.minor
    value = Decimal(int(minor)).scaleb(-MINOR_UNITS.get(currency, 2))
    return str(format_currency(value, currency, locale=lang))


def number(value: Any, lang: str) -> str:
    return str(format_decimal(value, locale=lang))


def when(value: Any, lang: str) -> str:
    """An ISO 8601 date or timestamp as the reader writes it ('3 Dec 2026, 09:40' in UTC); '—' for none."""
    if not value:
        return "—"
    text = str(value)
    try:
        if len(text) == 10:
            return str(format_date(date.fromisoformat(text), "medium", locale=lang))
        return str(format_datetime(datetime.fromisoformat(text.replace("Z", "+00:00")), "medium", tzinfo=None, locale=lang))
    except ValueError:
        return text
