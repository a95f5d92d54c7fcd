"""Dispatch `python -m bench <name> [args...]` to `bench/<name>.py`'s `main(argv)`."""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    """Names of the benchmark modules: every bench/<name>.py that defines main(argv)."""
    names = []
    for path in sorted(HERE.glob("*.py")):
        if path.stem.startswith("_"):
            continue
        if "def main(" in path.read_text(encoding="utf-8"):
            names.append(path.stem)
    return names


def main(argv: list[str]) -> int:
    names = available()
    if not argv or argv[0] in ("-h", "--help", "help", "list"):
        print("usage: python -m bench <name> [options]   (./dev bench <name> [options])")
        print("benchmarks: " + ", ".join(names))
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in names:
        print(f"no benchmark {name!r}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{name}")
    if inspect.signature(module.main).parameters:
        return int(module.main(rest) or 0)
    sys.argv = [f"python -m bench {name}", *rest]  # a main() that reads sys.argv itself
    return int(module.main() or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
