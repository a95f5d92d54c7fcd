"""The OpenAPI pages work on a network without internet: every script, style sheet and icon
of Swagger UI and ReDoc comes from the node itself."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import Up


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_openapi_pages_load_nothing_from_another_host(up: Up, page: str) -> None:
    html = httpx.get(up.url + page).text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and "/openapi.json" in html
    assert not re.search(r"https?://|//[a-z]", html), "the page names another host"
    for asset in assets:
        response = httpx.get(up.url + asset)
        assert response.status_code == 200 and response.content, asset
