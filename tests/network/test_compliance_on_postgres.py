"""Suspicious transaction reports on the PostgreSQL store: the tests of tests/compliance that
touch the ledger, unchanged, with `demo_net` from tests/network/conftest.py."""

import pytest

from tests.compliance.test_reports import (  # noqa: F401
    test_a_report_to_a_regulator_of_another_country_is_refused_and_the_case_stays_open,
    test_the_officer_files_a_report_the_regulator_reads_and_nobody_else,
)

pytestmark = pytest.mark.services
