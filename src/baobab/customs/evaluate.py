"""How well the price filters find mispriced goods, on generated declarations with planted ones.

    python -m baobab.customs.evaluate                 # 100,000 items, seed 1
    python -m baobab.customs.evaluate --items 20000 --seed 3

Goods: `--goods` HS subheadings, each with its own typical unit value and spread (log-normal, as
unit values are), from several origins that price a little differently. Planted: 2% of items
under-invoiced (declared at 10-40% of their value, as the report's Ethiopian import invoices
were) and 1% over-invoiced (2.5-6 times). Honest items vary as trade does. Prints precision and
recall of each method and of their union, and the false-flag rate among honest items.
"""

from __future__ import annotations

import argparse
import math
import random
from decimal import Decimal

from baobab.customs.misinvoicing import OVER, UNDER, Item, PriceFilter

ORIGINS = ("CN", "IN", "TR", "AE", "KE", "EG", "BR")


def generate(items: int, goods: int, seed: int) -> tuple[list[Item], dict[str, str]]:
    """Items and, for each planted one, what was planted (UNDER or OVER)."""
    rng = random.Random(seed)
    kinds = [(f"{rng.randint(10, 97):02d}{rng.randint(1, 99):02d}{rng.randint(10, 90):02d}",
              rng.uniform(math.log(0.5), math.log(400)), rng.uniform(0.12, 0.35)) for _ in range(goods)]
    origin_bias = {o: rng.uniform(-0.15, 0.15) for o in ORIGINS}
    out, planted = [], {}
    for n in range(items):
        hs6, mu, sigma = kinds[rng.randrange(goods)]
        origin = rng.choice(ORIGINS)
        quantity = Decimal(rng.randint(10, 20_000))
        unit_value = math.exp(rng.gauss(mu + origin_bias[origin], sigma))
        declaration = f"ET-IM-{n:06d}"
        r = rng.random()
        if r < 0.02:
            unit_value *= rng.uniform(0.10, 0.40)
            planted[declaration] = UNDER
        elif r < 0.03:
            unit_value *= rng.uniform(2.5, 6.0)
            planted[declaration] = OVER
        value_minor = max(1, round(unit_value * float(quantity) * 100))
        out.append(Item(declaration, hs6, origin, "KGM", "USD", value_minor, quantity))
    return out, planted


def score(flagged: dict[str, str], planted: dict[str, str], honest: int) -> str:
    hits = sum(1 for d, code in flagged.items() if planted.get(d) == code)
    precision = hits / len(flagged) if flagged else 1.0
    recall = hits / len(planted) if planted else 1.0
    false = sum(1 for d in flagged if d not in planted)
    return f"precision {precision:.4f}  recall {recall:.4f}  false flags {false / honest:.4%} of honest items"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m baobab.customs.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--goods", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    items, planted = generate(args.items, args.goods, args.seed)
    price_filter = PriceFilter(items)
    by_method: dict[str, dict[str, str]] = {"interquartile": {}, "robust z": {}, "either": {}}
    for item in items:
        for flag in price_filter.check(item):
            key = "interquartile" if flag.method.startswith("interquartile") else "robust z"
            by_method[key][flag.declaration] = flag.code
            by_method["either"][flag.declaration] = flag.code
    honest = len(items) - len(planted)
    print(f"{len(items):,} items of {args.goods} HS subheadings, {len(planted):,} planted "
          f"({sum(1 for c in planted.values() if c == UNDER):,} under-, {sum(1 for c in planted.values() if c == OVER):,} over-invoiced), seed {args.seed}")
    for method, flagged in by_method.items():
        print(f"  {method:<14} {score(flagged, planted, honest)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
