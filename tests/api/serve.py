"""Run a real node process for the API tests: `python serve.py DATA_DIR PORT`.

The default contracts plus the test-only `deals` contract, the reactor and the payments agent; uvicorn on 127.0.0.1:PORT."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deals_contract import Deals  # noqa: E402

from baobab.api.app import create_app  # noqa: E402
from baobab.contracts import default_registry  # noqa: E402
from baobab.embedded import open_node  # noqa: E402
from baobab.services import demo_services  # noqa: E402


def main(data_dir: str, port: int) -> None:
    registry = default_registry()
    registry.install(Deals())
    node = open_node(data_dir, registry)
    services = demo_services(node, Path(data_dir))  # as `baobab up`: reactions and payments run on their own
    try:
        uvicorn.run(create_app(node, data_dir, max_body_bytes=64 * 1024), host="127.0.0.1", port=port,
                    log_level="warning", timeout_graceful_shutdown=2)
    finally:
        services.stop()
        node.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
