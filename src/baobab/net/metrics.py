"""Prometheus metrics of a node, on a registry of its own (so several nodes can share a process
in tests): block height, transactions committed by validation code (their rate is the committed
transactions per second; the non-VALID codes are the validation failures), endorsement latency
and the lag behind the block stream."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class NodeMetrics:
    def __init__(self, org: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"org": org} if org else {}
        self.height = Gauge("baobab_block_height", "Committed blocks (the next block's number)",
                            registry=self.registry)
        self.committed = Counter("baobab_transactions_total", "Transactions committed, by validation code",
                                 ["code"], registry=self.registry)
        self.endorse_latency = Histogram("baobab_endorsement_seconds", "Time to gather a proposal's endorsements",
                                         registry=self.registry,
                                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.lag_source: Callable[[], int] = lambda: 0
        lag = Gauge("baobab_stream_lag_blocks", "Blocks in the stream not yet committed by this node",
                    registry=self.registry)
        lag.set_function(lambda: self.lag_source())
        info = Gauge("baobab_node_info", "This node's organisation", list(labels), registry=self.registry)
        if labels:
            info.labels(**labels).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)
