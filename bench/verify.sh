#!/usr/bin/env bash
# docsnip verify over the crux-docs sample (../shared/corpus/crux-docs): cold (empty
# cache), warm (nothing changed), one page changed, and --no-cache; then --as-written.
# Not run by .ci/run (timings vary with the machine's load).
#   bash bench/verify.sh [CORPUS_DIR]     (LANGS=curl,httpie,python,node by default)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
corpus=$(realpath "${1:-../shared/corpus/crux-docs}")
langs=${LANGS:-curl,httpie,python,node}
cargo build --release --quiet --bin docsnip
bin=$PWD/target/release/docsnip
cfg=$PWD/scripts/crux-docsnip.yml
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r "$corpus" "$work/crux"; chmod -R u+w "$work/crux"
# Pages with invalid Request JSON cannot be built (see scripts/check-corpus.sh).
grep ': error: ' scripts/crux-expected.txt | cut -d: -f1 | sort -u | sed "s#^#$work/#" | xargs rm -f
cd "$work"
now() { date +%s.%N; }
# Wall seconds, and CPU seconds (user+sys of docsnip and every snippet it ran: less
# sensitive to the machine's load than wall time).
run() { # LABEL ARGS...
  local label=$1; shift
  local a b; a=$(now)
  /usr/bin/time -f '%U %S' -o cpu.txt \
    "$bin" verify --quiet --config "$cfg" --lang "${RUN_LANGS:-$langs}" "$@" crux 2> err.txt >/dev/null || true
  b=$(now)
  printf '%-34s %7.2f s wall %7.2f s cpu   %s\n' "$label" "$(echo "$b - $a" | bc -l)" \
    "$(awk '{print $1 + $2}' cpu.txt)" "$(tail -1 err.txt)"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), nproc $(nproc)"
run "cold (empty cache)" --cache-dir cache
run "warm (nothing changed)" --cache-dir cache
run "warm again" --cache-dir cache
page=$(grep -rl '^method:' crux --include=*.md | sort | head -1)
sed -i 's/^title: \(.*\)$/title: \1 (changed)/' "$page"
run "one page changed" --cache-dir cache
run "--no-cache" --no-cache
DOCSNIP_NO_PRELOAD=1 run "--no-cache, no fork server" --no-cache
a=$(now)
"$bin" verify --as-written --quiet --config "$cfg" crux > aw.txt 2> aw-err.txt || true
b=$(now)
printf '%-34s %7.2f s   %s\n' "--as-written" "$(echo "$b - $a" | bc -l)" "$(tail -1 aw-err.txt)"
# Each language on its own, --no-cache: what it costs per snippet.
for l in ${langs//,/ }; do
  RUN_LANGS=$l run "--no-cache, $l only" --no-cache
done
# Languages that compile in batches (run.batch), also one snippet at a time: what the
# batch compile pays (DOCSNIP_NO_BATCH=1).
for l in ${langs//,/ }; do
  case $l in java|rust) DOCSNIP_NO_BATCH=1 RUN_LANGS=$l run "--no-cache, $l only, not batched" --no-cache ;; esac
done
