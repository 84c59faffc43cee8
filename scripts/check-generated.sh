#!/usr/bin/env bash
# The README shows the example Authentication page before and after docsnip. Check that
# the "before" is the real page in docs/, and run `docsnip --check` on the pair, so the
# "after" can never go stale. Usage: scripts/check-generated.sh DOCSNIP
set -euo pipefail
bin=$(realpath "$1")
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - README.md "$tmp" <<'PY'
import os, re, sys
readme, tmp = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
def block(marker):
    m = re.search(r"<!-- %s: (\S+) -->\n````markdown\n(.*?)````\n" % marker, readme, re.S)
    if not m:
        sys.exit(f"README.md: no <!-- {marker}: PATH --> block")
    return m.group(1), m.group(2)
before_path, before = block("before")
after_path, after = block("after")
if open(before_path, encoding="utf-8").read() != before:
    sys.exit(f"README.md: the 'before' block is not {before_path} as it is")
rel = os.path.relpath(before_path, "docs")
for tree, text in (("docs", before), ("out", after)):
    p = os.path.join(tmp, tree, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "w", encoding="utf-8").write(text)
    open(os.path.join(tmp, tree, "docsnip.yml"), "w").write(open("docs/docsnip.yml").read())
PY
"$bin" --check --verbose "$tmp/docs" "$tmp/out" || { echo "README.md: the 'after' block is stale: rebuild it from out/_documentation/authentication.md"; exit 1; }
echo "README before/after: current"
