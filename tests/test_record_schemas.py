"""Each ledger record the API shows has one typed schema (contracts/records.py): the contracts
check what they store against it, and the OpenAPI document describes it field by field."""

from __future__ import annotations

import pytest

from baobab.contracts.records import Credit, CreditTerms, stored
from baobab.ledger.contract import ContractError
from baobab.stories.soybeans import credit_terms, today


def test_credit_terms_are_typed_in_the_openapi_document(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from baobab import embedded
    from baobab.api.app import create_app
    from tests.conftest import FAST_BLOCKS, SMALL_ORGS

    embedded.create(tmp_path, "schema-net", SMALL_ORGS, ["KEBANK"], block=FAST_BLOCKS)
    node = embedded.open_node(tmp_path)
    try:
        doc = TestClient(create_app(node, tmp_path)).get("/openapi.json").json()
    finally:
        node.close()
    schemas = doc["components"]["schemas"]
    terms = schemas["CreditTerms"]["properties"]
    assert terms["amount"]["$ref"].endswith("/Money") and terms["hs_code"]["pattern"] == r"^\d{6,10}$"
    assert schemas["Credit"]["properties"]["terms"]["$ref"].endswith("/CreditTerms")
    ok = doc["paths"]["/v1/credits/{lc_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/Credit")


def test_the_stored_terms_are_exactly_the_schema() -> None:
    terms = {**credit_terms(today()), "amount_tolerance_pct": 5}
    CreditTerms.model_validate(terms)
    with pytest.raises(ContractError, match="terms.amount.minor"):
        stored(Credit, {"id": "LC-1", "status": "issued", "parties": {}, "terms": {**terms, "amount": {"currency": "USD", "minor": "12"}}},
               "credit LC-1")
