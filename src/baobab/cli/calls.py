"""`baobab call`, `query`, `token` and `api`: contracts and any API route, from a shell.

Each request is signed with the client key of `--as` from the data folder's keystore, as the
API requires (docs/API.md); nothing here needs Python from the user.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from baobab.cli.output import contract_args, raw_option, show, with_args
from baobab.cli.remote import connect, node_options


@click.command()
@click.argument("contract")
@click.argument("function")
@with_args
@node_options
@click.option("--no-wait", is_flag=True, help="return once ordered (status pending) instead of waiting for the block")
@click.option("--idempotency-key", default=None, metavar="KEY",
              help="retrying with the same KEY never submits twice (default: a new key)")
@raw_option
def call(contract: str, function: str, args_json: str | None, arg_pairs: tuple[str, ...], money_pairs: tuple[str, ...],
         url: str, data: Path, identity: str, no_wait: bool, idempotency_key: str | None, raw: bool) -> None:
    """Submit a transaction to CONTRACT FUNCTION, signed as --as.

    Prints the outcome (tx_id, block, validation code, response, events). Exit status 1 when
    the transaction is refused or committed as invalid (its code is printed).

    \b
    baobab call accounts open --as KLTB/app --arg account=KLTB-9 --arg currency=MYR
    """
    args = contract_args(args_json, arg_pairs, money_pairs)
    client = connect(url, data, identity)
    outcome = client.submit(contract, function, args, wait=not no_wait, idempotency_key=idempotency_key)
    show(outcome, raw)
    code = outcome.get("code")
    if code not in (None, "VALID"):
        click.echo(f"Error: transaction {outcome.get('tx_id')} is invalid: {code}", err=True)
        sys.exit(1)


@click.command()
@click.argument("contract")
@click.argument("function")
@with_args
@click.option("--purpose", default=None, help="why a supervisor reads a record it is not party to (logged)")
@node_options
@raw_option
def query(contract: str, function: str, args_json: str | None, arg_pairs: tuple[str, ...], money_pairs: tuple[str, ...],
          purpose: str | None, url: str, data: Path, identity: str, raw: bool) -> None:
    """Ask CONTRACT FUNCTION as --as, writing nothing.

    Evaluates a query function and prints its answer. A customs office or regulator reading a
    record it supervises but is not party to states --purpose; the node records that read on
    the ledger's access log before answering (the entries are printed on stderr).

    \b
    baobab query accounts balance --as KLTB/app --arg account=KLTB-9
    baobab query letter_of_credit get --as KE-CUSTOMS/app --arg lc_id=LC-1 --purpose "transit check"
    """
    args = contract_args(args_json, arg_pairs, money_pairs)
    answer = connect(url, data, identity).ask(contract, function, args, purpose=purpose)
    if answer.get("access"):
        click.echo(f"read logged: access entries {', '.join(answer['access'])}", err=True)
    show(answer["response"], raw)


@click.command()
@node_options
@raw_option
def token(url: str, data: Path, identity: str, raw: bool) -> None:
    """Print a bearer token for curl and other tools.

    The token stands for --as until it expires (the node's token lifetime; --json shows
    expires_in in seconds). Send it as Authorization: Bearer TOKEN.

    \b
    TOKEN=$(baobab token --as KLTB/app)
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8700/v1/head
    """
    issued = connect(url, data, identity).request("POST", "/v1/auth/token").json()
    click.echo(json.dumps(issued, indent=2) if raw else issued["token"])


def _body(text: str | None) -> Any:
    if text is None:
        return None
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        try:
            text = Path(text[1:]).read_text()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {text[1:]}: {exc.strerror}", param_hint="'--body'") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="'--body'") from None


@click.command()
@click.argument("method", type=click.Choice(["GET", "POST", "PUT", "PATCH", "DELETE"], case_sensitive=False))
@click.argument("path")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="a query parameter (repeatable)")
@click.option("--body", default=None, metavar="JSON|@FILE|-", help="the JSON body: inline, from a file, or from stdin")
@node_options
@raw_option
def api(method: str, path: str, params: tuple[str, ...], body: str | None, url: str, data: Path, identity: str,
        raw: bool) -> None:
    """Send any API request, signed as --as.

    Prints the answer (JSON, or text such as CSV); every route of the OpenAPI document
    (/docs on the node) is reachable this way.

    \b
    baobab api GET /v1/credits/LC-2026-001 --as KLTB/app
    baobab api GET /v1/oversight/records --param format=csv --param purpose=audit --as MY-CUSTOMS/app
    """
    if not path.startswith("/"):
        raise click.BadParameter(f"{path!r}: a path on the node, e.g. /v1/head", param_hint="'PATH'")
    query_params: dict[str, str] = {}
    for pair in params:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r}: expected KEY=VALUE", param_hint="'--param'")
        query_params[key] = value
    content = _body(body)
    response = connect(url, data, identity).request(method.upper(), path, params=query_params or None, body=content)
    if "json" in response.headers.get("content-type", ""):
        show(response.json(), raw)
    else:
        click.echo(response.text, nl=not response.text.endswith("\n"))
