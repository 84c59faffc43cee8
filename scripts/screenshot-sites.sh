#!/usr/bin/env bash
# By hand, for the README: build the example sites (scripts/check-sites.sh), then in
# Debian's headless chromium (installed with apt-get when missing, fresh profile each
# time) click "Python (requests)" on each site's Create-an-order page, open its Ping page,
# require Python to be selected there too (the toolchain keeps the reader's choice), and
# save that page as examples/screenshots/format-FORMAT.png (scripts/browser_tabs.py).
# VitePress keeps the choice through docsnip/vitepress in the example site's theme.
# aviator-blocks has no tabs (the Aviator template lists every block): its Create Book
# page (docsnip's entries before the user's Response and Error) is saved as it opens.
#
# Usage: scripts/screenshot-sites.sh [DOCSNIP] [FORMAT...]   (default: every format)
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
bin=${1:-}
shift || true
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(hugo mkdocs docusaurus vitepress starlight slate aviator-blocks)
NO_MKDOCS_2_WARNING=1 bash scripts/check-sites.sh "$bin" "${formats[@]}"

mkdir -p examples/screenshots
profile=$(mktemp -d)
servers=()
cleanup() { for p in "${servers[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$profile"; }
trap cleanup EXIT

port=18731
for f in "${formats[@]}"; do
  case $f in
    hugo) dir=$cache/hugo/public ;;
    mkdocs) dir=$cache/mkdocs/site ;;
    docusaurus) dir=$cache/docusaurus/build ;;
    vitepress) dir=$cache/vitepress/docs/.vitepress/dist ;;
    starlight) dir=$cache/starlight/dist ;;
    slate) # the multi-request page, its CSS and scripts inlined (Shins's --inline)
      dir=$cache/slate/shot
      mkdir -p "$dir"
      node "$cache/slate/node_modules/shins/shins.js" --root "$cache/slate/node_modules/shins" --inline \
        --output "$dir/index.html" "$cache/slate/source/index.html.md" >/dev/null 2>&1 ;;
    aviator-blocks) dir=$cache/aviator-blocks/_site ;;
  esac
  port=$((port + 1))
  python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$port" >/dev/null 2>&1 &
  servers+=($!)
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  out=$root/examples/screenshots/format-$f.png
  if [ "$f" = aviator-blocks ]; then
    chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
      --user-data-dir="$profile/$f" --window-size=1400,1300 --screenshot="$out" \
      "http://127.0.0.1:$port/api/response/" >/dev/null 2>&1
    [ -s "$out" ] || { say "$f: no screenshot"; exit 1; }
    say "$f: $(du -h "$out" | cut -f1) $out"
    continue
  fi
  python3 scripts/browser_tabs.py "$f" "http://127.0.0.1:$port" "$profile/$f" "$out"
  say "$f: $(du -h "$out" | cut -f1) $out"
done
