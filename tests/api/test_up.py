"""`baobab up` as a real process: first start creates the network and loads the stories,
SIGTERM stops it, and the next start reopens the same data without replaying anything."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from baobab.client import Identity
from baobab.demo import DEMO_NETWORK
from baobab.http_client import BaobabClient, health

from baobab.net.process import free_port, wait_healthy


def start(data, port):  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([sys.executable, "-m", "baobab.cli", "up", "--data", str(data), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_healthy(f"http://127.0.0.1:{port}", proc, attempts=2000)
    return proc


def stop(proc) -> str:  # type: ignore[no-untyped-def]
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    return out.decode()


def test_up_keeps_data_across_restarts(tmp_path):  # type: ignore[no-untyped-def]
    data, port = tmp_path / "data", free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start(data, port)
    try:
        played = json.loads((data / "stories-played.json").read_text())
        client = BaobabClient(url, Identity.load(data, DEMO_NETWORK, "KLTB"))
        outcome = client.submit("accounts", "open", {"account": "KLTB-restart", "currency": "MYR"})
        height = health(url)["height"]
    finally:
        out = stop(proc)
    assert f"{url}/openapi.json" in out and str(data / "keys" / "KLTB" / "clients" / "app.key") in out
    proc = start(data, port)
    try:
        assert health(url)["height"] == height  # nothing replayed
        assert json.loads((data / "stories-played.json").read_text()) == played
        client = BaobabClient(url, Identity.load(data, DEMO_NETWORK, "KLTB"))
        assert client.get("accounts", "acct/KLTB-restart")["version"][0] == outcome["block"]
    finally:
        stop(proc)


def test_up_once_sets_up_and_exits(tmp_path):  # type: ignore[no-untyped-def]
    result = subprocess.run([sys.executable, "-m", "baobab.cli", "up", "--data", str(tmp_path / "d"), "--once"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Authenticate as an organisation" in result.stdout
    assert (tmp_path / "d" / "genesis.json").exists()
