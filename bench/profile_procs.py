"""Sampling profiles of the network's processes while a benchmark runs (py-spy, when installed).

`Profiler(dir, pids)` starts one `py-spy record` per process (sampling only threads that run,
so the profile shows where CPU goes, not where threads wait) and, on `stop()`, writes for each
process `<name>.txt`: the functions with the most samples on their own (self) and under them
(inclusive), from py-spy's collapsed stacks `<name>.folded`. py-spy is a profiling tool, not
a dependency: `pip install py-spy` to use it; without it `--profile` says so and does nothing.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path

TOP = 25
# Leaf frames of a thread that waits, not works: py-spy takes a thread woken for a moment (a
# poll returning, a lock handed over) for a running one, so on a loaded machine such samples
# are many. They are left out of the summary.
WAITING = ("select (selectors.py)", "Condition.wait", "_worker (futures/thread.py)", "Queue.get",
           "Connection.wait (psycopg", "sleep", "Event.wait", "_wait_for_tstate_lock", "lock.acquire")


def _frame(entry: str) -> str:
    """'func (path/to/module.py:123)' -> 'func (module.py)': one line per function, not per line."""
    name, _, where = entry.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({'/'.join(Path(path).parts[-2:])})" if path else name


def summarise(folded: Path, top: int = TOP) -> str:
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_frame(f) for f in stack.split(";") if f and not f.startswith("process ") and not f.startswith("thread ")]
        if not frames or any(w in frames[-1] for w in WAITING):
            continue
        total += n
        self_time[frames[-1]] += n
        for f in set(frames):
            inclusive[f] += n
    out = [f"{folded.stem}: {total} samples at work (waits left out)"]
    for title, counter in (("self", self_time), ("inclusive", inclusive)):
        out.append(f"  top {top} by {title}:")
        out += [f"    {100 * n / max(total, 1):5.1f}%  {f}" for f, n in counter.most_common(top)]
    return "\n".join(out)


class Profiler:
    def __init__(self, where: Path, pids: dict[str, int], rate: int = 200) -> None:
        self.where, self.pids, self.rate = where, pids, rate
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    @staticmethod
    def available() -> str | None:
        return shutil.which("py-spy")

    def start(self) -> None:
        spy = self.available()
        if spy is None:
            print("--profile: py-spy is not installed (pip install py-spy); no profiles taken")
            return
        self.where.mkdir(parents=True, exist_ok=True)
        for name, pid in self.pids.items():
            self.procs[name] = subprocess.Popen(
                [spy, "record", "--pid", str(pid), "--rate", str(self.rate), "--format", "raw", "--nonblocking",
                 "--output", str(self.where / f"{name}.folded")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGINT)
        for name, proc in self.procs.items():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            folded = self.where / f"{name}.folded"
            if folded.exists():
                (self.where / f"{name}.txt").write_text(summarise(folded) + "\n")
        if self.procs:
            print(f"profiles: {self.where}/<process>.txt (top functions), .folded (py-spy collapsed stacks)")
