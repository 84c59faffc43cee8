#!/usr/bin/env bash
# Run every docsnip test. The execution tests run each snippet with its real runtime, so
# this first installs what is missing: curl, bubblewrap, wget, Python 3 with requests and httpx,
# HTTPie 3, Node.js 18+ with axios, Ruby, gcc + libcurl, Mono (mcs, System.Net.Http), R with
# httr, reqwest for Rust snippets (built once in docsnip's cache folder), and cargo-nextest.
# Extra arguments go to `cargo nextest run` (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'scripts/test.sh: %s\n' "$*" >&2; }
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $* with apt-get"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    say "please install: $* (e.g. sudo apt-get install $*)"; exit 1
  fi
}

command -v curl >/dev/null || apt_install curl
# verify --as-written runs page authors' code in a bubblewrap sandbox (tests/as_written.rs):
# Debian bookworm's bubblewrap, 0.8.0 or later (--size, --remount-ro, --cap-drop).
command -v bwrap >/dev/null || apt_install bubblewrap
bwrap_version=$(bwrap --version | awk '{print $2}')
[ "$(printf '%s\n0.8.0\n' "$bwrap_version" | sort -V | head -1)" = 0.8.0 ] || { say "bubblewrap 0.8.0+ is needed, found $bwrap_version"; exit 1; }
command -v wget >/dev/null || apt_install wget
command -v python3 >/dev/null || apt_install python3 python3-pip
python3 -c 'import requests' 2>/dev/null || { say "installing requests"; python3 -m pip install --quiet requests; }
python3 -c 'import httpx' 2>/dev/null || { say "installing httpx"; python3 -m pip install --quiet httpx; }
command -v http >/dev/null || { say "installing HTTPie"; python3 -m pip install --quiet 'httpie>=3.2'; }
if command -v pyenv >/dev/null; then pyenv rehash 2>/dev/null || true; fi
command -v node >/dev/null || apt_install nodejs
command -v ruby >/dev/null || apt_install ruby   # languages/ruby, and the README's added-language example (examples/templates/rb.tera)
# PHP (cURL, Guzzle): languages/php_curl, languages/guzzle
php_missing=()
command -v php >/dev/null || php_missing+=(php-cli)
php -r 'exit(function_exists("curl_init") ? 0 : 1);' 2>/dev/null || php_missing+=(php-curl)
[ -f /usr/share/php/GuzzleHttp/autoload.php ] || php_missing+=(php-guzzlehttp-guzzle)
[ ${#php_missing[@]} = 0 ] || apt_install "${php_missing[@]}"
command -v go >/dev/null || apt_install golang-go   # languages/go (Go 1.19+, standard library only)
command -v java >/dev/null || apt_install openjdk-17-jdk-headless   # languages/java (java Main.java)
node -e 'process.exit(parseInt(process.versions.node) >= 18 ? 0 : 1)' || { say "Node.js 18+ is needed, found $(node --version)"; exit 1; }
# npm packages go to docsnip's cache folder, where `docsnip verify` points NODE_PATH.
cache="${DOCSNIP_CACHE_DIR:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/docsnip}}"; cache="${cache:-$HOME/.cache/docsnip}"
NODE_PATH="$cache/node_modules" node -e "require('axios')" 2>/dev/null || {
  command -v npm >/dev/null || apt_install npm
  say "installing axios into $cache"; npm install --silent --prefix "$cache" axios@1
}
# C (libcurl), C# (Mono's compiler and HttpClient), R (httr): one apt-get call for what is missing.
missing=()
command -v gcc >/dev/null || missing+=(gcc)
command -v curl-config >/dev/null || missing+=(libcurl4-openssl-dev)
command -v mcs >/dev/null || missing+=(mono-mcs)
[ -e /usr/lib/mono/4.5/System.Net.Http.dll ] || missing+=(libmono-system-net-http4.0-cil)
command -v Rscript >/dev/null || missing+=(r-base-core)
Rscript -e 'library(httr)' >/dev/null 2>&1 || missing+=(r-cran-httr)
if [ ${#missing[@]} -gt 0 ]; then apt_install --no-install-recommends "${missing[@]}"; fi
# Rust snippets build in one cargo project in docsnip's cache folder: compile reqwest there
# once (minutes on a fresh machine, seconds after) so that no snippet test waits for it.
say "building the Rust (reqwest) snippet project once"
cargo run --quiet -- verify --quiet --no-cache --lang rust --jobs 1 --timeout 900 docs/
cargo nextest --version >/dev/null 2>&1 || { say "installing cargo-nextest"; cargo install --locked cargo-nextest; }

exec cargo nextest run --no-fail-fast "$@"
