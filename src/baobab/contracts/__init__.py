"""Domain contracts. `default_registry` installs every contract a Baobab network runs."""

from __future__ import annotations

from baobab.ledger.governance import Governance
from baobab.ledger.runtime import Registry


def default_registry() -> Registry:
    from baobab.contracts.accounts import Accounts
    from baobab.contracts.documents import Documents
    from baobab.contracts.letter_of_credit import LetterOfCredit
    from baobab.contracts.payment_undertaking import PaymentUndertaking
    from baobab.contracts.financing_registry import FinancingRegistry
    from baobab.contracts.supply_chain_finance import SupplyChainFinance
    from baobab.contracts.conditional_payment import ConditionalPayment
    from baobab.contracts.microinsurance import Microinsurance
    from baobab.contracts.oracles import Oracles
    from baobab.contracts.oversight import Oversight
    from baobab.contracts.private_records import PrivateRecords

    registry = Registry([Accounts()])
    registry.install(Governance())
    registry.install(Documents())
    registry.install(LetterOfCredit())
    registry.install(PaymentUndertaking())
    registry.install(FinancingRegistry())
    registry.install(SupplyChainFinance())
    registry.install(Oracles())
    registry.install(ConditionalPayment())
    registry.install(Microinsurance())
    registry.install(Oversight())
    registry.install(PrivateRecords())
    return registry
