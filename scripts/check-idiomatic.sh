#!/usr/bin/env bash
# Snippets a reviewer would write (issue 20): every fixture page rendered in every
# built-in language (examples/snippets.rs), then each ecosystem's formatter must leave
# each snippet unchanged and its linter find nothing (scripts/idiomatic.py runs them and
# prints a per-language n/N line). Installs the tools unattended, pinned: shellcheck,
# shfmt, clang-format, phpcbf (php-codesniffer) and RuboCop from Debian; ruff from PyPI;
# prettier from npm into docsnip's cache folder; rustfmt and clippy with rustup.
# Usage: scripts/check-idiomatic.sh [LANG,LANG...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
langs="${1:-all}"

say() { printf 'scripts/check-idiomatic.sh: %s\n' "$*" >&2; }
cache="${DOCSNIP_CACHE_DIR:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/docsnip}}"; cache="${cache:-$HOME/.cache/docsnip}"
export IDIOMATIC_CACHE="$cache/idiomatic"

# Pinned versions (Debian 12's packages; the newest ruff and prettier when pinned).
debs=(shellcheck=0.9.0-1 shfmt=3.6.0-1+b2 clang-format=1:14.0-55.7~deb12u1 php-codesniffer=3.7.1-2 rubocop=1.39.0+dfsg-1)
ruff_version=0.17.5
prettier_version=3.10.1

missing=()
for d in "${debs[@]}"; do
  [ "$(dpkg-query -W -f='${Version}' "${d%%=*}" 2>/dev/null || true)" = "${d#*=}" ] || missing+=("$d")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]} with apt-get"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "please install: ${missing[*]}"; exit 1
  fi
fi
[ "$(ruff --version 2>/dev/null)" = "ruff $ruff_version" ] || { say "installing ruff==$ruff_version"; python3 -m pip install --quiet "ruff==$ruff_version"; }
if command -v pyenv >/dev/null; then pyenv rehash 2>/dev/null || true; fi
[ "$("$IDIOMATIC_CACHE/node_modules/.bin/prettier" --version 2>/dev/null)" = "$prettier_version" ] || {
  say "installing prettier@$prettier_version into $IDIOMATIC_CACHE"
  mkdir -p "$IDIOMATIC_CACHE"; npm install --silent --prefix "$IDIOMATIC_CACHE" "prettier@$prettier_version"
}
for c in rustfmt clippy; do
  cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1 || { say "adding the rustup component $c"; rustup component add "$c"; }
done

# IDIOMATIC_INSTALL_ONLY=1: stop here (bench/idiomatic.sh installs the same tools).
[ -z "${IDIOMATIC_INSTALL_ONLY:-}" ] || exit 0

cargo build --quiet --example snippets
out=$(mktemp); trap 'rm -f "$out"' EXIT
target/debug/examples/snippets --lang "$langs" tests/fixtures/pages >"$out"
python3 scripts/idiomatic.py <"$out"
