"""The ledger test suite, unchanged, on the PostgreSQL store.

The test functions are imported from tests/ledger; the `net`, `demo_net` and `deals_net`
fixtures they take come from tests/network/conftest.py and put the ledger in a fresh
PostgreSQL database. (test_audit and test_crash reach into the SQLite file directly; the
PostgreSQL counterparts of their checks are in test_postgres_store.py.)
"""

import pytest

from tests.ledger.test_contract_rules import *  # noqa: F401,F403
from tests.governance.test_governance import *  # noqa: F401,F403
from tests.ledger.test_key_policies_and_ranges import *  # noqa: F401,F403
from tests.ledger.test_proofs_and_events import *  # noqa: F401,F403
from tests.ledger.test_transactions import *  # noqa: F401,F403
from tests.ledger.test_validation import *  # noqa: F401,F403

pytestmark = pytest.mark.services
