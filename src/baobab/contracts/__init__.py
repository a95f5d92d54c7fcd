"""Domain contracts. `default_registry` installs every contract a Baobab network runs."""

from __future__ import annotations

import baobab.vocab.errors  # noqa: F401,E402  (the codes contracts and their helpers raise)
from baobab.ledger.governance import Governance
from baobab.ledger.runtime import Registry


def governance() -> Governance:
    """The governance contract with this network's settings (the financing registry's rule) and
    the node's own client identity (the supervisor-log writer), which the ledger does not name."""
    from baobab.contracts.finance.financing_registry import check_settings
    from baobab.contracts.oversight import AUDIT_CLIENT

    return Governance(settings={"financing_registry": check_settings}, node_clients=(AUDIT_CLIENT,))


def default_registry() -> Registry:
    from baobab.contracts.accounts import Accounts
    from baobab.contracts.trade.bank_calendar import BankCalendar
    from baobab.contracts.trade.documents import Documents
    from baobab.contracts.trade.letter_of_credit import LetterOfCredit
    from baobab.contracts.trade.payment_undertaking import PaymentUndertaking
    from baobab.contracts.finance.financing_registry import FinancingRegistry
    from baobab.contracts.finance.supply_chain_finance import SupplyChainFinance
    from baobab.contracts.oracles.conditional_payment import ConditionalPayment
    from baobab.contracts.oracles.microinsurance import Microinsurance
    from baobab.contracts.oracles.registry import Oracles
    from baobab.contracts.oversight import Oversight
    from baobab.contracts.private_records import PrivateRecords
    from baobab.contracts.customs.certificates import Certificates
    from baobab.contracts.customs.declarations import Declarations
    from baobab.contracts.customs.risk_rules import RiskRules
    from baobab.contracts.customs.tariffs import Tariffs
    from baobab.contracts.trace.epcis_anchors import EpcisAnchors
    from baobab.contracts.trace.deliveries import Deliveries
    from baobab.contracts.compliance.suspicious_reports import SuspiciousReports
    from baobab.contracts.credentials.registry import CredentialRegistry
    from baobab.contracts.credentials.produce import ProducePurchases
    from baobab.contracts.credentials.microloans import Microloans

    registry = Registry([Accounts()])
    registry.install(governance())
    registry.install(Documents())
    registry.install(BankCalendar())
    registry.install(LetterOfCredit())
    registry.install(PaymentUndertaking())
    registry.install(FinancingRegistry())
    registry.install(SupplyChainFinance())
    registry.install(Oracles())
    registry.install(ConditionalPayment())
    registry.install(Microinsurance())
    registry.install(Oversight())
    registry.install(PrivateRecords())
    registry.install(Declarations())
    registry.install(Tariffs())
    registry.install(Certificates())
    registry.install(RiskRules())
    registry.install(EpcisAnchors())
    registry.install(Deliveries())
    registry.install(SuspiciousReports())
    registry.install(CredentialRegistry())
    registry.install(ProducePurchases())
    registry.install(Microloans())
    return registry
