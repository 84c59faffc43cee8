#!/usr/bin/env bash
# What the reader sees is the snippet: build docs/, the hostile fixture pages
# (tests/fixtures/pages, every built-in language: hostile_liquid, hostile_yaml_*) and,
# when given, the crux-docs sample
# with docsnip in both placements, run the real `jekyll build` (Debian's jekyll 4:
# Psych, Liquid, kramdown, rouge) on each, and check that
#  - every endpoint page is in _site (Jekyll skips a page whose front-matter does not
#    parse, and still exits 0);
#  - every snippet's code text in the built HTML (from `right_code | markdownify` and
#    from the page body) is, byte for byte, the snippet docsnip generated (its own view:
#    `examples/snippets.rs` renders it from the front-matter);
#  - every output front-matter parses with Ruby's Psych and with PyYAML, and gives the
#    `right_code` text docsnip wrote (its block scalar, de-indented).
# Themes cannot be downloaded: a minimal local layout prints `page.right_code |
# markdownify` and `content`; collections are output so that every document is a page;
# includes the sample does not ship are empty files.
# Usage: scripts/check-jekyll.sh DOCSNIP [CRUX_DIR]
# Plugin mode (scripts/check-plugins.sh): with DOCSNIP_JEKYLL_PLUGIN=packaging/jekyll/docsnip.rb,
# Jekyll builds each site's own source with that file as _plugins/docsnip.rb (no --safe: safe
# mode loads no plugin) instead of docsnip's output, and the source must be left as it was;
# the HTML is compared with the same docsnip build as above. DOCSNIP_JEKYLL_PLACEMENTS
# narrows the placements (default: right_code body).
set -euo pipefail
bin=$(realpath "$1"); crux=${2:+$(realpath "$2")}
here=$(cd "$(dirname "$0")" && pwd); root=$(dirname "$here")
started=$(date +%s)

say() { printf 'check-jekyll: %s\n' "$*" >&2; }
if ! command -v jekyll >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing jekyll with apt-get"
    apt-get -o DPkg::Lock::Timeout=900 update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq jekyll >/dev/null
  else
    say "please install Jekyll (e.g. sudo apt-get install jekyll)"; exit 1
  fi
fi
python3 -c 'import yaml' 2>/dev/null || { say "installing PyYAML"; python3 -m pip install --quiet pyyaml; }

# docsnip's own view of the snippets (debug build: the tests already built its deps).
(cd "$root" && cargo build --quiet --example snippets)
snippets="$root/target/debug/examples/snippets"

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
sites=0

# check NAME SRC CONFIG PLACEMENT: build SRC with CONFIG (placement overridden), then
# Jekyll, then compare.
check() {
  local name=$1 src=$2 config=$3 placement=$4 extra=${5:-}
  local w="$work/$name-$placement"
  mkdir -p "$w"
  cp -r "$src" "$w/src"; chmod -R u+w "$w/src"
  { grep -v '^\(placement\|format\):' "$config" || true; echo "placement: $placement"; [ -z "$extra" ] || echo "$extra"; } > "$w/docsnip.yml"
  # Pages that cannot be built (the sample's invalid Request JSON, pinned by
  # check-corpus.sh) are left out, as check-corpus.sh does.
  set +e
  "$bin" --quiet --config "$w/docsnip.yml" "$w/src" "$w/out" 2> "$w/messages.txt"
  local status=$?
  set -e
  if [ "$status" != 0 ]; then
    grep ': error: ' "$w/messages.txt" | cut -d: -f1 | sort -u | xargs -r rm -f
    "$bin" --quiet --config "$w/docsnip.yml" "$w/src" "$w/out"
  fi
  "$snippets" "$w/out" "$w/docsnip.yml" > "$w/snippets.jsonl"
  python3 - "$w/out" <<'PY'
import os, re, sys
out = sys.argv[1]
# A layout that shows what a reader sees: right_code through markdownify, the body.
layout = ("<!DOCTYPE html><html><body>\n<!-- docsnip-page: {{ page.path }} -->\n"
          "<!-- docsnip-rc -->{{ page.right_code | markdownify }}<!-- docsnip-end -->\n"
          "<!-- docsnip-content -->{{ content }}<!-- docsnip-end -->\n</body></html>\n")
os.makedirs(os.path.join(out, "_layouts"), exist_ok=True)
layouts, includes, collections = {"docsnip_check"}, set(), set()
for dirpath, dirs, files in os.walk(out):
    rel = os.path.relpath(dirpath, out)
    top = rel.split(os.sep)[0]
    if rel != "." and top.startswith("_") and top not in ("_includes", "_layouts", "_data", "_sass", "_site", "_posts", "_drafts", "_plugins"):
        collections.add(top[1:])
    for f in files:
        if not f.endswith((".md", ".markdown", ".html")):
            continue
        text = open(os.path.join(dirpath, f), encoding="utf-8", errors="replace").read()
        layouts.update(re.findall(r"^layout:\s*['\"]?([\w./-]+)", text, re.M))
        includes.update(re.findall(r"\{%-?\s*include\s+([\w./-]+)", text))
for name in layouts:
    p = os.path.join(out, "_layouts", name + ".html")
    if not os.path.exists(p):
        open(p, "w").write(layout)
for inc in includes:
    p = os.path.join(out, "_includes", inc)
    if not os.path.exists(p):
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "w").write("")
cfg = ["plugins: []", "theme: null", "remote_theme: null", "defaults:",
       "  - { scope: { path: \"\" }, values: { layout: docsnip_check } }"]
if collections:
    cfg.append("collections:")
    cfg += [f"  {c}: {{ output: true }}" for c in sorted(collections)]
open(os.path.join(out, "_docsnip_check.yml"), "w").write("\n".join(cfg) + "\n")
PY
  local jsrc="$w/out" safe=--safe
  if [ -n "${DOCSNIP_JEKYLL_PLUGIN:-}" ]; then
    # The site's own pages, the plugin file, and the check's layouts and config.
    jsrc="$w/plugin-src" safe=
    cp -r "$w/src" "$jsrc"
    cp -r "$w/out/_layouts" "$w/out/_docsnip_check.yml" "$jsrc/"
    [ ! -d "$w/out/_includes" ] || cp -r "$w/out/_includes" "$jsrc/"
    mkdir -p "$jsrc/_plugins"
    cp "$DOCSNIP_JEKYLL_PLUGIN" "$jsrc/_plugins/docsnip.rb"
    printf 'docsnip:\n  config: %s\n' "$w/docsnip.yml" >> "$jsrc/_docsnip_check.yml"
    (cd "$jsrc" && find . -path ./.jekyll-cache -prune -o -type f -exec sha256sum {} + | sort) > "$w/src.sha256"
  fi
  local configs="$jsrc/_docsnip_check.yml"
  [ -f "$jsrc/_config.yml" ] && configs="$jsrc/_config.yml,$configs"
  (cd "$jsrc" && DOCSNIP_BINARY="$bin" jekyll build --quiet $safe -s "$jsrc" -d "$w/site" --config "$configs") > "$w/jekyll.txt" 2>&1 \
    || { cat "$w/jekyll.txt"; say "$name ($placement): jekyll build failed"; exit 1; }
  if [ -n "${DOCSNIP_JEKYLL_PLUGIN:-}" ]; then
    (cd "$jsrc" && find . -path ./.jekyll-cache -prune -o -type f -exec sha256sum {} + | sort) | cmp -s - "$w/src.sha256" \
      || { say "$name ($placement): the Jekyll build with the plugin changed the site's source"; exit 1; }
  fi
  # Psych: every output front-matter parses, to the right_code docsnip wrote.
  python3 - "$w/out" "$w/expected.json" <<'PY'
import json, os, re, sys
import yaml
out, dest = sys.argv[1], sys.argv[2]
expected = {}
bad = 0
for dirpath, dirs, files in os.walk(out):
    if "/_layouts" in dirpath or "/_includes" in dirpath:
        continue
    for f in files:
        if not f.endswith((".md", ".markdown")):
            continue
        p = os.path.join(dirpath, f)
        rel = os.path.relpath(p, out)
        text = open(p, encoding="utf-8").read()
        m = re.match(r"(?:\ufeff)?---[ \t]*\r?\n(.*?\n)---[ \t]*\r?\n", text, re.S)
        if not m:
            continue
        fm = m.group(1)
        # docsnip's view of right_code: its block scalar, de-indented (split on LF only,
        # as docsnip writes it: any other break inside is what YAML 1.1 must not see).
        lines = fm.split("\n")
        want = None
        for i, l in enumerate(lines):
            hm = re.match(r"right_code:\s*\|([-+]?)\s*$", l)
            if not hm:
                continue
            body = []
            for l2 in lines[i + 1:]:
                if l2.strip() and not l2.startswith((" ", "\t")):
                    break
                body.append(l2)
            ind = next((len(b) - len(b.lstrip(" ")) for b in body if b.strip()), 0)
            text_ = "\n".join(b[ind:] for b in body)
            core = text_.rstrip("\n")
            want = {"": core + "\n", "-": core, "+": text_}[hm.group(1)] if core else ""
            break
        expected[rel] = {"yaml": fm, "right_code": want}
        try:
            got = yaml.safe_load(fm)
        except yaml.YAMLError as e:
            print(f"{rel}: PyYAML cannot parse the front-matter: {e}".splitlines()[0]); bad += 1
            continue
        if want is not None and (not isinstance(got, dict) or got.get("right_code") != want.replace("\r\n", "\n")):
            print(f"{rel}: PyYAML reads right_code differently from what docsnip wrote"); bad += 1
json.dump(expected, open(dest, "w"))
sys.exit(1 if bad else 0)
PY
  ruby -rjson -rpsych -rdate -e '
    bad = 0
    JSON.parse(File.read(ARGV[0])).each do |rel, e|
      begin
        data = Psych.safe_load(e["yaml"], permitted_classes: [Date, Time], aliases: true)
      rescue Psych::Exception => err
        puts "#{rel}: Psych cannot parse the front-matter: #{err.message}"; bad += 1; next
      end
      next if e["right_code"].nil?
      got = data.is_a?(Hash) ? data["right_code"] : nil
      want = e["right_code"].gsub("\r\n", "\n")
      if got != want
        puts "#{rel}: Psych reads right_code differently from what docsnip wrote"; bad += 1
      end
    end
    exit(bad == 0 ? 0 : 1)' "$w/expected.json"
  # The built HTML shows every snippet exactly, and no endpoint page is missing.
  python3 - "$w/site" "$w/snippets.jsonl" "$name ($placement)" "$w/out" <<'PY'
import json, os, re, sys
from html.parser import HTMLParser
site, views, label, src = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
want = {}
for line in open(views, encoding="utf-8"):
    v = json.loads(line)
    want.setdefault(v["path"], []).append((v["title"], v["code"]))
titles = {t for blocks in want.values() for t, _ in blocks}

class Blocks(HTMLParser):
    """Blocks with a snippet title (kramdown puts the IAL on the code block's div):
    the text of their <code>, entities decoded."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page, self.found, self.stack, self.cur, self.in_code = None, [], [], None, 0
        self.text, self.comment_lines = [], []
    def handle_comment(self, data):
        if data.strip().startswith("docsnip-page:"):
            self.page = data.split(":", 1)[1].strip()
    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "hr", "meta", "link", "input"):
            return
        a = dict(attrs)
        if self.cur is None and a.get("title") in titles:
            self.cur = [a["title"], [], len(self.stack)]
        self.stack.append(tag)
        if tag == "code" and self.cur is not None:
            self.in_code += 1
    def handle_endtag(self, tag):
        if tag in ("br", "img", "hr", "meta", "link", "input"):
            return
        if tag == "code" and self.in_code:
            self.in_code -= 1
        while self.stack:
            t = self.stack.pop()
            if t == tag:
                break
        if self.cur is not None and len(self.stack) == self.cur[2]:
            self.found.append((self.cur[0], "".join(self.cur[1])))
            self.cur = None
    def handle_data(self, data):
        if self.cur is not None and self.in_code:
            self.cur[1].append(data)
        self.text.append(data)
    def visible_text(self):
        return "".join(self.text)

def comment_lines(path):
    """The first YAML line of every docsnip comment of a page, outside fenced code."""
    out, fence = [], None
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, l in enumerate(lines):
        s = l.strip()
        m = re.match(r"(`{3,}|~{3,})", s)
        if fence:
            if m and s.startswith(fence) and not s.strip(fence[0]):
                fence = None
        elif m:
            fence = m.group(1)
        elif re.match(r"<!--[ \t]*docsnip([ \t]|$)", s):
            inner = re.sub(r"^<!--[ \t]*docsnip", "", s).strip()
            first = inner[:-3].strip() if inner.endswith("-->") else (lines[i + 1].strip() if i + 1 < len(lines) else "")
            if first:
                out.append(first)
    return out

seen, bad, snippets, comments = set(), 0, 0, 0
for dirpath, dirs, files in os.walk(site):
    for f in files:
        if not f.endswith(".html"):
            continue
        p = Blocks()
        p.feed(open(os.path.join(dirpath, f), encoding="utf-8").read())
        if p.page is None or p.page not in want:
            continue
        p.comment_lines = comment_lines(os.path.join(src, p.page))
        seen.add(p.page)
        got = {}
        for t, code in p.found:
            got.setdefault(t, []).append(code)
        # A page with several requests (docsnip comments) has a block per request and
        # title: as many in the HTML, each byte for byte one of docsnip's.
        exps = {}
        for t, code in want[p.page]:
            exps.setdefault(t, []).append(code if code.endswith("\n") else code + "\n")
        for t, codes in exps.items():
            shown = got.get(t, [])
            snippets += len(codes)
            if len(shown) != len(codes):
                print(f"{label}: {p.page}: expected {len(codes)} {t} block(s) in the HTML, found {len(shown)}"); bad += 1
                continue
            for exp in codes:
                if exp in shown:
                    shown.remove(exp)
                    continue
                print(f"{label}: {p.page}: a {t} block in the HTML differs from docsnip's snippet")
                import difflib
                for l in list(difflib.unified_diff(exp.splitlines(True), shown[0].splitlines(True), "docsnip", "html"))[:20]:
                    print("    " + repr(l))
                bad += 1
        # docsnip's comments are for docsnip: the reader must not see them.
        for first in p.comment_lines:
            comments += 1
            if first in p.visible_text():
                print(f"{label}: {p.page}: a docsnip comment shows on the built page: {first!r}"); bad += 1
for page in sorted(set(want) - seen):
    print(f"{label}: {page}: missing from _site"); bad += 1
print(f"check-jekyll: {label}: {len(want)} endpoint pages, {snippets} snippets, byte-exact in the HTML, {comments} docsnip comments not shown" if not bad
      else f"check-jekyll: {label}: {bad} problems")
sys.exit(1 if bad else 0)
PY
  sites=$((sites + 1))
}

# The fixture pages (the Jekyll-hostile ones among them) as one Jekyll site (a _config.yml at
# the root: Liquid runs on the bodies, and docsnip knows it).
fixtures="$work/fixtures"
mkdir -p "$fixtures"
cp "$root"/tests/fixtures/pages/*.md "$fixtures/"
printf 'title: docsnip fixtures\n' > "$fixtures/_config.yml"

for placement in ${DOCSNIP_JEKYLL_PLACEMENTS:-right_code body}; do
  check docs "$root/docs" "$root/docs/docsnip.yml" "$placement"
  # The kramdown example site: a page with several requests (docsnip comments).
  check kramdown-example "$root/examples/sites/kramdown" "$root/examples/sites/kramdown/docsnip.yml" "$placement"
  check fixtures "$fixtures" "$root/tests/fixtures/pages/docsnip.yml" "$placement" "languages: all"
  if [ -n "$crux" ]; then
    check crux "$crux" "$here/crux-docsnip.yml" "$placement"
  fi
done
say "$sites sites built with Jekyll and checked in $(( $(date +%s) - started )) s"
