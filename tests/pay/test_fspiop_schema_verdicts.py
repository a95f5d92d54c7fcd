"""The switch accepts exactly the bodies the FSPIOP OpenAPI document allows: its compiled
validator (jsonschema-rs) never lets through a body that the OpenAPI 3.0 validator refuses."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from baobab.pay.fspiop_spec import spec

PACKET = "AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4w"
AMOUNT = {"currency": "USD", "amount": "123.45"}
PARTY = {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "256700000001", "fspId": "payeefsp"}}
BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("post", "/transfers", {"transferId": "b51ec534-ee48-4575-b6a9-ead2955b8069", "payerFsp": "payerfsp",
                            "payeeFsp": "payeefsp", "amount": AMOUNT, "ilpPacket": PACKET,
                            "condition": "f5sqb7tBTzPd5CRsBDaFuiyEqsXhlO5pEXuQ9tkq0xq",
                            "expiration": "2026-05-24T08:38:08.699-04:00"}),
    ("put", "/transfers/{ID}", {"fulfilment": "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA",
                                "completedTimestamp": "2026-05-24T08:38:08.699Z", "transferState": "COMMITTED"}),
    ("put", "/transfers/{ID}/error", {"errorInformation": {"errorCode": "5100", "errorDescription": "declined"}}),
    ("post", "/quotes", {"quoteId": "7c23e80c-d078-4077-8263-2c047876fcf6",
                         "transactionId": "85feac2f-39b2-491b-817e-4a03203d4f14", "payee": PARTY, "payer": PARTY,
                         "amountType": "SEND", "amount": AMOUNT,
                         "transactionType": {"scenario": "TRANSFER", "initiator": "PAYER", "initiatorType": "CONSUMER"}}),
    ("put", "/parties/{Type}/{ID}", {"party": {**PARTY, "name": "Ama Owusu"}}),
]
# strings that probe the patterns where regex dialects differ: Unicode digits, a trailing
# newline, case, lengths at the limits, separators
PROBES = ["", " ", "\n", "١٢٣", "１２", "123\n", "0", "00", "1.", ".5", "1.2345", "-1", "1e3", "USD\n", "usd", "ÀBC",
          "2026-05-24T08:38:08.699Z\n", "2026-02-29T08:38:08.699Z", "2028-02-29T08:38:08.699Z", "x" * 43, "x" * 44,
          "B51EC534-EE48-4575-B6A9-EAD2955B8069", "b51ec534-ee48-4575-b6a9-ead2955b8069\n", "COMMITTED\n", "ǅ", "\u200b"]
values = st.recursive(st.none() | st.booleans() | st.integers() | st.sampled_from(PROBES) | st.text(max_size=50),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                      max_leaves=6)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    return found


def _verdicts(method: str, path: str, body: Any) -> tuple[bool, bool]:
    fast = spec().fast_validator(method, path)
    slow = spec()._validator(method, path)
    assert fast is not None and slow is not None
    return fast.is_valid(body), not any(True for _ in slow.iter_errors(body))


def test_the_sample_bodies_are_valid_for_both() -> None:
    for method, path, body in BODIES:
        assert _verdicts(method, path, body) == (True, True), (method, path)
        assert spec().check_body(method, path, body) is None


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_the_switch_accepts_a_mutated_body_only_if_the_openapi_validator_does(data: st.DataObject) -> None:
    method, path, body = data.draw(st.sampled_from(BODIES))
    body = copy.deepcopy(body)
    where = data.draw(st.sampled_from(_paths(body)[1:]))
    action = data.draw(st.sampled_from(["replace", "remove", "add"]))
    parent = body
    for key in where[:-1]:
        parent = parent[key]
    if action == "remove":
        del parent[where[-1]]
    elif action == "add" and isinstance(parent[where[-1]], dict):
        parent[where[-1]][data.draw(st.text(max_size=8))] = data.draw(values)
    else:
        parent[where[-1]] = data.draw(values)
    fast, slow = _verdicts(method, path, body)
    assert slow or not fast, (method, path, body)  # what the compiled one accepts, the OpenAPI one accepts
    assert (spec().check_body(method, path, body) is None) == slow  # and the switch answers as the OpenAPI one


def test_a_refused_body_is_named_as_before() -> None:
    method, path, body = BODIES[0]
    missing = {k: v for k, v in body.items() if k != "condition"}
    assert spec().check_body(method, path, missing) == ("3102", ["(body): 'condition' is a required property"])
    code, problems = spec().check_body(method, path, {**body, "amount": {"currency": "USD", "amount": "1.2.3"}}) or ("", [])
    assert code == "3101" and problems[0].startswith("amount/amount: '1.2.3' does not match")
