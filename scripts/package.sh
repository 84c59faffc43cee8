#!/usr/bin/env bash
# Build docsnip's install artifacts into dist/ (nothing is published):
#  - dist/docsnip-VERSION-*.whl: the binary as a maturin `bindings = "bin"` wheel (as ruff
#    and uv ship) carrying the MkDocs plugin (packaging/python/);
#  - dist/docsnip-VERSION.tgz and dist/docsnip-linux-x64-VERSION.tgz: the npm package (a
#    `docsnip` bin shim, the remark plugin `docsnip/remark` and the markdown-it plugin
#    `docsnip/markdown-it`) and its platform package
#    holding the binary, the esbuild/Biome layout (packaging/npm/; a platform is one more
#    folder and one line in lib/binary.js).
# maturin is pinned and installed into .cache/package/venv (git-ignored).
# Usage: scripts/package.sh           DOCSNIP_DIST moves dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dist=${DOCSNIP_DIST:-$root/dist}
maturin_version=1.16.0
started=$(date +%s)
say() { printf 'package: %s\n' "$*" >&2; }

tools=$root/.cache/package/venv
if [ "$("$tools/bin/maturin" --version 2>/dev/null)" != "maturin $maturin_version" ]; then
  say "installing maturin $maturin_version into $tools"
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check "maturin==$maturin_version"
fi
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
for p in packaging/npm/docsnip/package.json packaging/npm/linux-x64/package.json; do
  grep -q "\"version\": \"$version\"" "$p" || { say "$p: version is not Cargo.toml's $version"; exit 1; }
done
grep -q "\"@docsnip/linux-x64\": \"$version\"" packaging/npm/docsnip/package.json \
  || { say "packaging/npm/docsnip/package.json: optionalDependencies must pin @docsnip/linux-x64 $version"; exit 1; }

rm -rf "$dist"
mkdir -p "$dist"

# The wheel: maturin runs cargo build --release (target/ is shared with the rest).
(cd packaging/python && "$tools/bin/maturin" build --release --locked --quiet --out "$dist" >&2)
wheel=$(ls "$dist"/docsnip-"$version"-*.whl)
say "wheel: $wheel"

# The npm packages: the platform package gets the binary the wheel carries (stripped).
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r packaging/npm/docsnip packaging/npm/linux-x64 "$stage/"
cp LICENSE "$stage/docsnip/" 2>/dev/null || true
mkdir -p "$stage/linux-x64/bin"
python3 - "$wheel" "$stage/linux-x64/bin/docsnip" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/docsnip"))
    open(dest, "wb").write(z.read(name))
PY
chmod 755 "$stage/linux-x64/bin/docsnip"
"$stage/linux-x64/bin/docsnip" --version >/dev/null
printf '# @docsnip/linux-x64\n\nThe docsnip binary for Linux x64, installed by the `docsnip` package.\n' > "$stage/linux-x64/README.md"
sed -n '1,/^## /p' README.md | sed '$d' > "$stage/docsnip/README.md"
(cd "$stage/linux-x64" && npm pack --silent --pack-destination "$dist" >/dev/null)
(cd "$stage/docsnip" && npm pack --silent --pack-destination "$dist" >/dev/null)
ls "$dist"/docsnip-"$version".tgz "$dist"/docsnip-linux-x64-"$version".tgz >/dev/null
say "npm: $dist/docsnip-$version.tgz, $dist/docsnip-linux-x64-$version.tgz"
say "built in $(( $(date +%s) - started )) s"
