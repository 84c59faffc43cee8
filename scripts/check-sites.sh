#!/usr/bin/env bash
# Build each example site under examples/sites/ with docsnip and then its real generator
# (Hugo, Material for MkDocs, Docusaurus 3, VitePress, Astro Starlight, Shins for Slate pages; Debian's Jekyll for
# aviator-blocks, on a layout copying the CloudCannon Aviator template's), and require every snippet's code on the
# built pages to equal, byte for byte, what docsnip wrote (scripts/site_snippets.py),
# with every page built. Installs what is missing: Debian's hugo (apt-get), mkdocs-material
# (pip), Docusaurus (npm, into .cache/sites/docusaurus-deps/node_modules, reused by later runs),
# VitePress, Astro Starlight and Shins (npm ci from the site's package-lock.json, into
# .cache/sites/FORMAT-deps, reused while the lockfile is unchanged).
# Slate (Shins) is built twice, sanitised (Shins's default) and with --unsafe: the pages
# docsnip refuses for that mode are checked to be reported at PATH:LINE:COL, set aside, and
# every other page is built and compared.
# Real pages (examples/sites/FORMAT/real-pages/, as published, with hand-pasted curl) are
# imported by `docsnip import --in-place` first, then built like the others (real_pages).
#
# Usage: scripts/check-sites.sh [DOCSNIP] [FORMAT...]     (default: every format)
# DOCSNIP_SITES_CACHE moves the work folder (default .cache/sites, git-ignored);
# DOCSNIP_SITES_SEED and DOCSNIP_SITES_RANDOM pick the random hostile pages (seed, count).
# Plugin mode (scripts/check-plugins.sh): with DOCSNIP_SITES_PLUGIN_VENV (a venv holding the
# docsnip wheel and MkDocs) and DOCSNIP_SITES_PLUGIN_NPM (an npm project holding the docsnip
# package), no docsnip step runs before the generator: MkDocs builds with `plugins:
# [docsnip]`, Docusaurus and Starlight with the remark plugin (docsnip/remark) and VitePress
# with the markdown-it plugin (docsnip/markdown-it), aviator-blocks with Jekyll and
# _plugins/docsnip.rb (packaging/jekyll), from a docs folder docsnip never
# rewrites (checked), and the HTML is compared with what `docsnip DOCS OUT` writes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${1:-}
shift || true
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=target/release/docsnip
fi
bin=$(realpath "$bin")
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(hugo mkdocs docusaurus vitepress starlight slate aviator-blocks)
cache=${DOCSNIP_SITES_CACHE:-$root/.cache/sites}
mkdir -p "$cache"
plugin_venv=${DOCSNIP_SITES_PLUGIN_VENV:-}
plugin_npm=${DOCSNIP_SITES_PLUGIN_NPM:-}
plugins=; [ -z "$plugin_venv$plugin_npm" ] || plugins=1

say() { printf 'check-sites: %s\n' "$*" >&2; }
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $* with apt-get"
    # Another process may hold the apt lock: wait for it.
    for _ in $(seq 60); do
      if apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; then
        return 0
      fi
      say "apt-get busy or failed; retrying in 10 s"; sleep 10
    done
    say "could not install $*"; exit 1
  else
    say "please install: $* (e.g. sudo apt-get install $*)"; exit 1
  fi
}

install() {
  case $1 in
    hugo) command -v hugo >/dev/null || apt_install hugo ;;
    aviator-blocks) command -v jekyll >/dev/null || apt_install jekyll ;;
    mkdocs)
      [ -z "$plugins" ] || return 0   # the plugin venv holds MkDocs
      command -v python3 >/dev/null || apt_install python3 python3-pip
      python3 -c 'import material' 2>/dev/null || { say "installing mkdocs-material"; python3 -m pip install --quiet mkdocs-material; }
      if command -v pyenv >/dev/null; then pyenv rehash 2>/dev/null || true; fi ;;
    docusaurus)
      command -v node >/dev/null || apt_install nodejs npm
      command -v npm >/dev/null || apt_install npm
      node -e 'process.exit(parseInt(process.versions.node) >= 20 ? 0 : 1)' || { say "Docusaurus 3 needs Node.js 20+, found $(node --version)"; exit 1; }
      local dir=$cache/docusaurus-deps
      mkdir -p "$dir"
      if ! cmp -s examples/sites/docusaurus/package.json "$dir/package.json" || [ ! -d "$dir/node_modules/@docusaurus/core" ]; then
        say "installing Docusaurus with npm into $dir (a few minutes the first time)"
        cp examples/sites/docusaurus/package.json "$dir/package.json"
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
      fi ;;
    vitepress|starlight|slate)
      command -v node >/dev/null || apt_install nodejs npm
      command -v npm >/dev/null || apt_install npm
      node -e 'process.exit(parseInt(process.versions.node) >= 20 ? 0 : 1)' || { say "$1 needs Node.js 20+, found $(node --version)"; exit 1; }
      local dir=$cache/$1-deps
      mkdir -p "$dir"
      if ! cmp -s "examples/sites/$1/package-lock.json" "$dir/package-lock.json" || [ ! -d "$dir/node_modules" ]; then
        say "installing $1 with npm ci into $dir (a minute or two the first time)"
        cp "examples/sites/$1/package.json" "examples/sites/$1/package-lock.json" "$dir/"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
      fi ;;
  esac
}

# Real pages as published (examples/sites/FORMAT/real-pages/, provenance and licence in
# its SOURCES.md), with their hand-pasted curl: copied unchanged into a folder of their
# own, `docsnip import --in-place` on them alone (with the site's config, plus
# real-pages/docsnip.yml: what that site's user adds, such as the auth scheme import
# proposed), then into the site's pages, where docsnip's build and the generator treat them
# as any other page. Reports the commands imported (a docsnip comment, or the front-matter
# request, each) and refused (a warning at PATH:LINE:COL each; their blocks stay as
# published); real_check requires one snippet group per imported request after the build.
real_pages() { # FORMAT CONTENT_DIR EXT
  local f=$1 src=examples/sites/$1/real-pages work=$cache/$1 stage=$cache/$1-real out
  real_counts=$cache/$1-real.json
  rm -f "$real_counts"
  [ -d "$src" ] && [ -z "$plugins" ] || return 0
  rm -rf "$stage" "$stage-before"; mkdir -p "$stage" "$stage-before"
  find "$src" -maxdepth 1 -name "*.$3" ! -name SOURCES.md -exec cp {} "$stage/" \;
  cp "$stage"/*."$3" "$stage-before/"
  if [ -f "$src/docsnip.yml" ]; then
    # Without what the site adds, import refuses (each command at PATH:LINE:COL, saying
    # what to add) and leaves the pages as published.
    out=$("$bin" import --in-place --config "$work/docsnip.yml" "$stage" 2>&1 >/dev/null) || true
    diff -r "$stage-before" "$stage" >/dev/null \
      || { say "$f: import without real-pages/docsnip.yml changed the real pages"; exit 1; }
    grep -q ': warning: cannot import this curl command: .*add an auth scheme' <<<"$out" \
      || { printf '%s\n' "$out" >&2; say "$f: import without real-pages/docsnip.yml: no refusal naming the auth scheme"; exit 1; }
    say "real pages without real-pages/docsnip.yml: $(grep -c ': warning: cannot import' <<<"$out") command(s) refused, pages left as published"
    cat "$src/docsnip.yml" >> "$work/docsnip.yml"
  fi
  out=$("$bin" import --in-place --config "$work/docsnip.yml" "$stage" 2>&1 >/dev/null) \
    || { printf '%s\n' "$out" >&2; say "$f: docsnip import failed on the real pages"; exit 1; }
  python3 - "$stage" "$3" "$real_counts" "$out" <<'PY' || exit 1
import json, os, re, sys
sys.path.insert(0, "scripts")
from site_snippets import docsnip_comments
stage, ext, counts, out = sys.argv[1:5]
def requests(t):
    fm = re.match(r"^---\n(.*?)\n---", t, re.S)
    return len(docsnip_comments(t)) + (1 if fm and re.search(r"^(method|request):", fm.group(1), re.M) else 0)
res, bad = {}, []
for n in sorted(os.listdir(stage)):
    if not n.endswith("." + ext):
        continue
    before = open(os.path.join(stage + "-before", n), encoding="utf-8", newline="").read()
    after = open(os.path.join(stage, n), encoding="utf-8", newline="").read()
    said = [l for l in out.splitlines() if l.startswith(os.path.join(stage, n) + ":")]
    for l in said:
        if not re.match(r"^\S+:\d+:\d+: warning: ", l):
            bad.append(l)
    refused = [l for l in said if re.search(r": warning: (cannot import this curl command|not imported): ", l)]
    res[n] = {"imported": requests(after) - requests(before), "refused": len(refused)}
    print(f"check-sites: real page {n}: {res[n]['imported']} command(s) imported, {res[n]['refused']} refused, {len(said) - len(refused)} other warning(s)", file=sys.stderr)
    for l in said:
        print("  " + l.replace(stage + "/", ""), file=sys.stderr)
for l in out.splitlines():
    if not l.startswith(stage + "/") and not l.startswith("docsnip import:"):
        bad.append(l)
if bad:
    sys.exit("check-sites: unexpected output of docsnip import on the real pages:\n" + "\n".join(bad))
tot = [sum(v[k] for v in res.values()) for k in ("imported", "refused")]
print(f"check-sites: real pages: {len(res)} page(s), {tot[0]} command(s) imported, {tot[1]} refused", file=sys.stderr)
json.dump(res, open(counts, "w"))
PY
  rm -rf "$stage-before"
  cp "$stage"/*."$3" "$work/$2/"
  rm -rf "$stage"
}
# After docsnip's build: each real page holds one docsnip group per imported request.
real_check() { # FORMAT DOCS
  [ -f "$real_counts" ] || return 0
  python3 - "$1" "$2" "$real_counts" <<'PY'
import json, os, sys
sys.path.insert(0, "scripts")
from site_snippets import md_groups, TITLES
fmt, docs, counts = sys.argv[1:4]
bad = 0
for n, c in json.load(open(counts)).items():
    groups = [g for g in md_groups(fmt, open(os.path.join(docs, n), encoding="utf-8", newline="").read()) if g and all(l in TITLES for l, _ in g)]
    if len(groups) != c["imported"]:
        print(f"check-sites: {fmt}: real page {n}: {c['imported']} request(s) imported, {len(groups)} docsnip group(s) written", file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
}

# The site's source copied to a fresh work folder, with the shared pages added.
prepare() { # FORMAT CONTENT_DIR EXT [CONFIG_LINE]
  local f=$1 content=$2 ext=$3 work=$cache/$1
  rm -rf "$work"
  mkdir -p "$work"
  (cd "examples/sites/$f" && tar --dereference --exclude=node_modules --exclude=./real-pages -cf - .) | (cd "$work" && tar -xf -)
  [ -z "${4:-}" ] || echo "$4" >> "$work/docsnip.yml"
  for p in examples/sites/shared/*.md; do
    cp "$p" "$work/$content/$(basename "$p" .md).$ext"
  done
  # And pages of random hostile values (the same every run unless DOCSNIP_SITES_SEED is set).
  python3 scripts/random_pages.py "${DOCSNIP_SITES_SEED:-docsnip}" "${DOCSNIP_SITES_RANDOM:-12}" "$work/$content" "$ext"
  real_pages "$f" "$content" "$ext"
  [ "$f" != slate ] || return 0   # slate_pages: refusals are part of its check
  if [ "$f" = aviator-blocks ]; then
    # A code line of backticks alone closes the template's own fence: docsnip refuses
    # such a snippet (unit tests in aviator_blocks.rs). The shared and random pages get
    # every run of three backticks broken by a space; the site's own pages keep theirs.
    python3 - "$work/$content" examples/sites/shared/*.md <<'PY'
import os, sys
d = sys.argv[1]
names = [os.path.basename(p) for p in sys.argv[2:]] + [f for f in os.listdir(d) if f.startswith("random-")]
for n in names:
    p = os.path.join(d, n)
    t = open(p, encoding="utf-8", newline="").read()
    while "```" in t:
        t = t.replace("```", "`` `")
    open(p, "w", encoding="utf-8", newline="").write(t)
PY
  fi
  if [ -n "$plugins" ]; then
    # The plugin does the work: docsnip's build goes elsewhere, as what the HTML must show.
    "$bin" --quiet --deny-warnings --config "$work/docsnip.yml" "$work/$content" "$work/expected"
    (cd "$work/$content" && find . -path ./.vitepress -prune -o -type f -exec sha256sum {} + | sort) > "$work/docs.sha256"
    return
  fi
  "$bin" --quiet --deny-warnings --config "$work/docsnip.yml" --in-place "$work/$content"
  # Idempotence on the real pages: a second run changes nothing.
  "$bin" --quiet --check --config "$work/docsnip.yml" --in-place "$work/$content"
}

# The README's before/after page of each format: "before" is the example file as it is,
# and "after" is docsnip's output for it.
readme_pairs() {
  local tmp; tmp=$(mktemp -d)
  python3 - README.md "$tmp" <<'PY'
import os, re, sys
readme, tmp = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
pairs = re.findall(r"<!-- format-before: (\S+) -->\n````\w*\n(.*?)````\n.*?<!-- format-after: (\w+) -->\n````\w*\n(.*?)````\n", readme, re.S)
if len(pairs) != 4:
    sys.exit(f"README.md: expected 4 format before/after pairs, found {len(pairs)}")
for path, before, fmt, after in pairs:
    if open(path, encoding="utf-8").read() != before:
        sys.exit(f"README.md: the {fmt} 'before' block is not {path} as it is")
    for tree, text in (("docs", before), ("out", after)):
        d = os.path.join(tmp, fmt, tree)
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, os.path.basename(path)), "w", encoding="utf-8").write(text)
PY
  for f in kramdown docusaurus mkdocs hugo; do
    "$bin" --quiet --check --config "examples/sites/$f/docsnip.yml" "$tmp/$f/docs" "$tmp/$f/out" \
      || { say "README.md: the $f 'after' block is stale"; rm -rf "$tmp"; exit 1; }
  done
  rm -rf "$tmp"
  say "README format before/after pairs: current"
}
readme_pairs

# Plugin mode: the site's config gets its one docsnip line.
plugin_site() { # FORMAT
  local work=$cache/$1
  case $1 in
    mkdocs) sed -i 's/^plugins: \[\].*$/plugins: [docsnip]/' "$work/mkdocs.yml"
            grep -q '^plugins: \[docsnip\]$' "$work/mkdocs.yml" ;;
    docusaurus) sed -i "s|docs: { |docs: { beforeDefaultRemarkPlugins: [require('docsnip/remark')], |" "$work/docusaurus.config.js"
                grep -q "require('docsnip/remark')" "$work/docusaurus.config.js" ;;
    vitepress) sed -i "s|^export default {|import docsnip from 'docsnip/markdown-it'\nexport default {\n  markdown: { config: (md) => { md.use(docsnip) } },|" "$work/docs/.vitepress/config.mjs"
               grep -q "md.use(docsnip)" "$work/docs/.vitepress/config.mjs" ;;
    starlight) sed -i "s|^export default defineConfig({|import docsnip from 'docsnip/remark';\nexport default defineConfig({\n  markdown: { remarkPlugins: [docsnip] },|" "$work/astro.config.mjs"
               grep -q "remarkPlugins: \[docsnip\]" "$work/astro.config.mjs" ;;
  esac || { say "$1: could not add the docsnip plugin to the site's config"; exit 1; }
}
# The site's node_modules: the generator (the cached install), plus, in plugin mode, the
# docsnip packages of the npm project (a folder of links to both).
node_modules() { # FORMAT
  local work=$cache/$1 deps=$cache/$1-deps/node_modules
  if [ -z "$plugins" ]; then ln -s "$deps" "$work/node_modules"; return; fi
  plugin_site "$1"
  if [ "$1" = starlight ]; then
    # Astro's build cannot load its own components through a folder of links: a copy of
    # the install (hard links where the file system allows), as a user's project has it.
    cp -al "$deps" "$work/node_modules" 2>/dev/null || cp -a "$deps" "$work/node_modules"
    cp -a "$plugin_npm/node_modules/docsnip" "$plugin_npm/node_modules/@docsnip" "$work/node_modules/"
    return
  fi
  mkdir "$work/node_modules"
  for e in "$deps"/* "$deps"/.bin "$plugin_npm/node_modules/docsnip" "$plugin_npm/node_modules/@docsnip"; do
    ln -s "$e" "$work/node_modules/"
  done
}
# $view: the pages docsnip's view is read from (plugin mode: its build, after checking
# that the generator left the docs folder as it was).
pages() { # FORMAT CONTENT_DIR
  local work=$cache/$1
  view=$work/$2
  [ -n "$plugins" ] || return 0
  (cd "$work/$2" && find . -path ./.vitepress -prune -o -type f -exec sha256sum {} + | sort) | cmp -s - "$work/docs.sha256" \
    || { say "$1: the build changed the docs folder"; exit 1; }
  view=$work/expected
}

# Slate: docsnip on the pages, in MODE (sanitised: Shins's default; unsafe: `shins
# --unsafe`, `slate: {unsafe: true}`). A page docsnip refuses must be reported at
# PATH:LINE:COL (the site's own pages: exactly refused-*.md, and unsafe-*.md when
# sanitised), and is set aside; then docsnip
# writes the others (no warning), a second run changes nothing, and Shins's own CLI builds
# each page into build/NAME.html.
slate_pages() { # MODE
  local work=$cache/slate flag= out
  if [ "$1" = unsafe ]; then printf 'slate: {unsafe: true}\n' >> "$work/docsnip.yml"; flag=--unsafe; fi
  out=$("$bin" --quiet --deny-warnings --config "$work/docsnip.yml" --in-place "$work/source" 2>&1) || true
  mkdir -p "$work/refused" "$work/build"
  local refused
  refused=$(printf '%s\n' "$out" | python3 -c '
import os, re, sys
mode, lines, pages = sys.argv[1], sys.stdin.read().splitlines(), set()
for l in lines:
    if re.match(r"^docsnip: \d+ error\(s\), 0 warning\(s\); nothing was written$", l) or not l:
        continue
    m = re.match(r"^.*/source/([^/:]+\.md):\d+:\d+: error: .*(Shins|Slate)", l)
    if not m:
        sys.exit(f"check-sites: slate: not a refusal at PATH:LINE:COL: {l}")
    pages.add(m.group(1))
# The example site pages: refused-* in both modes, unsafe-* only when sanitised, others never.
own = set(os.listdir("examples/sites/slate/source"))
want = {p for p in own if p.startswith("refused-") or (p.startswith("unsafe-") and mode == "sanitised")}
if pages & own != want:
    sys.exit(f"check-sites: slate ({mode}): refused {sorted(pages & own)} of the example site pages, expected {sorted(want)}")
print(" ".join(sorted(pages)))
' "$1")
  for p in $refused; do mv "$work/source/$p" "$work/refused/"; done
  say "slate ($1): $(wc -w <<<"$refused") page(s) refused at their request, set aside: $refused"
  "$bin" --quiet --deny-warnings --config "$work/docsnip.yml" --in-place "$work/source"
  "$bin" --quiet --check --config "$work/docsnip.yml" --in-place "$work/source"
  local shins=$work/node_modules/shins
  local name
  for p in "$work"/source/*.md; do
    name=$(basename "$p" .md)   # index.html.md -> index.html, orders.md -> orders.html
    node "$shins/shins.js" --root "$shins" $flag --output "$work/build/${name%.html}.html" "$p" >>"$work/build.log" 2>&1 \
      || { cat "$work/build.log" >&2; exit 1; }
  done
}

total_start=$(date +%s)
for f in "${formats[@]}"; do
  start=$(date +%s)
  install "$f"
  work=$cache/$f
  case $f in
    hugo)
      prepare hugo content md
      (cd "$work" && hugo --quiet --destination public)
      python3 scripts/site_snippets.py hugo "$work/content" "$work/public" ;;
    mkdocs)
      prepare mkdocs docs md
      if [ -n "$plugins" ]; then
        plugin_site mkdocs
        (cd "$work" && "$plugin_venv/bin/python" -m mkdocs build --quiet --strict --site-dir site)
      else
        (cd "$work" && python3 -m mkdocs build --quiet --strict --site-dir site)
      fi
      pages mkdocs docs
      python3 scripts/site_snippets.py mkdocs "$view" "$work/site" ;;
    docusaurus)
      prepare docusaurus docs md
      node_modules docusaurus
      (cd "$work" && DOCUSAURUS_TELEMETRY=0 npx --no-install docusaurus build --out-dir build >build.log 2>&1) || { cat "$work/build.log" >&2; exit 1; }
      pages docusaurus docs
      python3 scripts/site_snippets.py docusaurus "$view" "$work/build" ;;
    vitepress)
      prepare vitepress docs md
      node_modules vitepress
      (cd "$work" && npx --no-install vitepress build docs >build.log 2>&1) || { cat "$work/build.log" >&2; exit 1; }
      pages vitepress docs
      python3 scripts/site_snippets.py vitepress "$view" "$work/docs/.vitepress/dist"
      real_check vitepress "$work/docs" ;;
    starlight)
      prepare starlight src/content/docs mdx
      node_modules starlight
      (cd "$work" && ASTRO_TELEMETRY_DISABLED=1 npx --no-install astro build >build.log 2>&1) || { cat "$work/build.log" >&2; exit 1; }
      pages starlight src/content/docs
      python3 scripts/site_snippets.py starlight "$view" "$work/dist"
      real_check starlight "$work/src/content/docs" ;;
    slate)
      [ -z "$plugins" ] || { say "slate has no plugin mode"; continue; }
      for mode in sanitised unsafe; do
        prepare slate source md
        node_modules slate
        slate_pages "$mode"
        python3 scripts/site_snippets.py slate "$work/source" "$work/build"
        real_check slate "$work/source"
      done ;;
    aviator-blocks)
      # Both placements (left first: the site left in $work is the default one, right).
      # Plugin mode: Jekyll runs packaging/jekyll/docsnip.rb (with the wheel's docsnip).
      for side in left right; do
        prepare aviator-blocks api md "placement: $side"
        jekyll_safe=--safe jekyll_bin=$bin
        if [ -n "$plugins" ]; then
          mkdir -p "$work/_plugins"
          cp packaging/jekyll/docsnip.rb "$work/_plugins/"
          jekyll_safe= jekyll_bin=${plugin_venv:+$plugin_venv/bin/docsnip}
          jekyll_bin=${jekyll_bin:-$bin}
        fi
        (cd "$work" && DOCSNIP_BINARY=$jekyll_bin jekyll build --quiet $jekyll_safe -s . -d _site >build.log 2>&1) || { cat "$work/build.log" >&2; exit 1; }
        pages aviator-blocks api
        # Every output front-matter as Psych (Jekyll's YAML) reads it, or a failure.
        ruby -rjson -rpsych -rdate -e '
          out, bad = {}, 0
          Dir.glob("**/*.md", base: ARGV[0]).sort.each do |rel|
            text = File.read(File.join(ARGV[0], rel), encoding: "UTF-8")
            m = text.match(/\A(---\s*\n.*?\n?)^((---|\.\.\.)\s*$\n?)/m)
            next unless m
            begin
              out[rel] = Psych.safe_load(m[1], permitted_classes: [Date, Time])
            rescue Psych::Exception => e
              warn "check-sites: aviator-blocks: #{rel}: Psych cannot parse the front-matter: #{e.message}"; bad += 1
            end
          end
          File.write(ARGV[1], JSON.generate(out))
          exit(bad == 0 ? 0 : 1)' "$view" "$cache/aviator-blocks-front-matter.json"
        # docsnip's snippets rendered from the requests (not read back from the pages).
        cargo build --quiet --example snippets
        target/debug/examples/snippets "$work/api" "$work/docsnip.yml" > "$cache/aviator-blocks-snippets.jsonl"
        # The placement's list is the one shown (a page already holding docsnip's entries
        # in the other list keeps them there: left.md).
        grep -q "^${side}_code_blocks:" "$view/orders.md" || { say "aviator-blocks: placement $side: no ${side}_code_blocks in orders.md"; exit 1; }
        say "aviator-blocks (placement: $side):"
        DOCSNIP_FRONT_MATTER="$cache/aviator-blocks-front-matter.json" DOCSNIP_SNIPPETS="$cache/aviator-blocks-snippets.jsonl" \
          python3 scripts/site_snippets.py aviator-blocks "$view" "$work/_site/api"
      done ;;
    *) say "unknown format $f (hugo, mkdocs, docusaurus, vitepress, starlight, slate, aviator-blocks)"; exit 2 ;;
  esac
  say "$f: built and checked in $(( $(date +%s) - start )) s"
done
say "all sites checked in $(( $(date +%s) - total_start )) s"
