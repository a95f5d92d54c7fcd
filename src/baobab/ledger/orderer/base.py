"""The ordering interface. Embedded (in-process) and replicated (JetStream) orderers both
accept envelopes and deliver signed blocks, in order, to one callback."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

Deliver = Callable[[dict[str, Any]], None]


class Orderer(ABC):
    @abstractmethod
    def start(self, height: int, head_hash: str, deliver: Deliver) -> None:
        """Begin cutting blocks after block `height - 1`, whose hash is `head_hash`."""

    @abstractmethod
    def submit(self, envelope: dict[str, Any], data: bytes) -> None:
        """Queue an endorsed envelope, given with its canonical bytes `data`, for ordering."""

    @abstractmethod
    def stop(self) -> None:
        """Cut what is queued, deliver it, and stop."""
