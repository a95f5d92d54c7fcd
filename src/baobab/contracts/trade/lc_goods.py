"""Whether a document's description of the goods fits the credit's (UCP 600 art. 14(d)-(e), 18(c)): pure rules.

The rule, as `docs/TRADE.md` states it:

- The commercial invoice must *correspond* with the credit's description (art. 18(c)): every
  word of the credit's description appears in the invoice's (case, punctuation, word order and
  plural forms aside), and the words the invoice adds may only detail the same goods (variety,
  crop year, packing, origin, grade standard...). An added word that describes other goods
  (another commodity, a by-product or processed form: meal, pellets, oil, husks...) or defective
  goods (damaged, salvage, second grade, rejected...) is a discrepancy. A mere restatement is not.
- Any other document may describe the goods in general terms (art. 14(e)), so it need not repeat
  the credit's words, but it must not conflict (art. 14(d)): naming another commodity, a
  by-product or a defect is a conflict, even when its HS code is the credit's.

Words are compared after folding case and accents of ASCII letters, splitting on anything but
letters and digits, and reducing simple plurals ("soybeans" = "soybean", "boxes" = "box").
"""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z0-9]+")

# Words that make the goods other goods than a credit for the commodity itself: by-products,
# processed or residual forms, and words declaring the goods defective or of a lower quality.
OTHER_GOODS = frozenset({
    "meal", "pellet", "cake", "expeller", "husk", "hull", "bran", "screening", "sweeping", "residue", "waste",
    "scrap", "flour", "oil", "lecithin", "molasses", "extraction", "extracted", "byproduct", "derivative",
    "damaged", "damage", "defective", "salvage", "salvaged", "rejected", "reject", "substandard", "spoiled",
    "rotten", "mouldy", "moldy", "contaminated", "infested", "germinated", "sprouted", "broken", "wet",
    "heated", "burnt", "used", "secondhand", "refurbished", "reconditioned", "imitation", "counterfeit",
    "expired", "sample",
})
# Phrases of several words with the same effect (matched as consecutive words).
OTHER_PHRASES = (
    ("by", "product"), ("second", "grade"), ("2nd", "grade"), ("second", "quality"), ("2nd", "quality"),
    ("off", "grade"), ("off", "spec"), ("below", "grade"), ("sub", "standard"), ("out", "of", "condition"),
    ("not", "fit"), ("unfit", "for"), ("feed", "grade"), ("sample", "grade"), ("non", "conforming"),
    ("third", "grade"), ("low", "grade"),
)
# Commodities a description may name; naming one the credit does not name is another commodity.
COMMODITIES = frozenset({
    "soybean", "soya", "maize", "corn", "wheat", "barley", "rice", "sorghum", "millet", "oat", "rye",
    "sugar", "coffee", "cocoa", "tea", "cotton", "rubber", "palm", "rapeseed", "canola", "sunflower",
    "groundnut", "peanut", "sesame", "cashew", "copra", "cassava", "tobacco", "cement", "steel", "copper",
    "aluminium", "iron", "zinc", "nickel", "gold", "coal", "urea", "fertiliser", "timber", "pulp",
    "shrimp", "beef", "chicken", "mutton", "milk", "juice", "mango", "banana", "orange", "avocado",
    "pineapple", "grape", "apple", "rose", "tulip", "chrysanthemum", "carnation", "lentil", "chickpea",
    "pea", "bean", "diesel", "gasoline", "petrol",
})  # general terms (grain, oilseed, flower, fish, fruit, metal...) are not listed: art. 14(e) allows them
# Spellings of the same word.
SAME = {"soya": "soy", "soyabean": "soybean", "aluminum": "aluminium", "fertilizer": "fertiliser",
        "mold": "mould", "moldy": "mouldy"}


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The words of a description, folded as the module says."""
    return [SAME.get(w, w) for w in (_singular(w) for w in WORD.findall(text.casefold().replace("-", " ")))]


def _phrases(ws: list[str]) -> set[str]:
    found = set()
    for phrase in OTHER_PHRASES:
        n = len(phrase)
        if any(tuple(ws[i:i + n]) == phrase for i in range(len(ws) - n + 1)):
            found.add(" ".join(phrase))
    return found


def _other_goods(ws: list[str], credit: list[str]) -> list[str]:
    """Words of `ws` describing other or defective goods than the credit's words describe."""
    allowed = set(credit)
    found = {w for w in ws if (w in OTHER_GOODS or w in COMMODITIES) and w not in allowed}
    found |= _phrases(ws) - _phrases(credit)
    # "soya beans" restates "soybeans": a commodity word is allowed when it is part of a credit word
    found = {w for w in found if not any(w != c and w in c for c in allowed)}
    return sorted(found)


def invoice_problem(credit_description: str, invoice_description: str) -> str | None:
    """Why the invoice's description does not correspond with the credit's (art. 18(c)), or None."""
    credit, invoice = words(credit_description), words(invoice_description)
    missing = [w for w in credit if w not in invoice]
    if missing and "".join(credit) not in "".join(invoice):  # "soybeans" = "soy beans"
        return f"the credit's words {', '.join(missing)} are missing"
    extra = _other_goods(invoice, credit)
    if extra:
        return f"it adds words describing other or defective goods: {', '.join(extra)}"
    return None


def conflict(credit_description: str, description: str) -> str | None:
    """Why a document's description (general terms allowed) conflicts with the credit's (art. 14(d)-(e)), or None."""
    extra = _other_goods(words(description), words(credit_description))
    return f"it names other or defective goods: {', '.join(extra)}" if extra else None
