#!/usr/bin/env bash
# Build the crux-docs sample (a real Aviator site with hand-pasted, drifting snippets) and
# check what docsnip promises about it:
#  - the pages that cannot be built (invalid Request JSON) fail with PATH:LINE:COL errors,
#    and the warnings (path parameters without a value, leaked tokens) name file and line:
#    both pinned in scripts/crux-expected.txt;
#  - the rest builds; every endpoint page ends up with exactly one block of each title, and
#    everything but the snippet blocks is unchanged;
#  - a second run over the output changes nothing;
#  - every generated snippet sends its request (docsnip verify).
# Usage: scripts/check-corpus.sh DOCSNIP CORPUS_DIR
set -euo pipefail
bin=$(realpath "$1"); corpus=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r "$corpus" "$work/crux"; chmod -R u+w "$work/crux"
cd "$work"

# 1. The whole sample: errors and warnings, pinned.
set +e
"$bin" --config "$here/crux-docsnip.yml" crux out 2> messages.txt
status=$?
set -e
[ "$status" = 1 ] || { echo "expected exit 1 (pages with invalid JSON), got $status"; cat messages.txt; exit 1; }
[ ! -e out ] || { echo "a failed build wrote out/"; exit 1; }
grep -E ': (error|warning): ' messages.txt > got.txt || true
if ! diff -u "$here/crux-expected.txt" got.txt; then
  echo "crux-docs diagnostics changed (update scripts/crux-expected.txt if intended)"; exit 1
fi
echo "crux-docs: $(grep -c ': error: ' got.txt) errors and $(grep -c ': warning: ' got.txt) warnings, as pinned"
echo "crux-docs: pages that carried what looks like a live credential:"
grep 'live credential' got.txt | sed 's/^/  /' || true

# 2. Without the pages that cannot build, the rest builds.
grep ': error: ' got.txt | cut -d: -f1 | sort -u | xargs rm -f
"$bin" --config "$here/crux-docsnip.yml" --quiet crux out

# 3. Exactly one block per title on every endpoint page; the rest unchanged.
python3 - crux out <<'PY'
import os, re, sys
src, out = sys.argv[1], sys.argv[2]
titles = ["Curl", "HTTPie", "Python (requests)", "Node.js"]
title_re = re.compile(r'^\s*\{:\s*title="([^"]*)"\s*\}\s*$')
def strip_blocks(text):
    """The page without its snippet blocks (fence .. title line), blank runs folded."""
    lines = text.split("\n")
    keep, i = [], 0
    while i < len(lines):
        m = re.match(r'^\s*(~{3,}|`{3,})', lines[i])
        if m:
            fence = m.group(1)[0] * 3
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(fence):
                j += 1
            if j + 1 < len(lines) and (t := title_re.match(lines[j + 1])) and t.group(1) in titles:
                i = j + 2
                continue
            keep.extend(lines[i:j + 1]); i = j + 1
            continue
        keep.append(lines[i]); i += 1
    return re.sub(r'\n{3,}', '\n\n', "\n".join(keep)).strip()
pages = bad = 0
for root, _, files in os.walk(src):
    for f in files:
        if not f.endswith(".md"):
            continue
        p = os.path.join(root, f)
        rel = os.path.relpath(p, src)
        a = open(p, encoding="utf-8").read()
        b = open(os.path.join(out, rel), encoding="utf-8").read()
        fm = re.match(r'---[ \t]*\r?\n(.*?\n)---[ \t]*\r?\n', a, re.S)
        if not (fm and re.search(r'^method:[ \t]*\S', fm.group(1), re.M)):
            if a != b:
                print(f"{rel}: not an endpoint page, but changed"); bad += 1
            continue
        pages += 1
        counts = {t: sum(1 for l in b.split("\n") if (m := title_re.match(l)) and m.group(1) == t) for t in titles}
        if any(c != 1 for c in counts.values()):
            print(f"{rel}: expected one block of each title, got {counts}"); bad += 1
        if strip_blocks(a) != strip_blocks(b):
            print(f"{rel}: text outside the snippet blocks changed"); bad += 1
print(f"crux-docs: {pages} endpoint pages checked, {bad} problems")
sys.exit(1 if bad or pages < 60 else 0)
PY

# 4. Idempotent: building the output again changes nothing.
"$bin" --config "$here/crux-docsnip.yml" --quiet out again
diff -r out again >/dev/null || { echo "a second run changed the output"; diff -r out again | head -40; exit 1; }
echo "crux-docs: a second run changes nothing"

# 5. Every generated snippet sends the request its page describes.
"$bin" verify --no-cache --lang all --config "$here/crux-docsnip.yml" --quiet out   # every built-in language
