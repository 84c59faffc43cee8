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

# The "Migrating an existing site" section: the page before, the front-matter after
# `docsnip import`, and the page after a build, re-made from examples/migrate/.
python3 - README.md "$bin" <<'PY'
import os, re, shutil, subprocess, sys, tempfile
readme, bin = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
def block(marker):
    m = re.search(r"<!-- %s: (\S+) -->\n````markdown\n(.*?)````\n" % marker, readme, re.S)
    if not m:
        sys.exit(f"README.md: no <!-- {marker}: PATH --> block")
    return m.group(1), m.group(2)
path, before = block("migrate-before")
_, imported_head = block("migrate-imported")
_, built = block("migrate-built")
if open(path, encoding="utf-8").read() != before:
    sys.exit(f"README.md: the migrate 'before' block is not {path} as it is")
rel = os.path.relpath(path, "examples/migrate")
tmp = tempfile.mkdtemp()
try:
    docs, out = os.path.join(tmp, "docs"), os.path.join(tmp, "out")
    shutil.copytree("examples/migrate", docs)
    subprocess.run([bin, "import", "--quiet", "--in-place", docs], check=True)
    imported = open(os.path.join(docs, rel), encoding="utf-8").read()
    if not imported.startswith(imported_head):
        sys.exit("README.md: the migrate 'imported' block is stale: re-run docsnip import on examples/migrate/")
    subprocess.run([bin, "--quiet", docs, out], check=True)
    if open(os.path.join(out, rel), encoding="utf-8").read() != built:
        sys.exit("README.md: the migrate 'built' block is stale: re-run the import and the build on examples/migrate/")
finally:
    shutil.rmtree(tmp)
print("README migrating before/after: current")
PY
