#!/usr/bin/env bash
# End-to-end benchmark: docsnip against `cp -r` on tmpfs, scaling 1k/10k/100k pages,
# peak memory, and --check / --in-place on an unchanged tree. Prints medians and ratios.
#   bash bench/run.sh            (ROUNDS=5 by default; BIG=0 skips the 100k tree)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
BIG=${BIG:-1}
W=${BENCH_DIR:-/dev/shm/docsnip-bench}

if [ ! -x /usr/bin/time ]; then
  apt-get install -y -qq time >/dev/null 2>&1 || true
fi
cargo build --release --quiet --bin docsnip --example gen_docs
BIN=$PWD/target/release/docsnip
GEN=$PWD/target/release/examples/gen_docs

rm -rf "$W"; mkdir -p "$W"
trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
# Wall seconds of one command.
secs() { local a b; a=$(now); "$@" >/dev/null 2>&1; b=$(now); echo "$b - $a" | bc -l; }
median() { sort -g | awk '{v[NR]=$1} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.3f", m}'; }
# Peak RSS (MB) of one command, via GNU time.
peak_mb() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {printf "%.1f", $2/1024}'
  else
    echo "n/a"
  fi
}
# Inode and mtime of every file: equal before and after means nothing was rewritten.
stamp() { find "$1" -type f -printf '%i %T@ %p\n' | sort | md5sum | cut -c1-32; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. docsnip vs cp -r, alternately, fresh OUT each time.
"$GEN" "$W/docs" 10000 2000
echo "tree: 10000 endpoint pages + 2000 other files, $(du -sh "$W/docs" | cut -f1) on tmpfs"
: >"$W/t_docsnip"; : >"$W/t_cp"
for i in $(seq "$ROUNDS"); do
  rm -rf "$W/out"; sync
  secs "$BIN" --quiet "$W/docs" "$W/out" >>"$W/t_docsnip"
  rm -rf "$W/out2"; sync
  secs cp -r "$W/docs" "$W/out2" >>"$W/t_cp"
done
d=$(median <"$W/t_docsnip"); c=$(median <"$W/t_cp")
echo "docsnip DOCS OUT : median ${d} s over $ROUNDS runs ($(tr '\n' ' ' <"$W/t_docsnip"| xargs printf '%.3f '))"
echo "cp -r DOCS OUT2  : median ${c} s over $ROUNDS runs ($(tr '\n' ' ' <"$W/t_cp"| xargs printf '%.3f '))"
echo "ratio docsnip / cp -r: $(echo "$d / $c" | bc -l | xargs printf '%.2f')x"

# 2. --check and --in-place on an unchanged tree (OUT was just built).
rm -rf "$W/out"; "$BIN" --quiet "$W/docs" "$W/out"
before=$(stamp "$W/out")
: >"$W/t_check"
for i in $(seq "$ROUNDS"); do secs "$BIN" --quiet --check "$W/docs" "$W/out" >>"$W/t_check"; done
"$BIN" --quiet --check "$W/docs" "$W/out" || { echo "FAIL: --check says the fresh OUT is stale"; exit 1; }
: >"$W/t_inplace"
for i in $(seq "$ROUNDS"); do secs "$BIN" --quiet --in-place "$W/out" >>"$W/t_inplace"; done
after=$(stamp "$W/out")
# The fair baseline for the two above: a build whose input already holds the snippets.
: >"$W/t_rebuild"
for i in $(seq "$ROUNDS"); do rm -rf "$W/out3"; secs "$BIN" --quiet "$W/out" "$W/out3" >>"$W/t_rebuild"; done
rm -rf "$W/out3"
[ "$before" = "$after" ] && same="no file rewritten" || same="FILES WERE REWRITTEN"
echo "build of OUT into a new OUT3 (same input as below): median $(median <"$W/t_rebuild") s"
echo "--check on unchanged OUT   : median $(median <"$W/t_check") s"
echo "--in-place on unchanged OUT: median $(median <"$W/t_inplace") s ($same)"

# 3. Scaling and peak memory.
echo "scaling (one build each into a fresh OUT; M = N/5 other files):"
sizes="1000 10000"; [ "$BIG" = 1 ] && sizes="$sizes 100000"
for n in $sizes; do
  rm -rf "$W/s" "$W/sout"
  "$GEN" "$W/s" "$n" $((n / 5))
  : >"$W/t_s"
  reps=3; [ "$n" -ge 100000 ] && reps=1
  for i in $(seq $reps); do rm -rf "$W/sout"; secs "$BIN" --quiet "$W/s" "$W/sout" >>"$W/t_s"; done
  rm -rf "$W/sout"
  mb=$(peak_mb "$BIN" --quiet "$W/s" "$W/sout")
  t=$(median <"$W/t_s")
  printf '  %6d pages: %7.3f s  %6.1f us/page  peak RSS %s MB\n' "$n" "$t" "$(echo "$t * 1000000 / $n" | bc -l)" "$mb"
  rm -rf "$W/s" "$W/sout"
done
