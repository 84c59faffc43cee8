#!/usr/bin/env bash
# By hand, for the README: one PNG per format of the example "Create an order" page with
# its tabs, from the sites scripts/check-sites.sh builds, taken with Debian's headless
# chromium (installed with apt-get when missing). Writes examples/screenshots/format-FORMAT.png.
#
# Usage: scripts/screenshot-sites.sh [DOCSNIP]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=${DOCSNIP_SITES_CACHE:-$root/.cache/sites}
say() { printf 'screenshot-sites: %s\n' "$*" >&2; }

if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing chromium with apt-get"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "please install chromium (e.g. sudo apt-get install chromium)"; exit 1
  fi
fi

# Build (and check) the sites.
NO_MKDOCS_2_WARNING=1 bash scripts/check-sites.sh "${1:-}"

mkdir -p examples/screenshots
profile=$(mktemp -d)
servers=()
cleanup() { for p in "${servers[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$profile"; }
trap cleanup EXIT

port=18731
for f in hugo mkdocs docusaurus; do
  case $f in
    hugo) dir=$cache/hugo/public ;;
    mkdocs) dir=$cache/mkdocs/site ;;
    docusaurus) dir=$cache/docusaurus/build ;;
  esac
  port=$((port + 1))
  python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$port" >/dev/null 2>&1 &
  servers+=($!)
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  out=$root/examples/screenshots/format-$f.png
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile/$f" --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=900,600 --virtual-time-budget=3000 \
    --screenshot="$out" "http://127.0.0.1:$port/orders/" >/dev/null 2>&1
  say "$f: $(du -h "$out" | cut -f1) $out"
done
