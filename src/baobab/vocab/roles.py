"""The roles organisations hold on a Baobab trade network, and the groups of them that rules use.

The ledger knows no role by name: a network's genesis document lists the roles its members
may hold (`roles`), and governance admits a new member only with roles from that list.
`baobab network init` and the embedded mode write the list below into the genesis they create.
"""

from __future__ import annotations

NETWORK_ROLES: dict[str, str] = {
    "trader": "buys or sells goods (an exporter, an importer, a supplier)",
    "bank": "keeps accounts, issues and confirms credits, pays and finances",
    "carrier": "carries goods and issues transport documents",
    "inspector": "inspects goods and certifies quality or quantity",
    "insurer": "insures goods or crops and pays claims",
    "broker": "a customs broker (clearing agent): lodges declarations in the name of the traders that appoint it",
    "customs": "clears goods at a border; reads records about goods of its country, logged",
    "regulator": "supervises the banks, payment providers and insurers of its country, logged",
    "oracle": "observes facts (weather, prices, arrivals) and signs what it saw",
    "cooperative": "groups farmers and sells their produce",
    "payment-provider": "keeps mobile-money or payment accounts and moves money",
}

# Who reads as a supervisor (stating a purpose, logged on the ledger) and whom it supervises.
SUPERVISORS = ("customs", "regulator")
SUPERVISED_INSTITUTIONS = frozenset({"bank", "payment-provider", "insurer"})
# Whose country a record about goods is in, for customs, when the record names no countries.
GOODS_ROLES = frozenset({"trader", "carrier"})
