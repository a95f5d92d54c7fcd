"""Expected failures of a command, shown as one line and an exit status, never a traceback.

Exit status: 0 done; 1 the node (or the ledger) refused, with its stable code; 2 a bad
invocation (click's usage errors: a missing option, a bad argument); 3 the command could not
run here: no node at the URL, a port in use, a data folder held by another process, a file
or folder it may not read or write.
A traceback means a bug.
"""

from __future__ import annotations

from typing import Any

import click
import httpx

from baobab.core.errors import BaobabError
from baobab.datalock import DataFolderInUse
from baobab.pay.errors import FspiopError

REFUSED, USAGE, UNAVAILABLE = 1, 2, 3


class Failure(click.ClickException):
    """A one-line `Error: ...` on stderr and the given exit status."""

    def __init__(self, message: str, exit_code: int = REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def refusal(exc: BaobabError) -> Failure:
    reason = exc.detail.get("reason")
    code = f"{exc.code} ({reason})" if reason and reason != exc.code else exc.code
    return Failure(f"{code}: {exc.message}", REFUSED)


def explain(exc: Exception) -> Failure | None:
    """The Failure an expected exception stands for; None for anything else (a bug)."""
    if isinstance(exc, BaobabError):
        return refusal(exc)
    if isinstance(exc, FspiopError):
        return Failure(f"{exc.code}: {exc.description}", REFUSED)
    if isinstance(exc, DataFolderInUse):
        return Failure(str(exc), UNAVAILABLE)
    if isinstance(exc, OSError) and exc.filename is not None:  # a file or folder the command cannot use
        return Failure(f"{exc.filename}: {exc.strerror}", UNAVAILABLE)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return Failure(f"not a node URL: {exc} (expected e.g. http://127.0.0.1:8700)", USAGE)
    if isinstance(exc, httpx.TransportError):
        url = exc.request.url if _has_request(exc) else "the URL"
        if isinstance(exc, httpx.ConnectError):
            return Failure(f"cannot reach a Baobab node at {_origin(url)} ({exc}); is it running? (--url)", UNAVAILABLE)
        if isinstance(exc, httpx.TimeoutException):
            return Failure(f"the node at {_origin(url)} did not answer in time", UNAVAILABLE)
        return Failure(f"connection to {_origin(url)} failed: {exc}", UNAVAILABLE)
    return None


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request
    except RuntimeError:
        return False
    return True


def _origin(url: Any) -> str:
    return f"{url.scheme}://{url.netloc.decode()}" if isinstance(url, httpx.URL) else str(url)


class Group(click.Group):
    """A command group whose commands' expected failures end as `Error: ...` lines."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            failure = explain(exc)
            if failure is None:
                raise
            raise failure from None
