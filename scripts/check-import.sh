#!/usr/bin/env bash
# `docsnip import` on the crux-docs sample (a real Aviator site with hand-pasted, drifting
# snippets). On a copy whose front-matter request is removed (every `method:` line and
# every right_code `Request` block), import must rebuild it from the Curl blocks:
#  - its counts (pages imported cleanly, imported with disagreeing hand-pasted blocks,
#    refused) and every message are pinned in scripts/crux-import-expected.txt;
#  - a second import changes nothing;
#  - the imported tree builds with no error, and every generated snippet sends the
#    request its page now describes (docsnip verify);
#  - where the import and the page's original `method:` differ, the page is one that
#    import reported as disagreeing (never a silent change).
# Usage: scripts/check-import.sh DOCSNIP CORPUS_DIR
set -euo pipefail
bin=$(realpath "$1"); corpus=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
config="$here/crux-docsnip.yml"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r "$corpus" "$work/crux"; chmod -R u+w "$work/crux"
cd "$work"

# 1. Remove the front-matter request; remember each page's original method.
python3 - crux > methods.txt <<'PY'
import os, re, sys
root = sys.argv[1]
for d, _, fs in sorted(os.walk(root)):
    for f in sorted(fs):
        if not f.endswith(".md"):
            continue
        p = os.path.join(d, f)
        t = open(p, encoding="utf-8").read()
        m = re.match(r'(---[ \t]*\r?\n)(.*?\n)(---[ \t]*\r?\n)', t, re.S)
        if not m:
            continue
        fm = m.group(2)
        meth = re.search(r'^method:[ \t]*(\S+)', fm, re.M)
        if meth:
            print(p, meth.group(1).upper())
        new = re.sub(r'^method:.*\n', '', fm, flags=re.M)
        new = re.sub(r'( *)~~~[^\n]*\n(?:(?!\1~~~).*\n)*?\1~~~\n\1\{: title="Request" \}\n', '', new)
        if new != fm:
            open(p, "w", encoding="utf-8").write(m.group(1) + new + m.group(3) + t[m.end():])
PY
echo "crux-docs import: the request removed from $(wc -l < methods.txt) pages"

# 2. Import: counts and messages, pinned.
"$bin" import --config "$config" crux imported 2> messages.txt
grep -E ': (error|warning): |^docsnip import: ' messages.txt | sed -E 's/ \(([0-9]+) written\)$//' > got.txt
if ! diff -u "$here/crux-import-expected.txt" got.txt; then
  echo "crux-docs import changed (update scripts/crux-import-expected.txt if intended)"; exit 1
fi
echo "crux-docs import: $(tail -1 got.txt), as pinned"
python3 - got.txt <<'PY'
import re, sys
last = open(sys.argv[1]).read().strip().splitlines()[-1]
imp, dis, ref = map(int, re.search(r"(\d+) pages? imported \((\d+) with disagreeing blocks\), (\d+) refused", last).groups())
print(f"crux-docs import: {imp - dis} pages imported cleanly, {dis} imported with disagreeing hand-pasted blocks, {ref} refused")
PY

# 3. Idempotent.
"$bin" import --config "$config" --quiet imported again
diff -r imported again >/dev/null || { echo "a second import changed pages"; diff -r imported again | head -40; exit 1; }
echo "crux-docs import: a second import changes nothing"

# 4. A method changed only where import said the blocks disagree.
while read -r page method; do
  rel=${page#crux/}
  now=$(sed -n '2,/^---/{s/^method: *//p}' "imported/$rel" | head -1)
  [ -z "$now" ] && continue   # refused: left unchanged
  if [ "$now" != "$method" ] && ! grep -q "^$page:.*disagree" got.txt; then
    echo "$page: method was $method, import wrote $now without a warning"; exit 1
  fi
done < methods.txt
echo "crux-docs import: $(awk '{print $1}' methods.txt | while read -r p; do r=${p#crux/}; n=$(sed -n '2,/^---/{s/^method: *//p}' "imported/$r" | head -1); m=$(grep "^$p " methods.txt | cut -d' ' -f2); [ -n "$n" ] && [ "$n" != "$m" ] && echo x; done | wc -l) pages send another method than their old front-matter said, each reported"

# 5. The imported tree builds, and every snippet sends its page's request.
"$bin" --config "$config" imported out 2> build.txt || { cat build.txt; echo "the imported tree does not build"; exit 1; }
tail -1 build.txt
"$bin" verify --no-cache --config "$config" --quiet out
