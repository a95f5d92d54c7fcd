"""Property-based fuzzing of the served OpenAPI document (schemathesis): no request, however
odd, gets a 500, and every response matches the documented schema and media types."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from schemathesis.specs.openapi.checks import ignored_auth

from baobab.api.signing import sign_request


class SignedAuth(requests.auth.AuthBase):
    """Sign each request exactly as sent (final path, query and body bytes)."""

    def __init__(self, identity) -> None:  # type: ignore[no-untyped-def]
        self.identity = identity

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers.update(sign_request(self.identity.key, self.identity.network, self.identity.id,
                                            request.method or "GET", request.path_url, body))
        return request


@pytest.fixture(scope="module")
def api_schema(node):  # type: ignore[no-untyped-def]
    # The switch's FSPIOP interface, the FSPs' callback endpoints and the hub administration answer
    # as Mojaloop's definitions say (version negotiation: 406 with error 3001 to `Accept: */*`), and
    # are checked against those definitions and the Testing Toolkit in tests/pay.
    return schemathesis.openapi.from_url(node.url + "/openapi.json").exclude(path="/v1/events") \
        .exclude(path_regex=r"^/(fspiop|fspiop-callbacks|hub)/")


@pytest.fixture(scope="module")
def session(node):  # type: ignore[no-untyped-def]
    s = requests.Session()
    s.auth = SignedAuth(node.client("KE-CUSTOMS").identity)
    yield s
    s.close()


def test_no_server_errors_and_responses_match_the_schema(api_schema, session):  # type: ignore[no-untyped-def]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def fuzz(case):  # type: ignore[no-untyped-def]
            # ignored_auth would see our valid signature replace its invalid one; bad auth is
            # tested directly in test_requests.py.
            case.call_and_validate(session=session, excluded_checks=[ignored_auth])

        fuzz()
