"""`python -m baobab.net CONFIG`: run one node (what `baobab node --config CONFIG` does)."""

import logging
import sys

from baobab.net.config import NodeConfig
from baobab.net.server import run

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
logging.getLogger("nats").setLevel(logging.WARNING)
run(NodeConfig.load(sys.argv[1]))
