"""Node-to-node requests are refused when replayed, also by a node that has restarted since:
the peers' nonces are kept on disk with the clients' (the network-mode restart itself is tried in
tests/network/test_network.py)."""

from __future__ import annotations

from pathlib import Path

from baobab.api.memory import ApiMemory
from baobab.net.auth import PeerNonces


def test_a_peer_nonce_is_refused_again_after_a_restart(tmp_path: Path) -> None:
    memory = ApiMemory(tmp_path / "api.sqlite")
    assert PeerNonces(memory).use("BPLATA", "n" * 32)
    assert not PeerNonces(memory).use("BPLATA", "n" * 32)
    memory.close()  # the node stops; a new process opens the same file
    reopened = ApiMemory(tmp_path / "api.sqlite")
    try:
        assert not PeerNonces(reopened).use("BPLATA", "n" * 32)
        assert PeerNonces(reopened).use("KLTB", "n" * 32)  # nonces are per organisation
    finally:
        reopened.close()


def test_a_peer_cannot_spend_a_clients_nonce(tmp_path: Path) -> None:
    """Peer and client nonces share a table but not a name space: `peer:ORG` is no client identity."""
    memory = ApiMemory(tmp_path / "api.sqlite")
    try:
        assert memory.use_nonce("BPLATA/app", "m" * 32, 120)
        assert PeerNonces(memory).use("BPLATA", "m" * 32)
    finally:
        memory.close()
