"""KYC tiers: how much a wallet may hold and move, in proportion to how well its holder is known.

A country's scheme lists its tiers, lowest first; each tier has limits in minor units of the
scheme's currency (None: no limit) and the evidence a provider must have checked to grant it.
Daily and monthly limits count every movement in or out of the wallet, by calendar day and
month in the scheme's time zone. Limits are checked when each movement is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from baobab.core.errors import BaobabError


@dataclass(frozen=True)
class Tier:
    level: int
    name: str
    single_max: int | None   # one movement
    daily_max: int | None    # sum of movements in a calendar day
    monthly_max: int | None  # sum of movements in a calendar month
    balance_max: int | None  # the wallet's balance after a credit
    evidence: tuple[str, ...]  # what the provider checked to grant the tier


@dataclass(frozen=True)
class Scheme:
    country: str
    currency: str
    timezone: str
    tiers: tuple[Tier, ...]
    source: str

    def tier(self, level: int) -> Tier:
        for t in self.tiers:
            if t.level == level:
                return t
        raise BaobabError("UNKNOWN_TIER", f"{self.country} has no KYC tier {level}", levels=[t.level for t in self.tiers])


_NGN = 100  # kobo per naira
_GHS = 100  # pesewas per cedi
_KES = 100  # cents per shilling
_AED = 100  # fils per dirham
_ETB = 100  # santim per birr
_ZMW = 100  # ngwee per kwacha

SCHEMES: dict[str, Scheme] = {
    "NG": Scheme("NG", "NGN", "Africa/Lagos", (
        Tier(1, "Tier 1 (low value)", 3_000 * _NGN, 30_000 * _NGN, None, 300_000 * _NGN, ("phone", "name", "photo")),
        Tier(2, "Tier 2 (medium value)", 10_000 * _NGN, 100_000 * _NGN, None, 500_000 * _NGN,
             ("phone", "name", "photo", "identity document", "address")),
        Tier(3, "Tier 3 (high value)", 100_000 * _NGN, 1_000_000 * _NGN, None, None,
             ("phone", "name", "photo", "identity document", "address", "BVN")),
    ), "Central Bank of Nigeria, three-tiered KYC requirements, circular FPR/DIR/CIR/GEN/01/001 (18 January 2013): "
       "transaction and daily limits of mobile-money products; balances as revised by circular "
       "FPR/DIR/CIR/GEN/06/002 (1 July 2016)"),
    "GH": Scheme("GH", "GHS", "Africa/Accra", (
        Tier(1, "Minimum KYC", None, 300 * _GHS, 3_000 * _GHS, 1_000 * _GHS, ("phone", "name", "identity document")),
        Tier(2, "Medium KYC", None, 2_000 * _GHS, 20_000 * _GHS, 10_000 * _GHS,
             ("phone", "name", "identity document", "address")),
        Tier(3, "Enhanced KYC", None, 5_000 * _GHS, 50_000 * _GHS, 20_000 * _GHS,
             ("phone", "name", "identity document", "address", "source of funds")),
    ), "Bank of Ghana, Guidelines for E-Money Issuers in Ghana (6 July 2015), account limits by KYC level as "
       "Ghanaian providers apply them"),
    "KE": Scheme("KE", "KES", "Africa/Nairobi", (
        Tier(1, "Registered customer", 150_000 * _KES, 300_000 * _KES, None, 300_000 * _KES,
             ("phone", "name", "identity document")),
    ), "Central Bank of Kenya, press release of 16 March 2020 (emergency measures to facilitate the use of mobile "
       "digital payments): KES 150,000 per transaction, KES 300,000 per day, KES 300,000 wallet balance"),
    "AE": Scheme("AE", "AED", "Asia/Dubai", (
        Tier(1, "Basic", 5_000 * _AED, 10_000 * _AED, 30_000 * _AED, 10_000 * _AED, ("phone", "name", "Emirates ID")),
        Tier(2, "Full", 50_000 * _AED, 100_000 * _AED, None, 100_000 * _AED,
             ("phone", "name", "Emirates ID", "address", "source of funds")),
    ), "Baobab demo configuration for the United Arab Emirates: illustrative limits, not the Central Bank of the "
       "UAE's (replace with the operator's licence conditions)"),
    "ET": Scheme("ET", "ETB", "Africa/Addis_Ababa", (
        Tier(1, "Basic", 100_000 * _ETB, 200_000 * _ETB, None, 300_000 * _ETB, ("phone", "name", "identity document")),
    ), "Baobab demo configuration for Ethiopia: illustrative limits, not the National Bank of Ethiopia's "
       "(replace with the limits of the operator's licence)"),
    "ZM": Scheme("ZM", "ZMW", "Africa/Lusaka", (
        Tier(1, "Basic", 20_000 * _ZMW, 50_000 * _ZMW, None, 100_000 * _ZMW, ("phone", "name", "identity document")),
    ), "Baobab demo configuration for Zambia: illustrative limits, not the Bank of Zambia's "
       "(replace with the limits of the operator's licence)"),
}


def scheme(country: str) -> Scheme:
    try:
        return SCHEMES[country]
    except KeyError:
        raise BaobabError("UNKNOWN_SCHEME", f"no KYC scheme configured for {country!r}", countries=sorted(SCHEMES)) from None
