#!/usr/bin/env python3
"""Summarises the verification reports of the program corpus (out/programs/*.json, written by
`bpfcert verify OBJ --compare-kernel --json`) into out/programs/SUMMARY.md and summary.json:
per program the instructions, bpfcert's verdict and findings (check@C line, with the witness
status when the reports have witnesses: `verify --witness`), the analysis time, the kernel's
verdict, and the verdict the corpus source expects ("bpfcert: expect").

Usage: programs_summary.py REPORT_DIR SOURCE_DIR
"""
import json
import os
import re
import sys


def expectation(source_dir, stem):
    try:
        text = open(os.path.join(source_dir, stem + ".c"), encoding="utf-8").read()
    except OSError:
        return None
    m = re.search(r"bpfcert: expect (accept|reject)", text)
    return m.group(1) if m else None


def main():
    report_dir, source_dir = sys.argv[1], sys.argv[2]
    rows = []
    witnesses = {}
    for name in sorted(os.listdir(report_dir)):
        if not name.endswith(".json") or name == "summary.json":
            continue
        stem = name[:-5]
        doc = json.load(open(os.path.join(report_dir, name), encoding="utf-8"))
        for entry in doc.get("programs", []):
            p = entry["report"]
            errors = [f for f in p["findings"] if f["severity"] == "error"]
            findings = sorted({"%s@%s%s" % (f["check"], f.get("source", {}).get("line", "?"),
                                            " (%s)" % f["witness"]["status"].replace("_", " ") if "witness" in f else "")
                               for f in errors})
            for f in errors:
                if "witness" in f:
                    witnesses[f["witness"]["status"]] = witnesses.get(f["witness"]["status"], 0) + 1
            kernel = entry.get("kernel", {})
            rows.append({
                "file": stem,
                "program": p["program"]["name"],
                "section": p["program"]["section"],
                "type": p["program_type"],
                "instructions": p["statistics"]["instructions"],
                "verdict": p["verdict"],
                "findings": findings,
                "seconds": p["statistics"]["seconds"],
                "kernel": kernel.get("status", "not compared"),
                "kernel_reason": kernel.get("reason", ""),
                "kernel_processed_insns": kernel.get("processed_insns"),
                "expected": expectation(source_dir, stem),
            })
    total = sum(r["seconds"] for r in rows)
    compared = [r for r in rows if r["kernel"] in ("accepted", "rejected")]
    disagree = [r for r in compared if r["kernel"] != r["verdict"]]
    unexpected = [r for r in rows if r["expected"] and r["verdict"] != r["expected"] + "ed"]
    with open(os.path.join(report_dir, "summary.json"), "w", encoding="utf-8") as f:
        json.dump({"schema": "bpfcert/program-corpus-summary/1", "programs": rows, "total_seconds": total,
                   "kernel_compared": len(compared), "kernel_disagreements": len(disagree),
                   "unexpected_verdicts": len(unexpected), "witnesses": witnesses}, f, indent=2)
    out = ["# Program corpus: bpfcert and Linux", "",
           "%d programs from %d objects; bpfcert analysis time %.1f ms in total. Linux compared on %d, "
           "disagreeing on %d; %d verdicts differ from the corpus expectation (see "
           "tests/linux/known_deviations.txt for why)." % (
               len(rows), len({r['file'] for r in rows}), total * 1e3, len(compared), len(disagree), len(unexpected)),
           "",
           "Witnesses of the errors (an input the reference interpreter fails on, replayed): %d confirmed, "
           "%d not confirmed, %d not applicable." % (witnesses.get("confirmed", 0), witnesses.get("not_confirmed", 0),
                                                     witnesses.get("not_applicable", 0)),
           "",
           "| file | program | type | insns | bpfcert | findings (check@line) | ms | kernel | expected |",
           "|---|---|---|---:|---|---|---:|---|---|"]
    for r in rows:
        kernel = r["kernel"]
        if r["kernel"] == "accepted" and r["kernel_processed_insns"] is not None:
            kernel += " (%d insns processed)" % r["kernel_processed_insns"]
        elif r["kernel"] == "rejected":
            kernel += ": " + r["kernel_reason"].replace("|", "\\|")
        mark = "" if r["kernel"] not in ("accepted", "rejected") or r["kernel"] == r["verdict"] else " **≠**"
        out.append("| %s | %s | %s | %d | %s%s | %s | %.3f | %s | %s |" % (
            r["file"], r["program"], r["type"], r["instructions"], r["verdict"], mark,
            " ".join(r["findings"]), r["seconds"] * 1e3, kernel, r["expected"] or ""))
    with open(os.path.join(report_dir, "SUMMARY.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print("programs: %d verified (%.1f ms), kernel compared %d, disagreements %d, unexpected verdicts %d; "
          "witnesses %d confirmed, %d not confirmed, %d not applicable" % (
              len(rows), total * 1e3, len(compared), len(disagree), len(unexpected), witnesses.get("confirmed", 0),
              witnesses.get("not_confirmed", 0), witnesses.get("not_applicable", 0)))


if __name__ == "__main__":
    main()
