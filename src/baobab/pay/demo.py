"""Who banks where in the demo network, and what each FSP places at the switch.

Every trader, carrier, inspector, insurer and oracle of the stories keeps its account at one of
the demo's banks or mobile-money providers; the FSPs fund the currencies the stories trade in.
"""

from __future__ import annotations

HOME_FSP = {
    # 1. soybeans
    "PAMPA-AGRO": "BPLATA", "KL-FOODS": "KLTB", "SOUTHSEAS": "KLTB", "AR-INSPECT": "BPLATA", "SUR-INSURE": "BPLATA",
    # 2. cold chain
    "MH-FRUITS": "AEBANK", "DXB-JUICE": "AEBANK", "IBERJUS": "ESBANK", "SKYCARGO": "AEBANK",
    "COLDCHAIN": "AEBANK", "PORTSENSE": "AEBANK", "AEROTEMP": "ESBANK", "THERMOTRACE": "AEBANK",
    # 3, 4. receivables and supplier tiers
    "PUNE-TOOLS": "RXIL", "SZ-AUTO": "SZBANK", "T1-SEATS": "SZBANK", "T2-FOAM": "GDBANK", "T3-CHEM": "GDBANK",
    # 5. flowers
    "NAIVASHA": "KCBANK", "RTM-FLORA": "ESBANK", "EA-LINES": "KCBANK", "KEPHIS": "KCBANK",
    # 6-10. coffee, cassava, insurance (the cooperatives bank at a bank: what they pay farmers crosses
    # the switch to the farmers' wallet providers)
    "SIDAMA-COOP": "ET-COOPBANK", "ROAST-NL": "ESBANK", "ZM-AGRI": "ZM-MFI", "MET-ZM": "ZM-MFI",
    "ET-HEALTH": "ET-MOMO", "MICRO-INS": "ESBANK",
    # 8. customs: the importer pays its duties from its account to the customs' revenue account
    "ADDIS-IMPORT": "ET-MOMO", "ET-CUSTOMS": "ET-MOMO",
}

_MAJOR = 100  # the demo's currencies all have two minor digits
TRADE_CURRENCIES = {"USD": 5_000_000_000 * _MAJOR, "EUR": 5_000_000_000 * _MAJOR}  # a demo runs many credits
LOCAL = {"CNY": ["SZBANK", "GDBANK"], "INR": ["RXIL", "ATREDS", "M1X", "IN-REMIT", "AEBANK"],
         "KES": ["KCBANK", "KE-MOMO", "KE-PESA", "AEBANK"], "ETB": ["ET-MOMO", "ET-COOPBANK"], "ZMW": ["ZM-MOMO", "ZM-MFI"],
         "AED": ["AEBANK", "AE-EXCH"], "MYR": ["KLTB"], "ARS": ["BPLATA"], "TZS": ["TZ-MOMO", "AEBANK"]}
# The demo's FX provider (it holds every currency it exchanges) and its prices: mid-market rates
# (target units per source unit), NOT market data, round figures near those of late 2026 so the
# stories show realistic costs; and the margin it keeps.
FX_PROVIDER, FX_MARGIN_BP = "AEBANK", 60
FX_RATES: dict[tuple[str, str], str] = {("INR", "AED"): "0.0440", ("KES", "TZS"): "20.00", ("AED", "INR"): "22.70"}


def liquidity(fsps: list[str]) -> dict[str, dict[str, int]]:
    """The funds (= net debit cap) each FSP places per currency, in minor units."""
    funds = {fsp: dict(TRADE_CURRENCIES) for fsp in fsps}
    for currency, holders in LOCAL.items():
        for fsp in holders:
            if fsp in funds:
                funds[fsp][currency] = 500_000_000 * _MAJOR
    return funds
