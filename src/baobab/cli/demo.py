"""`baobab demo`: play the report's stories end to end and show what they cost in machine time.

Against a running node (`--url`, keys from `--data`) every step goes over HTTP; without
`--url` the stories run on an embedded network in a temporary folder (or `--data`).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from baobab import datalock
from baobab.stories import Actors, Story, StoryReport

FAST_BLOCKS = {"max_txs": 500, "max_bytes": 8_000_000, "timeout_ms": 5}


def discover_stories() -> list[Story]:
    """Every module of `baobab.stories` that exposes STORY, in story-number order."""
    import baobab.stories as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name == "embedded":
            continue
        try:
            module = importlib.import_module(f"baobab.stories.{info.name}")
        except Exception as exc:  # a story under construction must not stop the others
            click.echo(f"  (story module {info.name} does not import: {exc})", err=True)
            continue
        story = getattr(module, "STORY", None)
        if isinstance(story, Story):
            found.append(story)
    return sorted(found, key=lambda s: s.number)


def play_all(stories: list[Story], actors: Actors, echo: Callable[[str], None] = click.echo,
             services: dict[str, Any] | None = None) -> list[tuple[Story, StoryReport | None, str | None]]:
    """Play each story with progress; a failing story is reported and the rest still play."""
    results: list[tuple[Story, StoryReport | None, str | None]] = []
    for story in stories:
        echo(f"\n▶ Story {story.number}: {story.title}")
        try:
            report = story.run(actors, lambda text: echo(f"   · {text}"), services)
            results.append((story, report, None))
            echo(f"   ✓ {report.steps} steps in {report.seconds:.2f} s")
        except Exception as exc:
            echo(f"   ✗ failed: {exc}")
            traceback.print_exc()
            results.append((story, None, str(exc)))
    return results


def summary_table(results: list[tuple[Story, StoryReport | None, str | None]]) -> str:
    header = ["#", "story", "steps", "documents", "payments", "flags", "machine time", "paper time"]
    rows: list[list[str]] = []
    for story, report, error in results:
        if report is None:
            rows.append([str(story.number), story.title, "failed", "", "", "", "", story.paper_time])
            continue
        rows.append([str(story.number), story.title, str(report.steps), str(report.documents), str(report.payments),
                     str(len(report.flags)), f"{report.seconds:.2f} s", story.paper_time])
    widths = [min(max(len(r[i]) for r in [header, *rows]), 48) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(cells, widths)).rstrip()

    flags = [f"  story {story.number}: {flag}" for story, report, _ in results if report for flag in report.flags]
    return "\n".join([line(header), line(["-" * w for w in widths]), *[line(r) for r in rows],
                      *(["", "Flags raised:", *flags] if flags else [])])


def embedded_network(data_dir: Path) -> Any:
    """Create (if new) and open the demo network in `data_dir`; the node (caller closes it)."""
    from baobab import embedded
    from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS

    if not (data_dir / embedded.GENESIS_FILE).exists():
        embedded.create(data_dir, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, clients=("app", "audit"), block=FAST_BLOCKS)
    return embedded.open_node(data_dir)


@click.command()
@click.option("--url", default=None, help="a running node, e.g. http://127.0.0.1:8700 (default: embedded); the "
              "mobile-money providers of stories 9 and 10 then run in this process, their reports going to the node")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="data folder with the organisations' keys (with --url: the node's, default ./data; "
                   "without: where to create the network, default a temporary folder)")
@click.option("--story", "numbers", type=int, multiple=True, help="play only these story numbers")
def demo(url: str | None, data: Path | None, numbers: tuple[int, ...]) -> None:
    """Play the report's stories end to end, then show steps, documents, payments, flags and time."""
    stories = [s for s in discover_stories() if not numbers or s.number in numbers]
    if not stories:
        known = ", ".join(str(s.number) for s in discover_stories())
        raise click.BadParameter(f"no such story; the stories are {known or 'none yet'}", param_hint="'--story'")
    if url:
        from baobab.http_client import http_actors

        from baobab.demo import DEMO_ORGS
        from baobab.wallet.services import standalone_mobile_money

        click.echo(f"Playing {len(stories)} stories against {url}")
        with tempfile.TemporaryDirectory(prefix="baobab-momo-") as tmp:
            # mobile money runs here, beside the stories; what it reports goes to the node's ledger
            mobile_money = standalone_mobile_money(Path(tmp), DEMO_ORGS, secret=os.urandom(32))
            try:
                results = play_all(stories, http_actors(url, data or Path("data")), services={"mobile_money": mobile_money})
            finally:
                mobile_money.close()
    else:
        from baobab.stories.embedded import embedded_actors

        with tempfile.TemporaryDirectory(prefix="baobab-demo-") as tmp:
            from baobab.services import demo_services

            folder = data or Path(tmp)
            with datalock.hold(folder):  # not while `baobab up` serves the same folder
                node = embedded_network(folder)
                services = demo_services(node, folder)  # reactions and payments run as in `baobab up`
                try:
                    click.echo(f"Playing {len(stories)} stories on an embedded network in {folder}")
                    results = play_all(stories, embedded_actors(node, folder), services=services.for_stories())
                finally:
                    services.stop()
                    node.close()
    click.echo("\n" + summary_table(results))
    if any(error for _, _, error in results):
        raise SystemExit(1)
