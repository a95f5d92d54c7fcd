"""Precision and recall of duplicate-financing screening on the synthetic data set.

Every presentation, in order, is fingerprinted, screened against the registrations before
it, then registered (as a platform would after financing). The strongest flag is compared
with the ground truth: exact copies should be red, altered copies amber, originals and
genuine look-alikes unflagged.

    python -m baobab.risk.evaluate --invoices 10000 --seed 1
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field

from baobab.risk.fingerprints import NetworkKey, fingerprint
from baobab.risk.flags import RED
from baobab.risk.screening import ScreeningIndex
from baobab.risk.synth import Presentation, generate

LEVELS = ("none", "amber", "red")


@dataclass
class Result:
    confusion: Counter = field(default_factory=Counter)  # (expected, flagged) -> count
    variants: dict[tuple[str, str], Counter] = field(default_factory=dict)  # (label, variant) -> flagged
    rules: dict[tuple[str, str], Counter] = field(default_factory=dict)  # (label, variant) -> strongest rule
    linked: int = 0  # flagged copies whose flags name a registration of the copied invoice
    flagged_copies: int = 0
    seconds: float = 0.0

    def precision(self, level: str) -> float:
        flagged = sum(n for (_, f), n in self.confusion.items() if f == level)
        return self.confusion[(level, level)] / flagged if flagged else 1.0

    def recall(self, level: str) -> float:
        expected = sum(n for (e, _), n in self.confusion.items() if e == level)
        return self.confusion[(level, level)] / expected if expected else 1.0

    def detected(self, level: str) -> float:
        """Share of `level` presentations flagged at any level."""
        expected = sum(n for (e, _), n in self.confusion.items() if e == level)
        hit = sum(n for (e, f), n in self.confusion.items() if e == level and f != "none")
        return hit / expected if expected else 1.0

    def false_flag_rate(self) -> float:
        clean = sum(n for (e, _), n in self.confusion.items() if e == "none")
        wrong = sum(n for (e, f), n in self.confusion.items() if e == "none" and f != "none")
        return wrong / clean if clean else 0.0

    @property
    def presentations(self) -> int:
        return sum(self.confusion.values())


def evaluate(presentations: list[Presentation], key: NetworkKey | None = None) -> Result:
    key = key or NetworkKey(hashlib.sha256(b"baobab evaluation key").digest())
    index = ScreeningIndex()
    result = Result()
    invoice_of: dict[str, str] = {}  # registration id -> invoice id, to check the flag's link
    start = time.perf_counter()
    for p in presentations:
        fps = fingerprint(p.document, key)
        flags = index.screen(fps, p.platform)
        flagged = RED if any(f.level == RED for f in flags) else flags[0].level if flags else "none"
        index.register(fps, p.platform, p.registration)
        invoice_of[p.registration] = p.invoice
        result.confusion[(p.expected, flagged)] += 1
        result.variants.setdefault((p.label, p.variant), Counter())[flagged] += 1
        if flags:
            result.rules.setdefault((p.label, p.variant), Counter())[flags[0].rule] += 1
        if flags and p.label in ("exact", "near"):
            result.flagged_copies += 1
            result.linked += any(invoice_of[f.registration] == p.invoice for f in flags)
    result.seconds = time.perf_counter() - start
    return result


def format_result(r: Result, title: str = "") -> str:
    out = [title] if title else []
    out.append(f"presentations: {r.presentations}, fingerprint+screen+register: "
               f"{r.presentations / r.seconds:,.0f}/s" if r.seconds else f"presentations: {r.presentations}")
    out.append("")
    out.append("confusion (rows: expected, columns: strongest flag)")
    out.append(f"{'':>10}" + "".join(f"{lv:>8}" for lv in LEVELS))
    for e in LEVELS:
        out.append(f"{e:>10}" + "".join(f"{r.confusion[(e, f)]:>8}" for f in LEVELS))
    out.append("")
    out.append(f"{'flag':<8}{'precision':>10}{'recall':>9}{'flagged at any level':>22}")
    for lv in ("red", "amber"):
        out.append(f"{lv:<8}{r.precision(lv):>10.4f}{r.recall(lv):>9.4f}{r.detected(lv):>22.4f}")
    out.append(f"false flags on originals and look-alikes: {r.false_flag_rate():.4%}")
    out.append(f"flagged copies naming a registration of the copied invoice: {r.linked}/{r.flagged_copies}")
    out.append("")
    out.append(f"{'label':<9}{'variant':<26}{'n':>6}{'none':>7}{'amber':>7}{'red':>6}  strongest rule")
    for (label, variant), c in sorted(r.variants.items(), key=lambda kv: (("original", "genuine", "exact", "near").index(kv[0][0]), kv[0][1])):
        rules = ", ".join(f"{rule} {n}" for rule, n in r.rules.get((label, variant), Counter()).most_common(3))
        out.append(f"{label:<9}{variant:<26}{sum(c.values()):>6}{c['none']:>7}{c['amber']:>7}{c['red']:>6}  {rules}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000, help="base invoices to generate")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    t = time.perf_counter()
    presentations = generate(args.invoices, args.seed)
    generated = time.perf_counter() - t
    result = evaluate(presentations)
    print(format_result(result, f"duplicate-financing screening: {args.invoices} invoices, seed {args.seed} "
                                f"(generated in {generated:.1f}s)"))


if __name__ == "__main__":
    main()
