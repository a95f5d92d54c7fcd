"""A node under load, for the crash test: submits transfers from several threads and prints
`ACK <signed proposal JSON> <code>` after each commit, until it is killed."""

from __future__ import annotations

import json
import sys
import threading

from baobab import embedded
from baobab.client import Identity
from baobab.core.errors import BaobabError

ACCOUNTS = 20


def main(data_dir: str) -> None:
    node = embedded.open_node(data_dir)
    bank = Identity.load(data_dir, node.network, "KEBANK")
    out_lock = threading.Lock()

    def run(worker: int) -> None:
        i = 0
        while True:
            i += 1
            src, dst = (worker * 7 + i) % ACCOUNTS, (worker * 7 + i + 1) % ACCOUNTS
            signed = bank.proposal("accounts", "transfer", {"src": f"acc{src}", "dst": f"acc{dst}", "amount": 1})
            try:
                outcome = node.submit(signed)
            except BaobabError:
                continue  # refused before ordering: never acknowledged
            with out_lock:
                sys.stdout.write(f"ACK {json.dumps(signed)} {outcome.code}\n")
                sys.stdout.flush()

    threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(4)]
    for t in threads:
        t.start()
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main(sys.argv[1])
