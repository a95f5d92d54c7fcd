"""The actors of the report's stories: the organisations of the demo network."""

from __future__ import annotations

from typing import Any


def _org(org_id: str, name: str, country: str, *roles: str) -> dict[str, Any]:
    return {"id": org_id, "name": name, "country": country, "roles": list(roles)}


DEMO_ORGS: list[dict[str, Any]] = [
    # 1. soybeans, Argentina -> Malaysia, under a letter of credit
    _org("PAMPA-AGRO", "Pampa Agroexport S.A.", "AR", "trader"),
    _org("KL-FOODS", "Kuala Lumpur Foods Sdn Bhd", "MY", "trader"),
    _org("KLTB", "Kuala Lumpur Trade Bank Berhad", "MY", "bank"),
    _org("BPLATA", "Banco del Plata S.A.", "AR", "bank"),
    _org("SOUTHSEAS", "South Seas Shipping Line", "SG", "carrier"),
    _org("AR-INSPECT", "Rosario Grain Inspection S.R.L.", "AR", "inspector"),
    _org("SUR-INSURE", "Seguros del Sur S.A.", "AR", "insurer"),
    _org("MY-CUSTOMS", "Royal Malaysian Customs Department", "MY", "customs"),
    _org("AR-CUSTOMS", "Dirección General de Aduanas", "AR", "customs"),
    # 2. fruit from India to Dubai, juice flown to Spain, cold chain watched by oracles
    _org("MH-FRUITS", "Maharashtra Fruit Growers Pvt Ltd", "IN", "trader"),
    _org("DXB-JUICE", "Dubai Fresh Juice LLC", "AE", "trader"),
    _org("IBERJUS", "Iberjus Bebidas S.L.", "ES", "trader"),
    _org("ESBANK", "Banco Mediterráneo de Comercio S.A.", "ES", "bank"),
    _org("AEBANK", "Gulf Trade Bank PJSC", "AE", "bank"),
    _org("COLDCHAIN", "ColdChain Telemetry Ltd", "IN", "oracle"),
    _org("PORTSENSE", "PortSense Monitoring FZE", "AE", "oracle"),
    _org("AEROTEMP", "AeroTemp Logistics Data S.L.", "ES", "oracle"),
    _org("SKYCARGO", "Gulf Sky Cargo", "AE", "carrier"),
    _org("THERMOTRACE", "ThermoTrace Sensor Networks FZCO", "AE", "oracle"),  # 4th oracle: f=1 needs 3f+1
    # 3. one invoice presented to India's three financing platforms
    _org("RXIL", "Receivables Exchange of India Ltd", "IN", "bank"),
    _org("ATREDS", "A.TReDS Ltd", "IN", "bank"),
    _org("M1X", "Mynd Solutions (M1xchange)", "IN", "bank"),
    _org("PUNE-TOOLS", "Pune Precision Tools Pvt Ltd", "IN", "trader"),
    # 4. a car maker's payable split down three tiers of suppliers
    _org("SZ-AUTO", "Shenzhen Auto Works Co Ltd", "CN", "trader"),
    _org("T1-SEATS", "Guangdong Seating Systems Co", "CN", "trader"),
    _org("T2-FOAM", "Dongguan Foam Materials Co", "CN", "trader"),
    _org("T3-CHEM", "Foshan Polymer Chemicals Co", "CN", "trader"),
    _org("SZBANK", "Shenzhen Commercial Bank", "CN", "bank"),
    _org("GDBANK", "Guangdong Development Finance", "CN", "bank"),
    # 5. flowers from Mombasa to Rotterdam
    _org("NAIVASHA", "Naivasha Flower Farms Ltd", "KE", "trader"),
    _org("RTM-FLORA", "Rotterdam Flora B.V.", "NL", "trader"),
    _org("EA-LINES", "East Africa Reefer Lines", "KE", "carrier"),
    _org("KEPHIS", "Kenya Plant Health Inspectorate Service", "KE", "inspector"),
    _org("KE-CUSTOMS", "Kenya Revenue Authority Customs", "KE", "customs"),
    _org("NL-CUSTOMS", "Douane Nederland", "NL", "customs"),
    _org("KCBANK", "Kenya Commercial Trade Bank", "KE", "bank"),
    # 6. coffee from Ethiopian farmers; 7. cassava farmers in Zambia; 8. Ethiopian customs
    _org("SIDAMA-COOP", "Sidama Coffee Farmers Cooperative Union", "ET", "cooperative"),
    _org("ROAST-NL", "Amsterdam Roasters B.V.", "NL", "trader"),
    _org("ET-MOMO", "Abyssinia Mobile Money S.C.", "ET", "payment-provider"),
    _org("ET-COOPBANK", "Sidama Cooperative Bank S.C.", "ET", "bank"),  # the cooperative's bank
    _org("ET-CUSTOMS", "Ethiopian Customs Commission", "ET", "customs"),
    _org("ADDIS-IMPORT", "Addis Merkato Import Trading PLC", "ET", "trader"),
    _org("ADDIS-CLEAR", "Addis Customs Clearing and Forwarding PLC", "ET", "broker"),
    _org("ZM-AGRI", "Zambia Cassava Growers Association", "ZM", "cooperative"),
    _org("ZM-MOMO", "Copperbelt Mobile Money Ltd", "ZM", "payment-provider"),
    _org("ZM-MFI", "Lusaka Microfinance Ltd", "ZM", "bank"),
    # 9. remittance Mumbai -> Dubai; 10. mobile-money wallets at two providers
    _org("IN-REMIT", "Mumbai Remit Services Pvt Ltd", "IN", "payment-provider"),
    _org("AE-EXCH", "Emirates Exchange House LLC", "AE", "payment-provider"),
    _org("KE-MOMO", "Rift Valley Mobile Money Ltd", "KE", "payment-provider"),
    _org("TZ-MOMO", "Kilimanjaro Pesa Ltd", "TZ", "payment-provider"),
    _org("KE-PESA", "Nairobi Pesa Wallet Ltd", "KE", "payment-provider"),  # story 10's second provider
    # oversight and oracles of record
    _org("CBK", "Central Bank of Kenya", "KE", "regulator"),
    _org("MY-REG", "Bank Negara Malaysia", "MY", "regulator"),
    _org("ET-HEALTH", "Addis Ababa Registered Physicians Board", "ET", "oracle"),
    _org("MET-ZM", "Zambia Meteorological Department", "ZM", "oracle"),
    _org("MICRO-INS", "Consuelo Microseguros", "MX", "insurer"),
]
DEMO_ADMINS = ["KLTB", "BPLATA", "KCBANK"]
DEMO_NETWORK = "baobab-demo"
OPERATOR = "CBK"  # operates the demo's payments switch (as central banks run RTGS and national switches)
