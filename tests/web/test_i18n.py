"""The pages and the USSD menus speak English, French, Spanish, Portuguese, Swahili and Arabic: every message has its
translation in every catalogue, the reader's preferred language is honoured, and money is
written as people read it, never in minor units."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from baobab.i18n import LANGUAGES, LOCALE_DIR, money, negotiate, translations

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "baobab"


def messages_in_use() -> set[str]:
    found = set()
    for folder, method in ((PACKAGE / "web" / "templates", "jinja2"), (PACKAGE / "web", "python"), (PACKAGE / "wallet", "python")):
        for _, _, message, _, _ in extract_from_dir(str(folder), method_map=[("**.html" if method == "jinja2" else "**.py", method)],
                                                    keywords={"_": None, "gettext": None, "say": (2,)}):
            found.add(message)
    return found


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_of_the_pages_is_translated(lang: str) -> None:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale=lang)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = messages_in_use() - translated
    assert not missing, f"{lang} lacks {sorted(missing)}"
    assert translations(lang).gettext("Sign in") != "Sign in"


@pytest.mark.parametrize("header, lang", [
    ("fr-SN,fr;q=0.9,en;q=0.8", "fr"), ("sw-KE", "sw"), ("de-DE,pt-BR;q=0.7", "pt"), ("en-GB;q=0.2, ar;q=0.9", "ar"),
    ("zz", "en"), ("", "en"), (None, "en"), ("es;q=abc, sw", "sw"),
])
def test_the_readers_first_spoken_language_is_chosen(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


def test_money_is_written_with_its_currency_and_decimals_per_language() -> None:
    assert money({"currency": "KES", "minor": 125_000}, "en") == "KES1,250.00"
    assert money({"currency": "KES", "minor": 125_000}, "sw") == "Ksh\xa01,250.00"
    assert money({"currency": "USD", "minor": 5}, "es") == "0,05\xa0US$"
    assert "1\u202f250,00" in money({"currency": "EUR", "minor": 125_000}, "fr") and "€" in money({"currency": "EUR", "minor": 125_000}, "fr")
    assert "1,250" in money({"currency": "JPY", "minor": 1_250}, "en") and ".00" not in money({"currency": "JPY", "minor": 1_250}, "en")
    assert "12.345" in money({"currency": "KWD", "minor": 12_345}, "en")  # three minor digits


def test_a_french_reader_gets_the_sign_in_page_in_french(tmp_path: Path) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from baobab.web.pages import Site, web_router
    from baobab.web.sessions import Sessions
    from baobab.web.users import Users

    app = FastAPI()
    site = Site(lookup=lambda h: {"issued": False}, org_name=lambda o: o, org_roles=lambda o: [])
    app.include_router(web_router(Users(tmp_path / "w.sqlite"), Sessions(tmp_path / "w.sqlite"), site))
    page = TestClient(app).get("/signin", headers={"Accept-Language": "fr-CI,fr;q=0.9"})
    assert '<html lang="fr" dir="ltr">' in page.text and "Mot de passe" in page.text and page.headers["content-language"] == "fr"
    wrong = TestClient(app).post("/signin", data={"org": "X", "username": "y", "password": "z"}, headers={"Accept-Language": "sw"})
    assert wrong.status_code == 401 and "si sahihi" in wrong.text
