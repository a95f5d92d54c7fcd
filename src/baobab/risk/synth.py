"""A deterministic synthetic data set for measuring duplicate-financing detection.

`generate(invoices, seed)` builds firms in several countries (legal-form suffixes, local
numbering schemes, currencies, VAT/GST rates), invoices with HS-coded line items in integer
minor units, and a time-ordered stream of presentations to financing platforms, each with
its ground truth:

- original: the first presentation of an invoice (expected: no flag);
- genuine: a distinct invoice that resembles another one (expected: no flag), e.g. monthly,
  fortnightly or weekly recurring invoices of equal amount and goods, the same goods sold to
  another buyer, the same buyer served by another seller, the same number reused next year;
- exact: the same invoice presented again to another platform, reformatted (expected: red);
- near: an altered copy presented to another platform (expected: amber): number changed,
  date shifted 1-5 days, amount changed 1-3%, lines re-totalled, and combinations.

Every presentation is rendered the way a platform might have captured it: case, spacing,
suffix spelling, "M/s.", leading zeros and separators in numbers, date and amount formats,
HS code formatting, line order. Only `random.Random(seed)` is used, so a seed fixes the set.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from baobab.core.money import MINOR_UNITS
from baobab.risk.normalise import party

# --- the world -------------------------------------------------------------------------------

# country: currency, VAT/GST rates (basis points), legal forms (spellings of one form), number
# schemes, platforms, name stems.
COUNTRIES: dict[str, dict[str, Any]] = {
    "IN": {
        "currency": "INR", "tax_bp": (500, 1200, 1800),
        "forms": (("Private Limited", "Pvt. Ltd.", "Pvt Ltd", "PVT. LTD.", "Pvt.Ltd.", "(P) Ltd", "Private Ltd"),
                  ("Limited", "Ltd.", "Ltd"), ("LLP", "Limited Liability Partnership"),
                  ("(OPC) Private Limited", "OPC Pvt. Ltd.", "(OPC) Pvt Ltd")),
        "schemes": ("INV/{fy}/{seq:04d}", "{ini}/{fy}/{seq:03d}", "GST-{seq:05d}", "{seq:06d}", "TI-{yy}-{seq:04d}"),
        "platforms": ("RXIL", "A.TReDS", "M1xchange"),
        "stems": "Shree Ganesh|Bharat|Laxmi|Sai Krishna|Om Sai|Vijay|Mahalakshmi|Jai Hind|Sri Venkateswara|Kaveri|"
        "Ganga|Deccan|Malabar|Rajdhani|Annapurna|Balaji|Siddhi Vinayak|Tirupati|Kohinoor|Shakti|Navkar|Amrit|"
        "Agarwal|Gupta|Reddy|Iyer|Nair|Mehta|Shah|Jain|Kapoor|Desai|Joshi|Menon|Rao|Bose|Patel|Sharma",
        "places": "Surat|Pune|Ludhiana|Tiruppur|Coimbatore|Rajkot|Nashik|Indore|Kanpur|Vapi",
    },
    "KE": {
        "currency": "KES", "tax_bp": (1600,),
        "forms": (("Limited", "Ltd", "LTD."), ("Company Limited", "Co. Ltd", "Co Ltd"), ("PLC", "Public Limited Company")),
        "schemes": ("INV-{seq:05d}", "{ini}{seq:06d}", "KE/{year}/{seq:04d}"),
        "platforms": ("Nairobi SCF", "Jambo Factoring"),
        "stems": "Kilimanjaro|Mombasa|Rift Valley|Nyali|Savannah|Simba|Tana River|Jambo|Baraka|Uhuru|Harambee|"
        "Mara|Kisumu|Nakuru|Mwangi|Otieno|Wanjiru|Kamau|Ochieng|Njoroge|Kiprono|Akinyi",
        "places": "Thika|Eldoret|Naivasha|Machakos|Kericho",
    },
    "MY": {
        "currency": "MYR", "tax_bp": (500, 1000),
        "forms": (("Sdn. Bhd.", "Sdn Bhd", "SDN. BHD.", "Sendirian Berhad"), ("Berhad", "Bhd", "Bhd."),
                  ("PLT", "Perkongsian Liabiliti Terhad")),
        "schemes": ("INV{seq:07d}", "{ini}-{year}-{seq:05d}", "SI {seq:06d}"),
        "platforms": ("KL Trade Finance", "Selangor SCF"),
        "stems": "Sinar|Maju|Gemilang|Cahaya|Mega|Perdana|Seri|Harmoni|Bintang|Tan Brothers|Lim Seng|Wong Kee|"
        "Ahmad|Rahman|Penang|Johor|Klang|Kinabalu|Syarikat Jaya|Teguh|Makmur",
        "places": "Ipoh|Melaka|Kuantan|Seremban|Shah Alam",
    },
    "AR": {
        "currency": "ARS", "tax_bp": (1050, 2100),
        "forms": (("S.A.", "SA", "S. A.", "Sociedad Anónima"), ("S.R.L.", "SRL", "S. R. L.", "Sociedad de Responsabilidad Limitada"),
                  ("S.A.S.", "SAS", "Sociedad por Acciones Simplificada"),
                  ("S.A.I.C.", "SAIC", "Sociedad Anónima Industrial y Comercial")),
        "schemes": ("A-{pos:04d}-{seq:08d}", "B {pos:04d}-{seq:08d}", "{pos:04d}-{seq:08d}"),
        "platforms": ("BA Factoring", "Pampa Financiera"),
        "stems": "La Pampa|Río de la Plata|Patagonia|Los Andes|Mendoza|San Martín|Del Sur|Pampeana|Cuyo|"
        "Fernández|González|Rodríguez|López|Martínez|Giménez|Santa Fe|Córdoba|El Ombú",
        "places": "Rosario|Tucumán|Bahía Blanca|Mar del Plata|Neuquén",
    },
    "NG": {
        "currency": "NGN", "tax_bp": (750,),
        "forms": (("Limited", "Ltd", "Ltd."), ("PLC", "Plc", "Public Limited Company")),
        "schemes": ("INV-{seq:05d}", "{year}/{seq:05d}", "{ini}{seq:05d}"),
        "platforms": ("Lagos Invoice Hub",),
        "stems": "Adeyemi|Okafor|Eko|Niger Delta|Zuma Rock|Ogun|Oluwa|Chukwu|Bello|Ibadan|Kano|Abeokuta|Olumide|Nnamdi",
        "places": "Aba|Onitsha|Kaduna|Enugu",
    },
    "ZA": {
        "currency": "ZAR", "tax_bp": (1500,),
        "forms": (("(Pty) Ltd", "Pty Ltd", "Proprietary Limited", "(PTY) LTD"), ("CC", "Close Corporation")),
        "schemes": ("INV{seq:06d}", "{ini}-{seq:05d}"),
        "platforms": ("Cape SCF",),
        "stems": "Table Mountain|Karoo|Highveld|Protea|Ubuntu|Drakensberg|Van der Merwe|Nkosi|Dlamini|Botha|Zulu|Limpopo",
        "places": "Durban|Gqeberha|Polokwane|Stellenbosch",
    },
    "BR": {
        "currency": "BRL", "tax_bp": (0,),
        "forms": (("Ltda.", "Ltda", "LTDA", "Limitada"), ("S.A.", "S/A", "SA", "Sociedade Anônima"),
                  ("EIRELI", "Empresa Individual de Responsabilidade Limitada"), ("Ltda. - ME", "LTDA ME", "Ltda.-ME")),
        "schemes": ("NF-{seq:06d}", "{seq:09d}", "{year}/{seq:05d}"),
        "platforms": ("Paulista Recebíveis",),
        "stems": "Paulista|Amazonas|Cerrado|Horizonte|Minas|Santos|Oliveira|Souza|Pereira|Costa|Alvorada|Guanabara",
        "places": "Campinas|Santos|Curitiba|Recife",
    },
    "VN": {
        "currency": "VND", "tax_bp": (800, 1000),
        # Vietnamese names carry the form in front ("Công ty TNHH X"), English ones behind.
        "forms": (("Co., Ltd.", "Company Limited", "Co Ltd", "CO., LTD", "Công ty TNHH {}", "Cong ty TNHH {}"),
                  ("JSC", "Joint Stock Company", "Công ty Cổ phần {}")),
        "schemes": ("HD{seq:07d}", "{ini}/{year}/{seq:05d}"),
        "platforms": ("Saigon Trade Finance",),
        "stems": "Hoang Long|Saigon|Mekong|Thanh Cong|Phu Thinh|An Phat|Viet Tien|Minh Anh|Hai Phong|Dong A|Tan Phat",
        "places": "Da Nang|Can Tho|Bien Hoa|Hue",
    },
}
# Buyers abroad, paying in their own currency.
FOREIGN_BUYERS: dict[str, dict[str, Any]] = {
    "DE": {"currency": "EUR", "forms": (("GmbH", "Gesellschaft mit beschränkter Haftung"), ("AG", "Aktiengesellschaft"),
                                        ("GmbH & Co. KG",)),
           "stems": "Rhein|Hansa|Nordstern|Bauer|Schmidt|Alpen|Elbe"},
    "US": {"currency": "USD", "forms": (("LLC", "L.L.C.", "Limited Liability Company"), ("Inc.", "Incorporated", "Inc"),
                                        ("Corp.", "Corporation")),
           "stems": "Atlantic|Prairie|Liberty|Summit|Lakeside|Redwood"},
    "AE": {"currency": "AED", "forms": (("LLC", "L.L.C."), ("FZE", "Free Zone Establishment"), ("FZCO", "Free Zone Company"),
                                        ("FZ-LLC", "FZ LLC")),
           "stems": "Al Noor|Gulf Star|Emirates Crown|Al Safa|Dubai Pearl"},
    "GB": {"currency": "GBP", "forms": (("Limited", "Ltd"), ("PLC", "plc", "Public Limited Company")),
           "stems": "Thames|Pennine|Albion|Mersey|Cotswold|Harcourt"},
    "FR": {"currency": "EUR", "forms": (("SA", "S.A.", "Société Anonyme"), ("SARL", "S.A.R.L.", "Société à responsabilité limitée"),
                                        ("SAS", "Société par actions simplifiée")),
           "stems": "Loire|Provence|Garonne|Dupont|Lefèvre|Bretagne"},
}
# Minor units of each currency per US cent, as a fraction (no floats in money).
RATE_PER_CENT = {
    "INR": (83, 1), "KES": (130, 1), "MYR": (47, 10), "ARS": (900, 1), "NGN": (1500, 1), "ZAR": (18, 1),
    "BRL": (5, 1), "VND": (250, 1), "EUR": (92, 100), "USD": (1, 1), "AED": (367, 100), "GBP": (79, 100),
}
# Industry word -> goods (HS code as printed, unit price range in US cents, quantity range).
INDUSTRIES: dict[str, list[tuple[str, tuple[int, int], tuple[int, int]]]] = {
    "Textiles": [("5208.12", (150, 600), (500, 20000)), ("5209.42", (200, 800), (500, 10000)), ("6109.10", (200, 900), (100, 5000))],
    "Agro": [("1006.30", (40, 90), (1000, 50000)), ("1201.90", (35, 60), (5000, 100000)), ("0902.30", (300, 900), (100, 5000))],
    "Coffee": [("0901.11", (300, 700), (500, 20000)), ("0901.21", (900, 2000), (100, 3000))],
    "Flowers": [("0603.11", (20, 80), (1000, 40000)), ("0603.19", (15, 60), (1000, 40000))],
    "Auto Components": [("8708.99", (500, 8000), (50, 5000)), ("4011.10", (3000, 9000), (20, 1000)), ("8511.40", (2000, 7000), (10, 500))],
    "Pharma": [("3004.90", (100, 3000), (100, 20000)), ("3002.15", (2000, 20000), (10, 500))],
    "Steel": [("7208.51", (60, 120), (1000, 50000)), ("7306.30", (100, 300), (500, 10000)), ("7318.15", (5, 40), (1000, 100000))],
    "Polymers": [("3901.10", (100, 180), (1000, 30000)), ("3923.30", (5, 30), (1000, 100000))],
    "Foods": [("1511.90", (80, 130), (1000, 40000)), ("1701.99", (40, 70), (1000, 50000)), ("2009.12", (100, 300), (100, 10000))],
    "Electricals": [("8544.49", (50, 400), (100, 20000)), ("8504.40", (1000, 15000), (10, 1000)), ("8536.50", (20, 300), (100, 10000))],
    "Leather": [("4107.12", (300, 1500), (100, 5000)), ("6403.99", (1500, 6000), (50, 2000))],
    "Packaging": [("4819.10", (10, 80), (1000, 50000)), ("4821.10", (1, 10), (5000, 200000))],
}
INDUSTRY_WORDS = {"AR": {"Textiles": "Textil", "Agro": "Agropecuaria", "Foods": "Alimentos", "Steel": "Metalúrgica",
                         "Pharma": "Farmacéutica", "Packaging": "Envases", "Auto Components": "Autopartes"}}
TRADE_WORDS = ("", "", "Exports", "Industries", "Traders", "Enterprises", "International", "Mills", "Trading")

FIRST_DAY = dt.date(2024, 4, 1)  # Indian financial year 2024-25
DAYS = 365
MONTHS_EN = "January February March April May June July August September October November December".split()
MONTHS_ES = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()


@dataclass(frozen=True)
class Firm:
    country: str
    core: str  # name without its legal form
    forms: tuple[str, ...]  # spellings of its legal form
    currency: str
    industry: str = ""
    scheme: str = ""  # invoice number scheme (sellers)
    pos: int = 1  # Argentine point of sale
    customers: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return with_form(self.core, self.forms[0])


def with_form(core: str, form: str, sep: str = " ") -> str:
    """The name with its legal form: behind it, or around it when the form is a template."""
    return form.format(core) if "{}" in form else f"{core}{sep}{form}"


@dataclass
class Invoice:
    id: str
    seller: int
    buyer: int
    date: dt.date
    currency: str
    lines: list[tuple[str, int, int]]  # (hs as printed, unit price minor, quantity)
    amount: int
    number: str = ""
    seq: int = 0
    typo: bool = False  # render the seller's name misspelt
    style: str = ""  # how a copy's capture differs: long_form, zero_padded, groups_merged


@dataclass(frozen=True)
class Presentation:
    seq: int  # position in the stream: screened, then registered, in this order
    platform: str
    registration: str  # the platform's registration id
    document: dict[str, Any]  # as the platform captured it
    label: str  # original | genuine | exact | near
    variant: str
    invoice: str  # the invoice shown; a copy carries the id of the invoice it copies
    like: str | None = None  # for genuine look-alikes: the invoice it resembles
    day: int = field(default=0, repr=False)  # presentation day, for ordering

    @property
    def expected(self) -> str:
        return {"exact": "red", "near": "amber"}.get(self.label, "none")


# Mix per base invoice: fractions of `invoices` that get a derived presentation.
GENUINE = {"monthly_recurring": 0.05, "fortnightly_recurring": 0.02, "weekly_recurring": 0.02,
           "same_goods_other_buyer": 0.02, "same_buyer_other_seller": 0.02, "same_parties_other_goods": 0.03,
           "number_reused_next_year": 0.01, "same_goods_within_days": 0.005}
EXACT = {"reformatted": 0.05, "lines_reordered": 0.02, "lines_split": 0.01, "lines_omitted": 0.02,
         "legal_form_spelled_out": 0.02, "number_zero_padding": 0.02,
         "seller_misspelt": 0.005, "number_groups_merged": 0.005}
NEAR = {"number_changed": 0.025, "date_shifted": 0.025, "amount_changed": 0.025, "lines_retotalled": 0.02,
        "number_and_date": 0.01, "amount_and_date": 0.01, "all_fields_changed": 0.005}
# Variants outside what the rules can tell apart, generated on purpose to show the limits
# (docs/DUPLICATE_FINANCING.md, "Limits"); every other variant must be caught in full.
UNCAUGHT = {
    "same_goods_within_days": "a genuine repeat of the same goods within days looks like a renumbered copy (amber)",
    "seller_misspelt": "a copy with the seller's name misspelt matches nothing",
    "all_fields_changed": "a copy with number, date, amount and lines all changed matches nothing",
    "number_groups_merged": "a copy whose number lost the separator between two digit groups "
                            "('0001-00000042' captured as '000100000042') is a new number: amber "
                            "(number_changed) at best, not red",
}


# --- generation --------------------------------------------------------------------------------

def generate(invoices: int = 1000, seed: int = 0) -> list[Presentation]:
    """`invoices` base invoices plus their look-alikes and copies, in presentation order."""
    rng = random.Random(seed)
    sellers, buyers = _firms(rng, max(40, invoices // 4), max(40, invoices // 3))
    base = [_invoice(rng, f"I{i:06d}", sellers, buyers) for i in range(invoices)]
    roles = _assign_roles(rng, len(base))
    genuine = [(_lookalike(rng, base[i], variant, sellers, buyers, f"G{i:06d}"), base[i], variant)
               for i, (kind, variant) in sorted(roles.items()) if kind == "genuine"]
    _number(sellers, base + [g for g, _, _ in genuine])
    for g, like, variant in genuine:
        if variant in ("number_reused_next_year", "same_buyer_other_seller"):
            g.number = like.number  # the same number, legitimately: next year, or another seller

    first = [(_days(inv.date) + rng.randint(0, 5), "original", "original", inv, None, None) for inv in base]
    presented: dict[str, tuple[int, str]] = {}
    out = _present(rng, first, sellers, buyers, presented)
    # Look-alikes go to another platform than the invoice they resemble: a platform's own
    # registrations never flag, so only cross-platform look-alikes test the rules.
    alike = [(_days(g.date) + rng.randint(0, 5), "genuine", variant, g, like.id, presented[like.id][1])
             for g, like, variant in genuine]
    out += _present(rng, alike, sellers, buyers, presented, offset=len(out))
    copies = []
    for i, (kind, variant) in sorted(roles.items()):
        if kind in ("exact", "near"):
            day0, platform0 = presented[base[i].id]  # copies go to another platform, later
            copies.append((day0 + rng.randint(1, 45), kind, variant, _alter(rng, base[i], variant), None, platform0))
    out += _present(rng, copies, sellers, buyers, presented, offset=len(out))
    out.sort(key=lambda p: (p.day, p.seq))
    return [replace(p, seq=i) for i, p in enumerate(out)]


def _assign_roles(rng: random.Random, n: int) -> dict[int, tuple[str, str]]:
    # Disjoint roles: a base invoice gets at most one derived presentation, so the ground truth
    # of every presentation is unambiguous (a copy shifted towards a look-alike would be both).
    order = list(range(n))
    rng.shuffle(order)
    roles: dict[int, tuple[str, str]] = {}
    for kind, mix in (("genuine", GENUINE), ("exact", EXACT), ("near", NEAR)):
        for variant, share in mix.items():
            for _ in range(round(share * n)):
                if order:
                    roles[order.pop()] = (kind, variant)
    return roles


def _firms(rng: random.Random, n_sellers: int, n_buyers: int) -> tuple[list[Firm], list[Firm]]:
    seen: set[str] = set()
    home = list(COUNTRIES)
    buyers = [_firm(rng, rng.choice(home) if rng.random() < 0.85 else rng.choice(list(FOREIGN_BUYERS)), seen)
              for _ in range(n_buyers)]
    by_country: dict[str, list[int]] = {}
    for i, b in enumerate(buyers):
        by_country.setdefault(b.country, []).append(i)
    foreign = [i for i, b in enumerate(buyers) if b.country in FOREIGN_BUYERS]
    sellers = []
    for _ in range(n_sellers):
        firm = _firm(rng, rng.choice(home), seen, seller=True)
        local = by_country.get(firm.country) or foreign or list(range(len(buyers)))
        customers = {rng.choice(local) for _ in range(rng.randint(1, 4))}
        if foreign and rng.random() < 0.3:
            customers.add(rng.choice(foreign))
        sellers.append(replace(firm, customers=tuple(sorted(customers))))
    return sellers, buyers


def _firm(rng: random.Random, country: str, seen: set[str], seller: bool = False) -> Firm:
    spec = COUNTRIES.get(country) or FOREIGN_BUYERS[country]
    for attempt in range(1000):
        industry = rng.choice(list(INDUSTRIES))
        word = INDUSTRY_WORDS.get(country, {}).get(industry, industry)
        parts = [rng.choice(spec["stems"].split("|")), word, rng.choice(TRADE_WORDS)]
        if attempt > 20 and "places" in spec:
            parts.insert(1, rng.choice(spec["places"].split("|")))
        if attempt > 100:
            parts.insert(0, f"{rng.choice('ABCDEGHJKLMNPRSTV')}.{rng.choice('ABCDEGHJKLMNPRSTV')}.")
        core = " ".join(p for p in parts if p)
        key = party(core)
        if key not in seen:  # distinct firms must not normalise to one name (see docs)
            seen.add(key)
            break
    else:  # pragma: no cover - word lists exhausted
        raise RuntimeError("ran out of firm names")
    firm = Firm(country, core, rng.choice(spec["forms"]), spec["currency"], industry)
    if seller:
        firm = replace(firm, scheme=rng.choice(spec["schemes"]), pos=rng.randint(1, 9))
    return firm


def _invoice(rng: random.Random, iid: str, sellers: list[Firm], buyers: list[Firm], **fixed: Any) -> Invoice:
    s = fixed.get("seller", rng.randrange(len(sellers)))
    b = fixed.get("buyer", rng.choice(sellers[s].customers))
    date = fixed.get("date", FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS)))
    ccy = buyers[b].currency if buyers[b].country in FOREIGN_BUYERS else sellers[s].currency
    lines = fixed.get("lines") or _lines(rng, sellers[s].industry, ccy)
    domestic = buyers[b].country == sellers[s].country
    tax = rng.choice(COUNTRIES[sellers[s].country]["tax_bp"]) if domestic else 0  # exports are zero-rated
    subtotal = sum(p * q for _, p, q in lines)
    return Invoice(iid, s, b, date, ccy, lines, subtotal + subtotal * tax // 10_000)


def _lines(rng: random.Random, industry: str, ccy: str) -> list[tuple[str, int, int]]:
    goods = INDUSTRIES[industry]
    num, den = RATE_PER_CENT[ccy]
    out = []
    for hs, (lo, hi), (qlo, qhi) in rng.sample(goods, rng.randint(1, len(goods))):
        cents = rng.randint(lo, hi)
        price = max(1, cents * num // den)
        qty = rng.randint(qlo, qhi) // 10 * 10 or qlo  # round quantities, as orders are
        out.append((hs, price, qty))
    return out


def _lookalike(rng: random.Random, inv: Invoice, variant: str, sellers: list[Firm], buyers: list[Firm], gid: str) -> Invoice:
    same = {"seller": inv.seller, "buyer": inv.buyer, "lines": inv.lines}
    if variant == "monthly_recurring":
        g = _invoice(rng, gid, sellers, buyers, **same, date=_add_month(inv.date))
    elif variant == "fortnightly_recurring":
        g = _invoice(rng, gid, sellers, buyers, **same, date=inv.date + dt.timedelta(days=14))
    elif variant == "weekly_recurring":
        g = _invoice(rng, gid, sellers, buyers, **same, date=inv.date + dt.timedelta(days=7))
    elif variant == "same_goods_other_buyer":
        others = [c for c in sellers[inv.seller].customers if c != inv.buyer] or [
            i for i, b in enumerate(buyers) if b.country == buyers[inv.buyer].country and i != inv.buyer]
        g = _invoice(rng, gid, sellers, buyers, seller=inv.seller, buyer=rng.choice(others), lines=inv.lines, date=inv.date)
    elif variant == "same_buyer_other_seller":
        # another seller of the same country and currency; same goods, amount and date
        peers = [i for i, s in enumerate(sellers) if i != inv.seller and s.country == sellers[inv.seller].country]
        peers = peers or [i for i in range(len(sellers)) if i != inv.seller]
        g = _invoice(rng, gid, sellers, buyers, seller=rng.choice(peers), buyer=inv.buyer, lines=inv.lines, date=inv.date)
    elif variant == "same_parties_other_goods":
        g = _invoice(rng, gid, sellers, buyers, seller=inv.seller, buyer=inv.buyer,
                     date=inv.date + dt.timedelta(days=rng.randint(-6, 6)))
    elif variant == "same_goods_within_days":
        g = _invoice(rng, gid, sellers, buyers, **same, date=inv.date + dt.timedelta(days=rng.randint(1, 6)))
    elif variant == "number_reused_next_year":
        g = _invoice(rng, gid, sellers, buyers, **same, date=inv.date + dt.timedelta(days=365))
    else:
        raise ValueError(variant)
    if variant != "same_parties_other_goods":
        g.amount = inv.amount if g.currency == inv.currency else g.amount
    return g


def _add_month(date: dt.date) -> dt.date:
    y, m = (date.year + 1, 1) if date.month == 12 else (date.year, date.month + 1)
    return dt.date(y, m, min(date.day, calendar.monthrange(y, m)[1]))


def _number(sellers: list[Firm], invoices: list[Invoice]) -> None:
    """Number each seller's invoices in date order with its own scheme."""
    start = {}
    for inv in sorted(invoices, key=lambda i: (i.date, i.id)):
        firm = sellers[inv.seller]
        seq = start.setdefault(inv.seller, 1 + (_stable_hash(firm.core) % 400))
        start[inv.seller] = seq + 1
        inv.seq = seq
        inv.number = _format_number(firm, inv.date, seq)


def _stable_hash(text: str) -> int:
    # a stable small hash (Python's hash() is salted per process)
    return sum((i + 1) * ord(c) for i, c in enumerate(text))


def _format_number(firm: Firm, date: dt.date, seq: int) -> str:
    fy = date.year if date.month >= 4 else date.year - 1
    ini = "".join(w[0] for w in firm.core.split() if w[0].isalpha())[:3].upper()
    return firm.scheme.format(seq=seq, fy=f"{fy}-{(fy + 1) % 100:02d}", yy=f"{fy % 100:02d}", year=date.year, ini=ini, pos=firm.pos)


def _alter(rng: random.Random, inv: Invoice, variant: str) -> Invoice:
    """A copy of `inv` for an exact or near duplicate presentation."""
    c = replace(inv, lines=list(inv.lines))
    shift = dt.timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 5))
    if variant == "lines_reordered":
        rng.shuffle(c.lines)
    elif variant == "lines_split":
        hs, price, qty = c.lines[0]
        part = max(1, qty // 3)
        c.lines[0:1] = [(hs, price, qty - part), (hs, price, part)] if qty > 1 else c.lines[0:1]
    elif variant == "lines_omitted":
        c.lines = []
    elif variant == "seller_misspelt":
        c.typo = True
    elif variant == "legal_form_spelled_out":
        c.style = "long_form"
    elif variant == "number_zero_padding":
        c.style = "zero_padded"
    elif variant == "number_groups_merged":
        c.style = "groups_merged"
    if variant in ("number_changed", "number_and_date", "lines_retotalled", "all_fields_changed"):
        c.number = _renumber(rng, c.number)
    if variant in ("date_shifted", "number_and_date", "amount_and_date", "all_fields_changed"):
        c.date = inv.date + shift
    if variant == "all_fields_changed":
        hs, price, qty = c.lines[0]
        c.lines[0] = (hs, price, qty + max(1, qty // 10))
    if variant in ("amount_changed", "amount_and_date", "all_fields_changed"):
        bp = rng.randint(100, 300) * rng.choice((-1, 1))
        c.amount = inv.amount + inv.amount * bp // 10_000
    if variant == "lines_retotalled":  # same goods, "freight and charges" added to the total
        rng.shuffle(c.lines)
        c.amount = inv.amount + inv.amount * rng.randint(500, 2500) // 10_000
    return c


def _renumber(rng: random.Random, number: str) -> str:
    groups = _groups(number)
    for i in range(len(groups) - 1, -1, -1):
        text = groups[i]
        if text.isdigit():
            width = len(text)
            groups[i] = str(int(text) + rng.randint(1, 900)).zfill(width)
            return "".join(groups)
    return number + rng.choice(("A", "-1", "R"))


# --- rendering: how a platform captured the document -----------------------------------------

def _present(rng: random.Random, items: list, sellers: list[Firm], buyers: list[Firm],
             presented: dict[str, tuple[int, str]], offset: int = 0) -> list[Presentation]:
    out = []
    for n, (day, label, variant, inv, like, exclude) in enumerate(items):
        platform = _platform(rng, sellers[inv.seller].country, exclude)
        presented.setdefault(inv.id, (day, platform))
        doc = render(rng, inv, sellers[inv.seller], buyers[inv.buyer])
        seq = offset + n
        out.append(Presentation(seq, platform, f"{_code(platform)}-{seq:07d}", doc, label, variant, inv.id, like, day))
    return out


def _platform(rng: random.Random, country: str, exclude: str | None) -> str:
    local = [p for p in COUNTRIES[country]["platforms"] if p != exclude]
    if local and rng.random() < 0.8:
        return rng.choice(local)
    every = [p for spec in COUNTRIES.values() for p in spec["platforms"] if p != exclude]
    return rng.choice(every)


def _code(platform: str) -> str:
    return "".join(c for c in platform.upper() if c.isalnum())[:6]


def render(rng: random.Random, inv: Invoice, seller: Firm, buyer: Firm) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": "invoice",
        "seller": render_name(rng, seller, inv.typo, long_form=inv.style == "long_form"),
        "buyer": render_name(rng, buyer, long_form=inv.style == "long_form"),
        "number": render_number(rng, inv.number, inv.style),
        "date": render_date(rng, inv.date, seller.country),
        "currency": rng.choice((inv.currency, inv.currency, inv.currency.lower(), f" {inv.currency} ")),
        "amount": render_amount(rng, inv.amount, inv.currency, seller.country),
    }
    if inv.lines:
        style = rng.random()
        doc["lines"] = [
            {"hs": render_hs(rng, hs), "quantity": qty if style < 0.7 else f"{qty:,}",
             "unit_price": price if style < 0.5 else render_amount(rng, price, inv.currency, seller.country, symbol=False),
             "description": f"goods under HS {hs}"}
            for hs, price, qty in inv.lines
        ]
    return doc


def render_name(rng: random.Random, firm: Firm, typo: bool = False, long_form: bool = False) -> str:
    core = firm.core
    if typo:  # one letter changed: "Shree" -> "Shrea"
        at = rng.choice([i for i, ch in enumerate(core) if ch.isalpha()])
        core = core[:at] + ("a" if core[at].lower() != "a" else "e") + core[at + 1:]
    if rng.random() < 0.2:
        core = "".join(c for c in unicodedata.normalize("NFKD", core) if not unicodedata.combining(c))
    if " and " in core or " & " in core:
        core = core.replace(" and ", " & ") if rng.random() < 0.5 else core.replace(" & ", " and ")
    form = rng.choice(firm.forms) if rng.random() < 0.85 else ""
    if long_form:  # as the company registry spells it out: "Public Limited Company", not "PLC"
        form = max(firm.forms, key=len)
    sep = rng.choice((" ", " ", ", ", "  "))
    name = with_form(core, form, sep) if form else core
    if firm.country == "IN" and rng.random() < 0.15:
        name = rng.choice(("M/s. ", "M/S ", "M/s ")) + name
    case = rng.random()
    name = name.upper() if case < 0.2 else name.lower() if case < 0.3 else name.title() if case < 0.4 else name
    return rng.choice(("", " ")) + name + rng.choice(("", "", " ", "."))


def render_number(rng: random.Random, number: str, style: str = "") -> str:
    groups = _groups(number)
    if style == "zero_padded":  # every digit group padded differently, as fixed-width systems do
        groups = [(str(int(g)) if g[0] == "0" and len(g) > 1 else g.zfill(len(g) + rng.randint(1, 3)))
                  if g.isdigit() else g for g in groups]
    elif style == "groups_merged":  # the separator between two digit groups lost
        for i in range(1, len(groups) - 1):
            if groups[i - 1].isdigit() and not groups[i].isalnum() and groups[i + 1].isdigit():
                groups[i - 1:i + 2] = [groups[i - 1] + groups[i + 1]]
                break
    out = []
    for i, g in enumerate(groups):
        if g.isdigit():
            if rng.random() < 0.3:
                g = str(int(g)) if rng.random() < 0.6 else g.zfill(len(g) + rng.randint(1, 2))
        elif not g.isalnum():  # a separator: respell it, or drop it between letters and digits
            prev, nxt = groups[i - 1] if i else "", groups[i + 1] if i + 1 < len(groups) else ""
            if rng.random() < 0.3:
                g = rng.choice(("/", "-", " ", ".", "_"))
                if prev and nxt and prev[-1].isdigit() != nxt[0].isdigit() and rng.random() < 0.3:
                    g = ""
        out.append(g)
    text = "".join(out)
    case = rng.random()
    return text.lower() if case < 0.2 else text.title() if case < 0.3 else text


def _groups(text: str) -> list[str]:
    """Split "INV/2024-25/0042" into ["INV", "/", "2024", "-", "25", "/", "0042"]."""
    out: list[str] = []
    for ch in text:
        cls = "d" if ch.isdigit() else "a" if ch.isalpha() else "s"
        if out and _cls(out[-1][-1]) == cls:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _cls(ch: str) -> str:
    return "d" if ch.isdigit() else "a" if ch.isalpha() else "s"


def render_date(rng: random.Random, date: dt.date, country: str) -> Any:
    d, m, y = date.day, date.month, date.year
    forms = [
        date, date.isoformat(), f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}", f"{d:02d}-{m:02d}-{y}", f"{d:02d}.{m:02d}.{y}",
        f"{d:02d}/{m:02d}/{y % 100:02d}", f"{d} {MONTHS_EN[m - 1][:3]} {y}", f"{MONTHS_EN[m - 1]} {d}, {y}",
        f"{d:02d}-{MONTHS_EN[m - 1][:3].upper()}-{y}", f"{y}{m:02d}{d:02d}", f"{date.isoformat()}T00:00:00Z",
    ]
    if country == "AR":
        forms.append(f"{d} de {MONTHS_ES[m - 1]} de {y}")
    return rng.choice(forms)


def render_amount(rng: random.Random, minor: int, ccy: str, country: str, symbol: bool = True) -> Any:
    style = rng.random()
    if style < 0.3:
        return minor  # integer minor units
    places = MINOR_UNITS[ccy]
    whole, frac = divmod(minor, 10**places)
    frac_text = f"{frac:0{places}d}" if places else ""
    keep_frac = places > 0 and (frac or rng.random() < 0.7)
    european = country in ("AR", "BR", "VN") and rng.random() < 0.7
    if style < 0.45:
        text = f"{whole}" + (f".{frac_text}" if keep_frac else "")
    elif european:
        text = f"{whole:,}".replace(",", ".") + (f",{frac_text}" if keep_frac else "")
    elif ccy == "INR" and rng.random() < 0.7:
        text = _indian_grouping(whole) + (f".{frac_text}" if keep_frac else "")
    else:
        text = f"{whole:,}" + (f".{frac_text}" if keep_frac else "")
    if symbol and rng.random() < 0.4:
        mark = rng.choice({"INR": ("Rs. ", "₹", "INR "), "KES": ("KSh ", "KES "), "MYR": ("RM ", "MYR "),
                           "ARS": ("$ ", "ARS "), "BRL": ("R$ ",), "ZAR": ("R ",), "NGN": ("₦",)}.get(ccy, (f"{ccy} ",)))
        text = mark + text
    if ccy == "INR" and symbol and rng.random() < 0.2:
        text += "/-"
    return text


def _indian_grouping(n: int) -> str:
    s = str(n)
    if len(s) <= 3:
        return s
    head, tail = s[:-3], s[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail]) if head else ",".join([*pairs, tail])


def render_hs(rng: random.Random, hs: str) -> str:
    digits = hs.replace(".", "")
    forms = [hs, digits, digits[:4], f"{digits[:4]} {digits[4:]}", digits + "00", f"{hs}.00"]
    if digits.startswith("0"):
        forms.append(digits.lstrip("0"))  # lost in a spreadsheet
    return rng.choice(forms)


def _days(date: dt.date) -> int:
    return (date - FIRST_DAY).days
