"""A node process for the security tests: `python serve.py DATA_DIR PORT LIMITS_JSON`.

The embedded node of DATA_DIR behind the HTTP app, with the given `Limits` and the matching
uvicorn settings; the API's log (INFO) goes to stderr, which the tests read."""

from __future__ import annotations

import json
import logging
import sys

import uvicorn

from baobab.api.app import create_app
from baobab.api.limits import Limits, uvicorn_options
from baobab.embedded import open_node


def main(data_dir: str, port: int, limits_json: str) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    limits = Limits(**json.loads(limits_json))
    node = open_node(data_dir)
    try:
        uvicorn.run(create_app(node, data_dir, limits=limits), host="127.0.0.1", port=port, log_level="info",
                    access_log=False, timeout_graceful_shutdown=2, **uvicorn_options(limits))
    finally:
        node.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
