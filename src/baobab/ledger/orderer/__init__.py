"""Ordering services: put endorsed transactions in a total order and cut signed blocks."""

from baobab.ledger.orderer.base import Orderer
from baobab.ledger.orderer.embedded import EmbeddedOrderer

__all__ = ["Orderer", "EmbeddedOrderer"]
