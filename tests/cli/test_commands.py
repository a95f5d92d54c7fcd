"""The commands a user runs instead of writing Python: each signs as --as and does what the
equivalent API request does; amounts read as decimals with their currency."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import httpx

from baobab.stories.soybeans import credit_terms

from .conftest import Up


def out_json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_call_submits_a_transaction_signed_as_the_identity(up: Up) -> None:
    outcome = out_json(up.run("call", "accounts", "open", "--arg", "account=KLTB-CLI1", "--arg", "currency=MYR"))
    assert outcome["code"] == "VALID"
    record = out_json(up.run("get", "accounts", "acct/KLTB-CLI1"))
    assert record["value"]["owner"] == "KLTB" and record["version"][0] == outcome["block"]


def test_query_answers_without_writing_to_the_ledger(up: Up) -> None:
    up.run("call", "accounts", "open", "--args", '{"account": "KLTB-CLI2", "currency": "USD"}')
    height = out_json(up.run("head"))["header"]["number"]
    answer = out_json(up.run("query", "accounts", "balance", "--arg", "account=KLTB-CLI2", "--json"))
    assert answer["currency"] == "USD" and answer["balance"] == 0
    assert out_json(up.run("head"))["header"]["number"] == height


def test_amounts_show_as_decimals_with_their_currency_and_json_keeps_minor_units(up: Up) -> None:
    up.run("call", "accounts", "open", "--arg", "account=KLTB-CLI3", "--arg", "currency=KWD")
    up.run("call", "accounts", "issue", "--arg", "account=KLTB-CLI3", "--arg", "amount=1250500")
    assert out_json(up.run("get", "accounts", "acct/KLTB-CLI3"))["value"]["balance"] == "1250.500 KWD"
    assert out_json(up.run("get", "accounts", "acct/KLTB-CLI3", "--json"))["value"]["balance"] == 1250500
    rows = list(csv.DictReader(io.StringIO(up.run("list", "accounts", "--prefix", "acct/KLTB-CLI3", "--csv").stdout)))
    assert rows == [{"key": "accounts:acct/KLTB-CLI3", "version": rows[0]["version"], "value.balance": "1250.500",
                     "value.bank": "KLTB", "value.currency": "KWD", "value.owner": "KLTB", "value.readers.0": "KLTB"}]


def test_token_is_a_bearer_token_the_api_accepts(up: Up) -> None:
    result = up.run("token")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    answer = httpx.get(up.url + "/v1/network", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["you"]["identity"] == "KLTB/app"


def test_reads_reach_history_transactions_blocks_proofs_and_events(up: Up) -> None:
    outcome = out_json(up.run("call", "accounts", "open", "--arg", "account=KLTB-CLI4", "--arg", "currency=MYR"))
    tx_id, number = outcome["tx_id"], outcome["block"]
    assert [v["version"][0] for v in out_json(up.run("history", "accounts", "acct/KLTB-CLI4"))["versions"]] == [number]
    assert out_json(up.run("tx", tx_id))["tx_id"] == tx_id
    assert out_json(up.run("block", str(number)))["header"]["number"] == number
    assert out_json(up.run("proof", tx_id))["block"] == number
    assert "proof" in json.dumps(out_json(up.run("consistency", "1")))
    assert {"KLTB", "MY-CUSTOMS"} <= {o["id"] for o in out_json(up.run("members"))["organisations"]}
    lines = up.run("events", "--from-block", str(number)).stdout.splitlines()
    assert any(json.loads(line).get("tx_id") == tx_id for line in lines)


def test_every_documented_get_route_is_reachable_with_baobab_api(up: Up) -> None:
    """Each GET path of the OpenAPI document, through `baobab api`, gets the node's own answer
    (200 or its problem), never a command-line error."""
    doc = httpx.get(up.url + "/openapi.json").json()
    reached = 0
    for path, operations in doc["paths"].items():
        if "get" not in operations:
            continue
        concrete = path.replace("{namespace}", "accounts").replace("{number}", "0")
        concrete = "".join(part if not part.startswith("{") else "x" for part in _split(concrete))
        result = up.run("api", "GET", concrete, "--param", "follow=false", "--param", "old_size=1", "--json")
        assert result.exit_code in (0, 1), (path, result.output)
        assert result.exit_code == 0 or result.stderr.startswith("Error: "), (path, result.output)
        reached += 1
    assert reached >= 15


def _split(path: str) -> list[str]:
    """'/a/{b}/c' -> ['/a/', '{b}', '/c']"""
    parts, rest = [], path
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        parts += [head, "{" + name + "}"]
    return [*parts, rest]


def test_a_supervisor_export_has_typed_columns_with_decimal_amounts(up: Up) -> None:
    terms = credit_terms(date(2026, 7, 1))
    args = {"lc_id": "LC-CLI-7", "beneficiary": "PAMPA-AGRO", "issuing_bank": "KLTB", "advising_bank": "BPLATA",
            "terms": terms}
    assert up.run("call", "letter_of_credit", "apply", "--args", json.dumps(args), identity="KL-FOODS/app").exit_code == 0
    result = up.run("api", "GET", "/v1/oversight/records", "--param", "namespace=letter_of_credit", "--param",
                    "prefix=lc/LC-CLI-7", "--param", "format=csv", "--param", "purpose=import audit",
                    identity="MY-CUSTOMS/app")
    assert result.exit_code == 0, result.output
    [row] = csv.DictReader(io.StringIO(result.stdout))
    assert row["parties"] and "MY" in row["countries"].split()
    minor = terms["amount"]["minor"]
    assert (row["value.terms.amount"], row["value.terms.amount.currency"]) == (f"{minor // 100}.{minor % 100:02d}", "USD")
    assert row["value.terms.partial_shipments"] == "false"
    listed = {v for k, v in row.items() if k.startswith("value.terms.required_documents.")}
    assert listed == set(terms["required_documents"])
