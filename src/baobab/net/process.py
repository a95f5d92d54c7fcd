"""Starting node processes on this machine: free ports, and waiting until a node answers.

Used by `baobab network local`, the tests that run real node processes and the benchmarks.
"""

from __future__ import annotations

import socket
import subprocess

import httpx


def free_ports(n: int) -> list[int]:
    """`n` distinct ports free on 127.0.0.1 now (held together, so none is given twice)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port() -> int:
    return free_ports(1)[0]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], *, attempts: int = 600, poll_s: float = 0.05) -> None:
    """Poll `url`/health until it answers 200; between polls wait on the process, so that a
    process that dies says so at once instead of being waited for."""
    for _ in range(attempts):
        try:
            if httpx.get(url + "/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        try:
            proc.wait(timeout=poll_s)
            raise RuntimeError(f"node process exited with {proc.returncode}")
        except subprocess.TimeoutExpired:
            continue
    raise RuntimeError(f"the node at {url} did not become ready")


def stop(proc: subprocess.Popen[bytes], *, timeout_s: float = 20) -> None:
    """Ask a started process to end (SIGTERM), and kill it if it has not within `timeout_s`."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
