#!/usr/bin/env bash
# docsnip as each docs toolchain installs and runs it (issue 21), with nothing but the
# artifacts scripts/package.sh builds:
#  - the wheel into a fresh venv and the npm packages into a fresh npm project, then
#    `docsnip --version` and a build through each (equal to the reference binary's);
#  - the example MkDocs site with `plugins: [docsnip]`, the Docusaurus and Starlight sites
#    with the remark plugin and the VitePress site with the markdown-it plugin
#    (scripts/check-sites.sh in plugin mode), and Jekyll sites with
#    _plugins/docsnip.rb (scripts/check-jekyll.sh in plugin mode): no docsnip step before,
#    the docs folder left as it was, every snippet byte-exact in the HTML;
#  - a page the plugin refuses fails each site build, naming the page's PATH:LINE:COL;
#  - the dev servers: `mkdocs serve` and `docusaurus start` once each (127.0.0.1, bounded
#    waits), a page's request edited, the new snippet served;
#  - both pre-commit hooks (.pre-commit-hooks.yaml: docsnip-system, and docsnip built by
#    pre-commit with cargo) through `pre-commit try-repo` on a fixture repository.
# Pinned: maturin (package.sh), mkdocs, mkdocs-material, pre-commit (below), Docusaurus
# (examples/sites/docusaurus/package.json), VitePress and Starlight (their package-lock.json).
# Usage: scripts/check-plugins.sh DOCSNIP      (DOCSNIP: the reference release binary)
# DOCSNIP_PLUGINS_CACHE moves the work folder (default .cache/plugins, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ref=$(realpath "$1")
work=${DOCSNIP_PLUGINS_CACHE:-$root/.cache/plugins}
started=$(date +%s)
say() { printf 'check-plugins: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
lap() { say "$1 in $(( $(date +%s) - lap_start )) s"; lap_start=$(date +%s); }
lap_start=$started
mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# 1. The artifacts.
# DOCSNIP_PLUGINS_DIST: a dist/ folder package.sh already built (for reruns).
dist=${DOCSNIP_PLUGINS_DIST:-$work/dist}
[ -n "${DOCSNIP_PLUGINS_DIST:-}" ] || DOCSNIP_DIST=$dist bash scripts/package.sh
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
lap "packaged"

# 2. The wheel in a fresh venv (with MkDocs for the plugin), the npm packages in a fresh
# npm project; each `docsnip` builds docs/ exactly as the reference binary does.
venv=$work/venv
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$dist"/docsnip-"$version"-*.whl \
  mkdocs==1.6.1 mkdocs-material==9.8.1 pre-commit==4.7.0
npmp=$work/npm-project
rm -rf "$npmp"
mkdir -p "$npmp"
(cd "$npmp" && printf '{ "name": "docsnip-npm-check", "private": true }\n' > package.json \
  && npm install --no-audit --no-fund --loglevel=error --save-dev \
       "$dist/docsnip-linux-x64-$version.tgz" "$dist/docsnip-$version.tgz" >/dev/null)
[ -x "$npmp/node_modules/@docsnip/linux-x64/bin/docsnip" ] || fail "npm did not install @docsnip/linux-x64 from the tgz"
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT
"$ref" --quiet docs "$tmp/ref"
for how in pip npm; do
  case $how in
    pip) run=("$venv/bin/docsnip") ;;
    npm) run=(npx --prefix "$npmp" --no-install docsnip) ;;
  esac
  got=$("${run[@]}" --version) || fail "$how: docsnip --version failed"
  [ "$got" = "docsnip $version" ] || fail "$how: docsnip --version said '$got', not 'docsnip $version'"
  (cd "$npmp" && "${run[@]}" --quiet "$root/docs" "$tmp/$how") || fail "$how: the build through docsnip failed"
  diff -r "$tmp/ref" "$tmp/$how" >/dev/null || fail "$how: the build differs from the reference binary's"
  say "$how: $got, and a build of docs/ equal to the reference binary's"
done
lap "installed from dist/ and built through pip and npm"

# 3. The example sites, built by their generators with the plugin alone.
sites=$work/sites
mkdir -p "$sites"
for g in docusaurus vitepress starlight; do   # reuse check-sites.sh's installs
  if [ -d "$root/.cache/sites/$g-deps/node_modules" ] && [ ! -e "$sites/$g-deps" ]; then
    ln -s "$root/.cache/sites/$g-deps" "$sites/$g-deps"
  fi
done
DOCSNIP_SITES_CACHE=$sites DOCSNIP_SITES_PLUGIN_VENV=$venv DOCSNIP_SITES_PLUGIN_NPM=$npmp \
  NO_MKDOCS_2_WARNING=1 bash scripts/check-sites.sh "$ref" mkdocs docusaurus vitepress starlight aviator-blocks
lap "MkDocs, Docusaurus, VitePress, Starlight and aviator-blocks (Jekyll) sites built with the plugins, byte-exact"
DOCSNIP_JEKYLL_PLUGIN=$root/packaging/jekyll/docsnip.rb bash scripts/check-jekyll.sh "$venv/bin/docsnip"
lap "Jekyll sites built with _plugins/docsnip.rb, byte-exact"

# 4. A page the plugin refuses fails the build, naming the page.
bad=$'---\ntitle: Bad\nmethod: get\nrequest:\n  path: /bad\n  query: [1, 2]\n---\n# Bad\n'
refused() { # NAME LOG [FILE]: the log names FILE (default bad.md) at line 6
  local f=${3:-bad.md}
  grep -q "$f:6:[0-9]*: error: " "$2" || { cat "$2" >&2; fail "$1: the failed build does not name $f:6:COL"; }
  say "$1: a refused page fails the build: $(grep -o "[^ ]*$f:6:[0-9]*: error: [^;]*" "$2" | head -1)"
}
m=$tmp/mkdocs-bad
cp -r "$sites/mkdocs" "$m"; rm -rf "$m/site"
printf '%s' "$bad" > "$m/docs/bad.md"
if (cd "$m" && "$venv/bin/python" -m mkdocs build --quiet --site-dir site) > "$m/log" 2>&1; then fail "mkdocs: built a site with a refused page"; fi
refused mkdocs "$m/log"
j=$tmp/jekyll-bad
mkdir -p "$j/_plugins"
cp packaging/jekyll/docsnip.rb "$j/_plugins/"
printf 'title: bad\n' > "$j/_config.yml"
printf '%s' "$bad" > "$j/bad.md"
if (cd "$j" && DOCSNIP_BINARY="$venv/bin/docsnip" jekyll build --quiet) > "$j/log" 2>&1; then fail "jekyll: built a site with a refused page"; fi
refused jekyll "$j/log"
d=$sites/docusaurus
printf '%s' "$bad" > "$d/docs/bad.md"
if (cd "$d" && DOCUSAURUS_TELEMETRY=0 npx --no-install docusaurus build --out-dir build-bad) > "$d/bad.log" 2>&1; then fail "docusaurus: built a site with a refused page"; fi
rm -f "$d/docs/bad.md"
refused docusaurus "$d/bad.log"
v=$sites/vitepress
printf '%s' "$bad" > "$v/docs/bad.md"
if (cd "$v" && npx --no-install vitepress build docs --outDir "$tmp/vitepress-bad") > "$v/bad.log" 2>&1; then fail "vitepress: built a site with a refused page"; fi
rm -f "$v/docs/bad.md"
refused vitepress "$v/bad.log"
a=$sites/starlight
printf '%s' "$bad" > "$a/src/content/docs/bad.mdx"
if (cd "$a" && ASTRO_TELEMETRY_DISABLED=1 npx --no-install astro build --outDir "$tmp/starlight-bad") > "$a/bad.log" 2>&1; then fail "starlight: built a site with a refused page"; fi
rm -f "$a/src/content/docs/bad.mdx"
refused starlight "$a/bad.log" bad.mdx
lap "refused pages fail MkDocs, Jekyll, Docusaurus, VitePress and Starlight builds"
# 5. The pre-commit hooks, tried from this repository on a fixture repository: the
# `docsnip-system` hook with the wheel's docsnip on PATH, then the `docsnip` hook, which
# pre-commit builds with cargo into its own cache.
fx=$tmp/precommit
mkdir -p "$fx"
cp -r examples/sites/mkdocs/docs "$fx/docs"
cp examples/sites/mkdocs/docsnip.yml "$fx/docs/docsnip.yml"
"$ref" --quiet --in-place "$fx/docs"
export PRE_COMMIT_HOME=$work/pre-commit-home
try_repo() { (cd "$fx" && PATH="$venv/bin:$PATH" "$venv/bin/pre-commit" try-repo "$root" docsnip-system --all-files) > "$fx.log" 2>&1; }
(cd "$fx" && git init -q && git add -A && git -c user.name=check -c user.email=check@localhost commit -qm fixture)
try_repo || { cat "$fx.log" >&2; fail "pre-commit: the hook failed on current pages"; }
sed -i 's|path: /ping|path: /pong|' "$fx/docs/ping.md"
if try_repo; then cat "$fx.log" >&2; fail "pre-commit: the hook passed a stale page"; fi
grep -q "stale: docs/ping.md" "$fx.log" || { cat "$fx.log" >&2; fail "pre-commit: the hook's failure does not name docs/ping.md"; }
say "pre-commit try-repo: passes current pages, fails on a stale one (stale: docs/ping.md)"
lap "pre-commit hook (docsnip-system)"
# The `docsnip` hook (language: rust): pre-commit builds docsnip from this repository with
# cargo into its own environment (about a minute here), then runs it; the page is stale.
if (cd "$fx" && "$venv/bin/pre-commit" try-repo "$root" docsnip --all-files) > "$fx.rust.log" 2>&1; then
  cat "$fx.rust.log" >&2; fail "pre-commit: the rust-built hook passed a stale page"
fi
grep -q "stale: docs/ping.md" "$fx.rust.log" || { cat "$fx.rust.log" >&2; fail "pre-commit: the rust-built hook did not run, or its failure does not name docs/ping.md"; }
sed -i 's|path: /pong|path: /ping|' "$fx/docs/ping.md"
(cd "$fx" && "$venv/bin/pre-commit" try-repo "$root" docsnip --all-files) > "$fx.rust.log" 2>&1 \
  || { cat "$fx.rust.log" >&2; fail "pre-commit: the rust-built hook failed on current pages"; }
say "pre-commit try-repo, the docsnip hook built with cargo: fails on the stale page, passes once it is current"
lap "pre-commit hook (docsnip, language: rust)"
# 6. The dev servers: served once, a page's request edited, the new snippet served.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# serves URL TEXT SECONDS [SOURCE]: TEXT appears in what URL serves (tags removed,
# entities decoded) within SECONDS. With SOURCE (a dev server that renders in the browser,
# Docusaurus): in the webpack chunk the page's main.js loads for that source file.
serves() {
  python3 - "$@" <<'PY'
import html, re, sys, time, urllib.parse, urllib.request
url, text, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
source = sys.argv[4] if len(sys.argv) > 4 else None
def get(u):
    return urllib.request.urlopen(u, timeout=30).read().decode("utf-8", "replace")
def body():
    page = get(url)
    if source is None:
        return html.unescape(re.sub(r"<[^>]+>", "", page))
    for script in re.findall(r'<script[^>]+src="([^"]+)"', page):
        js = get(urllib.parse.urljoin(url, script))
        m = re.search(r'import\(\) \| ([\w~.-]+) \*/[^)]*\)\.then\(\(\) => \(__webpack_require__\(\\?"' + re.escape(source), js)
        if m:
            return get(urllib.parse.urljoin(url, "/" + m.group(1) + ".js"))
    return ""
end = time.time() + secs
while time.time() < end:
    try:
        if text in body():
            sys.exit(0)
    except Exception:
        pass
    time.sleep(2)
sys.exit(1)
PY
}
start_server() { # DIR LOG COMMAND...: in its own process group, stopped at exit
  local dir=$1 log=$2; shift 2
  (cd "$dir" && exec setsid "$@") > "$log" 2>&1 &
  pids+=($!)
}
stop_servers() { cleanup; pids=(); }
before="https://api.example.com/ping?echo=hello"
after="https://api.example.com/served-after-edit?echo=hello"
m=$sites/mkdocs
port=$(free_port)
start_server "$m" "$work/mkdocs-serve.log" "$venv/bin/python" -m mkdocs serve --dev-addr "127.0.0.1:$port"
serves "http://127.0.0.1:$port/ping/" "$before" 120 || { cat "$work/mkdocs-serve.log" >&2; fail "mkdocs serve: the snippet was not served"; }
sed -i 's|path: /ping$|path: /served-after-edit|' "$m/docs/ping.md"
serves "http://127.0.0.1:$port/ping/" "$after" 60 || { cat "$work/mkdocs-serve.log" >&2; fail "mkdocs serve: the edited request's snippet was not served"; }
stop_servers
sed -i 's|path: /served-after-edit$|path: /ping|' "$m/docs/ping.md"
say "mkdocs serve: served the snippet, and the new one after the page's request was edited"
lap "mkdocs serve"
d=$sites/docusaurus
port=$(free_port)
start_server "$d" "$work/docusaurus-start.log" env DOCUSAURUS_TELEMETRY=0 npx --no-install docusaurus start --host 127.0.0.1 --port "$port" --no-open
serves "http://127.0.0.1:$port/" "$before" 400 ./docs/ping.mdx || { cat "$work/docusaurus-start.log" >&2; fail "docusaurus start: the snippet was not served"; }
sed -i 's|path: /ping$|path: /served-after-edit|' "$d/docs/ping.mdx"
serves "http://127.0.0.1:$port/" "$after" 120 ./docs/ping.mdx || { cat "$work/docusaurus-start.log" >&2; fail "docusaurus start: the edited request's snippet was not served"; }
stop_servers
sed -i 's|path: /served-after-edit$|path: /ping|' "$d/docs/ping.mdx"
say "docusaurus start: served the snippet, and the new one after the page's request was edited"
lap "docusaurus start"
say "all plugin checks passed in $(( $(date +%s) - started )) s"
