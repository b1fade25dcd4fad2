#!/usr/bin/env python3
"""Summarises a precision report (`bpfcert precision --json`, schema bpfcert/precision/1) as the
Markdown table of docs/domain-precision.md: per operator, the share of inputs where each
component is optimal. A branch's cell sums its four outputs (taken / not taken, dst / src);
an exhaustive figure comes first, a sampled one follows in parentheses; sync and tighten show
single-view inputs (exhaustive) and mixed ones (sampled).

Usage: precision_summary.py REPORT.json
"""
import json
import sys

COMPONENTS = ["tnum", "u64", "s64", "u32", "s32"]


def share(rows):
    compared = sum(r["compared"] for r in rows)
    optimal = sum(r["optimal"] for r in rows)
    if compared == 0:
        return None
    hundredths = optimal * 10000 // compared  # truncated, as the command prints them
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def cell(rows):
    exhaustive = share([r for r in rows if r["mode"] == "exhaustive" and r["inputs"] != "unknown-memory"])
    sampled = share([r for r in rows if r["mode"] == "sampled"])
    parts = [p for p in (exhaustive, f"({sampled})" if sampled else None) if p]
    return " ".join(parts) if parts else "-"


def main():
    report = json.load(open(sys.argv[1], encoding="utf-8"))
    order, by_op = [], {}
    for r in report["results"]:
        if r["operator"] not in by_op:
            order.append(r["operator"])
            by_op[r["operator"]] = []
        by_op[r["operator"]].append(r)
    print("| operator | kind | " + " | ".join(f"{c} optimal %" for c in COMPONENTS) + " | tnum imprecision (bits) |")
    print("|---|---|" + "---|" * len(COMPONENTS) + "---|")
    for op in order:
        rows = by_op[op]
        kind = rows[0]["kind"]
        if rows[0]["mode"] == "not-applicable":
            print(f"| {op} | {kind} | " + " | ".join(["n/a"] * len(COMPONENTS)) + " | n/a |")
            continue
        cells = [cell([r for r in rows if r["component"] == c]) for c in COMPONENTS]
        # The mean is over sound inputs whose best abstraction is not empty: weigh rows by that.
        tnum = [r for r in rows if r["component"] == "tnum" and r["mode"] == "exhaustive"]
        counts = [r["compared"] - r["empty"] - r["unsound"] for r in tnum]
        bits = sum(r["mean_imprecision_bits"] * n for r, n in zip(tnum, counts)) / max(1, sum(counts))
        print(f"| {op} | {kind} | " + " | ".join(cells) + f" | {bits:.3f} |")
    print()
    print(f"Unsound results: {report['unsound']}.")


if __name__ == "__main__":
    main()
