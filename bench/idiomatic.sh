#!/usr/bin/env bash
# Issue 20's comparison: docsnip, httpsnippet and postman-code-generators on the same
# requests (every fixture page of tests/fixtures/pages/, as docsnip normalizes it:
# `examples/snippets --requests`, one HAR request a line), judged by the same
# formatters and linters (scripts/idiomatic.py --report). Installs the tools as
# scripts/check-idiomatic.sh does, and the two generators pinned by
# bench/idiomatic/package-lock.json with `npm ci` into docsnip's cache folder.
# Prints three tables (per language: formatter-clean n/N, linter findings) and the
# comparison as Markdown (bench/idiomatic/table.py), with each generator's "not
# generated" count. Not part of .ci/run: it measures, it does not check.
# Usage: bench/idiomatic.sh [OUTDIR]   (OUTDIR keeps the snippets and reports; default a temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'bench/idiomatic.sh: %s\n' "$*" >&2; }
cache="${DOCSNIP_CACHE_DIR:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/docsnip}}"; cache="${cache:-$HOME/.cache/docsnip}"
export IDIOMATIC_CACHE="$cache/idiomatic"
gens="$cache/bench-idiomatic"

IDIOMATIC_INSTALL_ONLY=1 scripts/check-idiomatic.sh

# The generators, exactly as locked (no install scripts: postman's postinstall would
# run an unpinned `npm install` in each of its codegens; their few dependencies, lodash
# and postman-collection, resolve from the locked top level).
if ! cmp -s bench/idiomatic/package-lock.json "$gens/package-lock.json" || [ ! -d "$gens/node_modules" ]; then
  say "installing httpsnippet and postman-code-generators (npm ci) into $gens"
  mkdir -p "$gens"
  cp bench/idiomatic/package.json bench/idiomatic/package-lock.json "$gens/"
  (cd "$gens" && npm ci --ignore-scripts --silent --no-audit --no-fund)
fi
export NODE_PATH="$gens/node_modules"

out="${1:-}"
if [ -z "$out" ]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; else mkdir -p "$out"; fi

cargo build --quiet --example snippets
target/debug/examples/snippets --lang all tests/fixtures/pages >"$out/docsnip.jsonl"
target/debug/examples/snippets --requests tests/fixtures/pages >"$out/requests.jsonl"
for g in httpsnippet postman; do
  node bench/idiomatic/render.js "$g" <"$out/requests.jsonl" >"$out/$g.jsonl" 2>"$out/$g.not-generated"
done

say "$(wc -l <"$out/requests.jsonl") requests; versions: httpsnippet $(node -p 'require("httpsnippet/package.json").version'), postman-code-generators $(node -p 'require("postman-code-generators/package.json").version')"
for g in docsnip httpsnippet postman; do
  python3 scripts/idiomatic.py --report <"$out/$g.jsonl" >"$out/$g.report"
done
for g in docsnip httpsnippet postman; do
  echo "## $g"
  grep -E '^[^[]+: (formatter-clean [0-9]+/[0-9]+|formatter —), linter findings [0-9]+ \(snippets [0-9]+\)$' "$out/$g.report" || true
  if [ -s "$out/$g.not-generated" ]; then sed 's/^render.js: not generated: /  not generated: /' "$out/$g.not-generated"; fi
  echo
done
echo "## comparison (linter-clean: snippets without any finding; in brackets the finding lines)"
python3 bench/idiomatic/table.py "$out"
