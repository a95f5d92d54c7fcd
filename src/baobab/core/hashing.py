"""SHA-256 over canonical JSON: the one way Baobab turns a value into a digest."""

from __future__ import annotations

import hashlib
from typing import Any

from baobab.core.jcs import canonicalize


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value: Any) -> bytes:
    """SHA-256 of the RFC 8785 canonical form of a JSON value."""
    return hashlib.sha256(canonicalize(value)).digest()


def digest_hex(value: Any) -> str:
    return hashlib.sha256(canonicalize(value)).hexdigest()
