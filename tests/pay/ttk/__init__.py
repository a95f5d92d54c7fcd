"""Mojaloop's Testing Toolkit (the `ml-testing-toolkit` npm package) run against the switch.

The toolkit is installed from the npm registry into a cache folder the first time (a minute or
two), then started offline (no database) in a folder of its own, its inbound FSPIOP server on
port 4040 and its control API on 5050 (fixed by the package). Collections are posted to
`/api/outbound/template/{trace}?sync=true`, which runs every request of every test case and
answers with each assertion's result.

`p2p_happy_path.json` is copied unmodified from mojaloop/testing-toolkit-test-cases
(collections/hub/golden_path/feature_tests/p2p_money_transfer/, commit e9ef9b7), Apache License 2.0,
Copyright © 2020-2024 Mojaloop Foundation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

VERSION = "18.19.2"
# 18.19.2 names @mojaloop/ml-testing-toolkit-shared-lib 14.3.3, which the registry does not serve;
# 14.3.0, the latest it serves, is pinned in its place.
OVERRIDES = {"@mojaloop/ml-testing-toolkit-shared-lib": "14.3.0"}
INBOUND_PORT, CONTROL_PORT = 4040, 5050
HERE = Path(__file__).parent


def cache_dir() -> Path:
    base = Path(os.environ.get("BAOBAB_CACHE", Path.home() / ".cache" / "baobab"))
    return base / f"ml-testing-toolkit-{VERSION}"


def install() -> Path:
    """The toolkit's entry point, installed with npm if it is not yet in the cache."""
    root = cache_dir()
    entry = root / "node_modules" / "ml-testing-toolkit" / "src" / "index.js"
    if entry.exists():
        return entry
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install Mojaloop's Testing Toolkit")
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(json.dumps({
        "name": "baobab-ttk", "private": True, "dependencies": {"ml-testing-toolkit": VERSION}, "overrides": OVERRIDES}))
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root, check=True, timeout=900)
    return entry


class Toolkit:
    """A running toolkit, in `work` (its spec_files copied there, as it reads them from its folder)."""

    def __init__(self, work: Path, signing_key_pem: bytes | None = None) -> None:
        """`signing_key_pem`: the toolkit signs what it sends (FSPIOP-Signature, RS256) with it."""
        entry = install()
        shutil.copytree(entry.parent.parent / "spec_files", work / "spec_files")
        shutil.copytree(entry.parent.parent / "secrets", work / "secrets")
        config = json.loads((work / "spec_files" / "user_config.json").read_text())
        # it plays FSPs through its collections only: no automatic mock callbacks of its own
        config.update({"CALLBACK_TIMEOUT": 15000, "DEFAULT_REQUEST_TIMEOUT": 10000, "SEND_CALLBACK_ENABLE": False})
        if signing_key_pem is not None:
            (work / "secrets" / "privatekey.pem").write_bytes(signing_key_pem)
            config.update({"JWS_SIGN": True, "JWS_SIGN_PUT_PARTIES": True})
        (work / "spec_files" / "user_config.json").write_text(json.dumps(config))
        self.log = (work / "toolkit.log").open("wb")
        self.process = subprocess.Popen([shutil.which("node") or "node", str(entry)], cwd=work,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{CONTROL_PORT}"
        self.inbound = f"http://127.0.0.1:{INBOUND_PORT}"
        deadline = time.monotonic() + 120
        while not self._listening():  # it loads a dozen API definitions before it listens
            try:
                self.process.wait(timeout=0.5)
                raise RuntimeError(f"the toolkit stopped: see {work / 'toolkit.log'}")
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the toolkit did not start: see {work / 'toolkit.log'}") from None

    def _listening(self) -> bool:
        try:
            return httpx.get(self.url + "/api/config/user", timeout=1).status_code == 200 and \
                httpx.get(self.inbound + "/", timeout=1).status_code > 0
        except httpx.HTTPError:
            return False

    def run(self, collection: dict[str, Any], inputs: dict[str, Any], trace: str) -> dict[str, Any]:
        # FSPIOP v1.1 ids are UUIDs (the toolkit makes ULIDs unless the run asks otherwise)
        template = {"name": collection["name"], "inputValues": inputs, "test_cases": collection["test_cases"],
                    "options": {"generateIDType": "uuid"}}
        r = httpx.post(f"{self.url}/api/outbound/template/{trace}", params={"sync": "true"}, json=template, timeout=900)
        r.raise_for_status()
        return r.json()  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def assertions(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(test case, request, assertion, status) for every assertion the toolkit ran."""
    out = []
    for case in result.get("test_cases", []):
        for request in case.get("requests", []):
            for a in (request.get("request", {}).get("tests") or {}).get("assertions") or []:
                out.append((case.get("name", ""), request.get("request", {}).get("description", ""), a.get("description", ""),
                            (a.get("resultStatus") or {}).get("status", "NOT RUN")))
    return out
