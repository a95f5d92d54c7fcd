"""What the browser tests need: Debian's Chromium driven by Playwright, and axe-core.

No browser is downloaded: Playwright drives the system's `chromium` (Debian's package, which
`.ci/run` installs when it is missing; `BAOBAB_CHROMIUM` names another). axe-core comes from the
npm registry, installed once by `npm` into a cache folder (`BAOBAB_NPM_CACHE`, default
~/.cache/baobab/npm) and injected into each page. In CI a missing browser fails the tests;
elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

AXE_VERSION = "4.10.3"
NPM_CACHE = Path(os.environ.get("BAOBAB_NPM_CACHE") or Path.home() / ".cache" / "baobab" / "npm")
SEVERE = ("serious", "critical")


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI must install it: see .ci/run)")
    pytest.skip(why)


def chromium() -> str:
    path = os.environ.get("BAOBAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        _missing("Debian's chromium is not installed (apt-get install chromium)")
    return path  # type: ignore[return-value]


def axe_source() -> str:
    """axe-core's script, installed with npm into the cache folder the first time."""
    script = NPM_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        if not shutil.which("npm"):
            _missing("npm is not installed: it installs axe-core for the accessibility checks")
        NPM_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(NPM_CACHE), f"axe-core@{AXE_VERSION}"],
                       check=True, capture_output=True, timeout=600)
    return script.read_text()


def severe_violations(page: Any, axe: str) -> list[str]:
    """axe-core's WCAG 2.1 A/AA checks on the page as it is now: the serious and critical ones."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe)
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in SEVERE]
