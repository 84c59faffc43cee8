#!/usr/bin/env python3
"""The comparison table of bench/idiomatic.sh: reads the `scripts/idiomatic.py --report`
output of each generator (files named GEN.report in the folder given) and prints one
Markdown row per language: formatter-clean n/N, linter-clean n/N (snippets with no
finding) and the number of finding lines (a compiler's error with its source and caret
lines counts as several), per generator, plus each generator's "not generated" count
(GEN.not-generated, written by bench/idiomatic/render.js)."""
import os
import re
import sys

GENS = ["docsnip", "httpsnippet", "postman"]
SUMMARY = re.compile(r"^([^[]+): (?:formatter-clean (\d+)/(\d+)|formatter —), linter findings (\d+) \(snippets (\d+)\)$")
DETAIL = re.compile(r"^(\S+) \[([^]]+)\] (.*)$")


def read(folder, gen):
    rows, dirty = {}, {}
    for line in open(os.path.join(folder, f"{gen}.report"), encoding="utf-8"):
        line = line.rstrip("\n")
        m = SUMMARY.match(line)
        if m:
            title, clean, _, findings, n = m.groups()
            rows[title] = (clean, int(n), int(findings))
            continue
        m = DETAIL.match(line)
        if m and m.group(3) != "formatter would change it":
            dirty.setdefault(m.group(2), set()).add(m.group(1))
    return {t: (c, n, f, n - len(dirty.get(t, ()))) for t, (c, n, f) in rows.items()}


def main():
    folder = sys.argv[1]
    data = {g: read(folder, g) for g in GENS}
    titles = list(data["docsnip"])
    for g in GENS[1:]:
        titles += [t for t in data[g] if t not in titles]
    print("| language | " + " | ".join(f"{g}: formatter-clean | {g}: linter-clean (finding lines)" for g in GENS) + " |")
    print("|---" * (1 + 2 * len(GENS)) + "|")
    for t in titles:
        cells = []
        for g in GENS:
            if t not in data[g]:
                cells += ["no client", "no client"]
                continue
            clean, n, findings, lint_clean = data[g][t]
            cells += [f"{clean}/{n}" if clean is not None else "—", f"{lint_clean}/{n} ({findings})"]
        print(f"| {t} | " + " | ".join(cells) + " |")
    for g in GENS[1:]:
        p = os.path.join(folder, f"{g}.not-generated")
        k = sum(1 for _ in open(p)) if os.path.exists(p) else 0
        print(f"\n{g}: not generated {k}")


if __name__ == "__main__":
    main()
