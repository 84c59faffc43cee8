#!/usr/bin/env python3
"""Compare the snippets docsnip wrote into a site's pages with what the generator built.

Usage: site_snippets.py FORMAT DOCS BUILT

FORMAT is docusaurus, mkdocs, hugo, vitepress, starlight, slate or aviator-blocks; DOCS the pages as docsnip left them; BUILT the
generator's output folder. For every page, docsnip's view (the tab groups in the
generated Markdown, read the way the format writes them) must equal the built HTML's
(the tab groups in the page, read the way a browser reads the HTML): the same groups,
the same labels, and each tab's code text equal byte for byte. Every page must have
been built. Only standard-library Python.

aviator-blocks (the CloudCannon Aviator template's `left_code_blocks` /
`right_code_blocks`): the lists come from DOCSNIP_FRONT_MATTER, a JSON file of every
page's front-matter as Ruby's Psych reads it (Jekyll's YAML parser; check-sites.sh
writes it), each list a group of all its entries (the user's Response blocks too) when
its first entry has code, as the template shows it; the body's kramdown blocks are
groups of one. DOCSNIP_SNIPPETS (examples/snippets.rs output, rendered from the
requests, not read back) must each be one of the page's entries or blocks, byte for byte.

The one normalisation: each code text loses one final line break on both sides (every
generator ends a code block differently; none of the snippets end in a blank line).
The HTML is read as browsers do: CR and CRLF in the source become LF before parsing,
character references are decoded after, <br> in code is a line break.
"""

import html
import html.parser
import json
import os
import re
import sys

TITLES = json.loads(os.environ.get("DOCSNIP_TITLES", '["Curl", "HTTPie", "Python (requests)", "Node.js"]'))


# ---------------------------------------------------------------------------
# A small DOM, enough to select elements by tag, class and attribute.
# ---------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, pred):
        return [n for n in self.walk() if pred(n)]

    def text(self):
        out = []
        for c in self.children:
            if isinstance(c, Node):
                out.append("\n" if c.tag == "br" else c.text())
            else:
                out.append(c)
        return "".join(out)


class Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)

    def handle_entityref(self, name):
        self.cur.children.append(html.unescape("&%s;" % name))

    def handle_charref(self, name):
        self.cur.children.append(html.unescape("&#%s;" % name))


def parse_html(path):
    raw = open(path, encoding="utf-8", newline="").read()
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")  # the HTML input stream
    b = Builder()
    b.feed(raw)
    b.close()
    return b.root


def visible_text(node):
    """What a reader sees of a page: its text without comments, scripts and styles."""
    out = []
    for c in node.children:
        if isinstance(c, Node):
            if c.tag not in ("script", "style", "template"):
                out.append(visible_text(c))
        else:
            out.append(c)
    return "".join(out)


def docsnip_comments(md):
    """The YAML of every docsnip comment of a page (`<!-- docsnip … -->` or, in MDX,
    `{/* docsnip … */}`), outside fenced code, as docsnip reads them."""
    out, fence, lines, i = [], None, md.split("\n"), 0
    while i < len(lines):
        s = lines[i].strip()
        m = re.match(r"(`{3,}|~{3,})", s)
        if fence:
            if m and s.startswith(fence) and not s.strip(fence[0]):
                fence = None
        elif m:
            fence = m.group(1)
        elif re.match(r"(<!--|\{/\*)[ \t]*docsnip([ \t]|$)", s):
            close = "-->" if s.startswith("<!--") else "*/}"
            inner = re.sub(r"^(<!--|\{/\*)[ \t]*docsnip", "", s)
            if inner.endswith(close):
                out.append(inner[: -len(close)].strip())
            else:
                j, body = i + 1, []
                while j < len(lines) and lines[j].strip() != close:
                    body.append(lines[j])
                    j += 1
                out.append("\n".join(body).strip())
                i = j
        i += 1
    return out


def has_class(c):
    return lambda n: c in n.classes()


def code_text(panel):
    codes = panel.find_all(lambda n: n.tag == "code" and n.parent is not None and n.parent.tag == "pre")
    if not codes:
        codes = panel.find_all(lambda n: n.tag == "pre")
    return codes[0].text() if codes else None


def starlight_code(panel):
    """The code of a Starlight tab: Expressive Code's lines (div.ec-line > div.code, no
    line breaks between them in the HTML), which must also equal the copy button's text
    (data-code, lines joined by U+007F); or a plain <pre><code>."""
    frames = panel.find_all(has_class("expressive-code"))
    if not frames:
        return code_text(panel)
    lines = [l.find_all(has_class("code"))[0].text() for l in frames[0].find_all(has_class("ec-line"))]
    # An empty line is written as a line break alone (a line of code never holds one).
    lines = ["" if t == "\n" else t for t in lines]
    shown = "\n".join(lines)
    buttons = frames[0].find_all(lambda n: n.tag == "button" and "data-code" in n.attrs)
    copied = buttons[0].attrs["data-code"].replace("\x7f", "\n") if buttons else None
    if copied != shown:
        return f"<copy button differs from the code shown: {copied!r}>"
    return shown


def built_groups(fmt, root):
    groups = []
    if fmt == "docusaurus":
        for g in root.find_all(has_class("tabs-container")):
            labels = [t.text() for t in g.find_all(lambda n: n.attrs.get("role") == "tab")]
            panels = g.find_all(lambda n: n.attrs.get("role") == "tabpanel")
            groups.append(list(zip(labels, [code_text(p) for p in panels])))
    elif fmt == "mkdocs":
        for g in root.find_all(has_class("tabbed-set")):
            labels = [t.text() for t in g.find_all(lambda n: n.tag == "label" and n.parent is not None and "tabbed-labels" in n.parent.classes())]
            panels = g.find_all(has_class("tabbed-block"))
            groups.append(list(zip(labels, [code_text(p) for p in panels])))
    elif fmt == "vitepress":
        for g in root.find_all(has_class("vp-code-group")):
            labels = [t.text() for t in g.find_all(lambda n: n.tag == "label" and n.parent is not None and "tabs" in n.parent.classes())]
            blocks = [b for b in g.find_all(has_class("blocks")) if b.parent is g]
            panels = [c for c in blocks[0].children if isinstance(c, Node)] if blocks else []
            groups.append(list(zip(labels, [code_text(p) for p in panels])))
    elif fmt == "starlight":
        for g in root.find_all(lambda n: n.tag == "starlight-tabs"):
            labels = [t.text().strip() for t in g.find_all(lambda n: n.attrs.get("role") == "tab")]
            panels = g.find_all(lambda n: n.attrs.get("role") == "tabpanel")
            groups.append(list(zip(labels, [starlight_code(p) for p in panels])))
    elif fmt == "slate":
        # Shins: the tab bar's links name each key's label; a group is a run of sibling
        # <pre class="highlight tab tab-KEY"> (whitespace between) whose labels are titles.
        labels = {}
        for a in root.find_all(lambda n: n.tag == "a" and "data-language-name" in n.attrs):
            labels.setdefault(a.attrs["data-language-name"], a.text())
        for parent in [root] + root.find_all(lambda n: True):
            run = []
            for c in parent.children + [None]:
                if isinstance(c, str) and not c.strip():
                    continue
                keys = [k[4:] for k in c.classes() if k.startswith("tab-")] if isinstance(c, Node) and c.tag == "pre" and "tab" in c.classes() else []
                label = labels.get(keys[0]) if keys else None
                if label in TITLES:
                    run.append((label, code_text(c)))
                    continue
                if run:
                    groups.append(run)
                run = []
    elif fmt == "aviator-blocks":
        titled = lambda n: n.tag == "div" and "title" in n.attrs and "highlighter-rouge" in n.classes()
        for body in root.find_all(has_class("docsnip-body")):
            groups += [[(d.attrs["title"], code_text(d))] for d in body.find_all(titled) if d.attrs["title"] in TITLES]
        for side in ("docsnip-left", "docsnip-right"):
            for sec in root.find_all(has_class(side)):
                groups.append([(d.attrs["title"], code_text(d)) for d in sec.find_all(titled)])
    elif fmt == "hugo":
        for g in root.find_all(has_class("tabpane")):
            labels = [t.text().strip() for t in g.find_all(has_class("tab-label"))]
            panels = g.find_all(has_class("tab-panel"))
            groups.append(list(zip(labels, [code_text(p) for p in panels])))
    return groups


# ---------------------------------------------------------------------------
# docsnip's view: the groups in the generated Markdown.
# ---------------------------------------------------------------------------

def fence_code(lines, i):
    """The code of the fenced block opening at lines[i]: (code, index after it)."""
    m = re.match(r"^( {0,3})(`{3,}|~{3,})", lines[i])
    indent, fence = len(m.group(1)), m.group(2)
    code, j = [], i + 1
    while j < len(lines):
        if re.match(r"^ {0,3}" + re.escape(fence[0]) + "{%d,}[ \t]*$" % len(fence), lines[j]):
            return "".join(code), j + 1
        line = lines[j]
        strip = min(indent, len(line) - len(line.lstrip(" ")))
        code.append(line[strip:])
        j += 1
    return "".join(code), j


def body_of(text):
    m = re.match(r"^---\r?\n.*?\n---\r?\n", text, re.S)
    return text[m.end():] if m else text


def slate_tabs(text):
    """The `language_tabs:` of a Slate page's front-matter (the block list docsnip
    writes): {key: label}."""
    m = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    tabs, inside = {}, False
    for l in (m.group(1).split("\n") if m else []):
        if re.match(r"^language_tabs:", l):
            inside = True
            if re.match(r"^language_tabs:\s*\[", l):
                raise SystemExit("site_snippets.py: a flow `language_tabs:` list (docsnip writes a block list)")
            continue
        if inside and re.match(r"^\s+-\s", l):
            e = re.sub(r"\s+#.*$", "", l.strip()[1:].strip())
            k, _, v = e.partition(": ")
            v = v.strip()
            tabs[k.strip()] = json.loads(v) if v.startswith('"') else (v or k.strip())
        elif inside and l.strip() and not l.startswith((" ", "\t")):
            inside = False
    return tabs


def md_groups(fmt, text):
    lines = [l for l in re.split(r"(?<=\n)", body_of(text)) if l]  # LF only: CR, U+2028 … are text
    groups, i = [], 0
    if fmt == "docusaurus":
        group, label = None, None
        while i < len(lines):
            l = lines[i]
            if re.match(r"^ {0,3}(`{3,}|~{3,})", l) and group is not None and label is not None:
                code, i = fence_code(lines, i)
                group.append((label, code))
                label = None
                continue
            if re.match(r"^ {0,3}(`{3,}|~{3,})", l):
                _, i = fence_code(lines, i)
                continue
            s = l.strip()
            if s.startswith("<pre><code className=") and group is not None and label is not None:
                m = re.search(r"dangerouslySetInnerHTML=\{\{__html: (\".*\")\}\} /></pre>$", s)
                group.append((label, html.unescape(json.loads(m.group(1)))))
                label = None
            elif re.match(r"^<Tabs[\s>]", s):
                group = []
            elif s.startswith("<TabItem") and group is not None:
                m = re.search(r'label=(?:"([^"]*)"|\{("(?:[^"\\]|\\.)*")\})', s)
                label = m.group(1) if m.group(1) is not None else json.loads(m.group(2))
            elif s == "</Tabs>" and group is not None:
                groups.append(group)
                group = None
            i += 1
    elif fmt == "mkdocs":
        group = None
        while i < len(lines):
            l = lines[i]
            m = re.match(r'^===([!+]{0,2})\s+"(.*)"\s*$', l)
            if m:
                if group is None or "!" in m.group(1):
                    if group:
                        groups.append(group)
                    group = []
                label = re.sub(r"\\([\\`*_\[\]])", r"\1", m.group(2))
                i += 1
                while i < len(lines) and not lines[i].strip():
                    i += 1
                dedented = [x[4:] if x.startswith("    ") else x.lstrip(" ") for x in lines[i:]]
                if dedented[0].startswith("<pre><code"):
                    code, end = html_code(dedented[0].rstrip("\r\n")), 1
                else:
                    code, end = fence_code(dedented, 0)
                group.append((label, code))
                i += end
                continue
            if l.strip() and group is not None:
                groups.append(group)
                group = None
            i += 1
        if group:
            groups.append(group)
    elif fmt == "vitepress":
        group, colons = None, 0
        while i < len(lines):
            l = lines[i]
            m = re.match(r"^ {0,3}(:{3,})\s*(.*?)\s*$", l)
            if re.match(r"^ {0,3}(`{3,}|~{3,})", l):
                info = re.match(r"^ {0,3}(?:`{3,}|~{3,})(.*)$", l.rstrip("\n")).group(1)
                code, i = fence_code(lines, i)
                label = re.search(r"\[(.*)\]", info)
                if group is not None and label:
                    group.append((label.group(1), code))
                continue
            if m and group is None and m.group(2).split(" ")[0] == "code-group":
                group, colons = [], len(m.group(1))
            elif m and group is not None and m.group(2) == "" and len(m.group(1)) >= colons:
                groups.append(group)
                group = None
            i += 1
    elif fmt == "starlight":
        group, label = None, None
        while i < len(lines):
            l = lines[i]
            if re.match(r"^ {0,3}(`{3,}|~{3,})", l):
                code, i = fence_code(lines, i)
                if group is not None and label is not None:
                    group.append((label, code))
                    label = None
                continue
            s = l.strip()
            if s.startswith("<pre><code>{") and s.endswith("}</code></pre>") and group is not None and label is not None:
                group.append((label, json.loads(s[len("<pre><code>{"):-len("}</code></pre>")])))
                label = None
            elif re.match(r"^<Tabs[\s>]", s):
                group = []
            elif s.startswith("<TabItem") and group is not None:
                m = re.search(r'label=(?:"([^"]*)"|\{("(?:[^"\\]|\\.)*")\})', s)
                label = m.group(1) if m.group(1) is not None else json.loads(m.group(2))
            elif s == "</Tabs>" and group is not None:
                groups.append(group)
                group = None
            i += 1
    elif fmt == "slate":
        # Runs of fenced blocks (blank lines between) whose key's tab label is a title.
        tabs, group = slate_tabs(text), []
        while i < len(lines):
            l = lines[i]
            if re.match(r"^ {0,3}(`{3,}|~{3,})", l):
                info = re.match(r"^ {0,3}(?:`{3,}|~{3,})\s*(\S*)", l).group(1)
                code, i = fence_code(lines, i)
                if tabs.get(info) in TITLES:
                    group.append((tabs[info], code))
                    continue
            elif not l.strip():
                i += 1
                continue
            else:
                i += 1
            if group:
                groups.append(group)
            group = []
        if group:
            groups.append(group)
    elif fmt == "aviator-blocks":
        # kramdown blocks with a title IAL ({: title="…" } on the line after the fence).
        while i < len(lines):
            if re.match(r"^ {0,3}(`{3,}|~{3,})", lines[i]):
                code, i = fence_code(lines, i)
                m = re.match(r'^\{:\s*title="((?:[^"\\]|\\.)*)"\s*\}\s*$', lines[i]) if i < len(lines) else None
                if m:
                    groups.append([(re.sub(r"\\(.)", r"\1", m.group(1)), liquid_unwrap(code))])
                continue
            i += 1
    elif fmt == "hugo":
        group, label, inner = None, None, None
        for l in lines:
            s = l.strip()
            if group is not None and label is not None:
                if s in ("{{< /tab >}}", "{{% /tab %}}"):
                    group.append((label, hugo_code("".join(inner))))
                    label = None
                else:
                    inner.append(l)
                continue
            if re.match(r"^\{\{[<%] tabpane[ >%]", s):
                group = []
            elif re.match(r"^\{\{[<%] tab ", s) and group is not None:
                label = re.search(r'header="((?:[^"\\]|\\.)*)"', s).group(1).replace('\\"', '"').replace("\\\\", "\\")
                inner = []
            elif re.match(r"^\{\{[<%] /tabpane", s) and group is not None:
                groups.append(group)
                group = None
    return groups


def html_code(text):
    """The text of a <pre><code> element docsnip wrote (its references decoded)."""
    body = text[text.index(">", len("<pre><code")) + 1:]
    body = body[: body.rindex("</code></pre>")]
    return html.unescape(body)


def hugo_code(inner):
    """A tab's code as Hugo shows it: HTML text, or the text with comment-form shortcodes."""
    if inner.startswith("<pre><code"):
        return html_code(inner)
    # Left to right, each comment closed by its own delimiter: {{</* … */>}}, {{%/* … */%}}.
    return re.sub(
        r"\{\{</\*(.*?)\*/>\}\}|\{\{%/\*(.*?)\*/%\}\}",
        lambda m: "{{<%s>}}" % m.group(1) if m.group(1) is not None else "{{%%%s%%}}" % m.group(2),
        inner,
        flags=re.S,
    )


RAW, ENDRAW, BRACE = "{% raw %}", "{% endraw %}", '{% endraw %}{{ "{" }}{% raw %}'


def liquid_unwrap(code):
    """The code a Liquid-wrapped block shows (docsnip's `liquid_raw` form, splice.rs)."""
    body = code.rstrip("\r\n")
    end = code[len(body):]
    if body.startswith(RAW) and body.endswith(ENDRAW):
        return body[len(RAW):-len(ENDRAW)].replace(BRACE, "{") + end
    return code


def liquid_out(v):
    """What Liquid's {{ v }} prints for a YAML value."""
    if v is None or v is False:
        return ""
    if v is True:
        return "true"
    return str(v)


def aviator_lists(fm):
    """The lists the Aviator template shows (when their first entry has code), in the
    order of the layout: left, then right; each entry as (title, code shown)."""
    out = []
    for key in ("left_code_blocks", "right_code_blocks"):
        items = fm.get(key) if isinstance(fm, dict) else None
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            continue
        if items[0].get("code_block") in (None, False):
            continue
        out.append([
            (liquid_out(e.get("title")), liquid_out(e.get("code_block")) + "\n") if isinstance(e, dict) else ("", "\n")
            for e in items
        ])
    return out


# ---------------------------------------------------------------------------

def built_path(fmt, built, rel):
    stem, _ = os.path.splitext(rel)
    if fmt == "vitepress":
        return os.path.join(built, stem + ".html")
    if fmt == "slate":  # one page per Markdown file: source/NAME.md -> NAME.html
        return os.path.join(built, os.path.basename(stem if stem.endswith(".html") else stem + ".html"))
    if os.path.basename(stem) in ("index", "_index"):
        stem = os.path.dirname(stem)
    return os.path.join(built, stem, "index.html")


def main():
    fmt, docs, built = sys.argv[1:4]
    failures, pages, snippets, comments = [], 0, 0, 0
    front, rendered = {}, {}
    if fmt == "aviator-blocks":
        front = json.load(open(os.environ["DOCSNIP_FRONT_MATTER"], encoding="utf-8"))
        for line in open(os.environ["DOCSNIP_SNIPPETS"], encoding="utf-8"):
            v = json.loads(line)
            rendered.setdefault(v["path"], []).append((v["title"], v["code"]))
    rendered_checked = 0
    for dirpath, _, files in os.walk(docs):
        for f in sorted(files):
            if not f.endswith((".md", ".mdx")):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), docs)
            out = built_path(fmt, built, rel)
            pages += 1
            if not os.path.isfile(out):
                failures.append(f"{rel}: not built (no {os.path.relpath(out, built)})")
                continue
            md = open(os.path.join(docs, rel), encoding="utf-8", newline="").read()
            want = [g for g in md_groups(fmt, md) if g and all(l in TITLES for l, _ in g)]
            tree = parse_html(out)
            got = [g for g in built_groups(fmt, tree) if g and all(l in TITLES for l, _ in g)]
            if fmt == "aviator-blocks":
                if rel not in front:
                    failures.append(f"{rel}: no front-matter read by Psych")
                    continue
                # Every list entry, the user's too, as Jekyll reads and shows it.
                want += aviator_lists(front[rel])
                got = [g for g in built_groups(fmt, tree) if g]
                # docsnip's own snippets are among them, as it rendered them.
                left = [c[:-1] if c.endswith("\n") else c for g in want for _, c in g]
                for title, code in rendered.get(rel, []):
                    rendered_checked += 1
                    code = code[:-1] if code.endswith("\n") else code
                    if code in left:
                        left.remove(code)
                    else:
                        failures.append(f"{rel}: {title}: docsnip's snippet is not on the page as Psych/kramdown read it")
            # docsnip's comments are for docsnip: the reader must not see them.
            seen = visible_text(tree)
            for yaml_text in docsnip_comments(md):
                comments += 1
                first = yaml_text.split("\n")[0].strip()
                if first and first in seen:
                    failures.append(f"{rel}: a docsnip comment shows on the built page: {first!r}")
            if len(want) != len(got):
                failures.append(f"{rel}: {len(want)} snippet group(s) in the Markdown, {len(got)} in the HTML")
                continue
            for gw, gg in zip(want, got):
                if [l for l, _ in gw] != [l for l, _ in gg]:
                    failures.append(f"{rel}: tabs {[l for l, _ in gw]} in the Markdown, {[l for l, _ in gg]} in the HTML")
                    continue
                for (label, cw), (_, cg) in zip(gw, gg):
                    snippets += 1
                    cw = cw[:-1] if cw.endswith("\n") else cw
                    cg = (cg or "")
                    cg = cg[:-1] if cg.endswith("\n") else cg
                    if cw != cg:
                        at = next((i for i, (a, b) in enumerate(zip(cw, cg)) if a != b), min(len(cw), len(cg)))
                        failures.append(
                            f"{rel}: {label}: built code differs at char {at}:\n  docsnip: {cw[max(0, at - 30):at + 30]!r}\n  built:   {cg[max(0, at - 30):at + 30]!r}"
                        )
    for f in failures:
        print(f"check-sites: {fmt}: {f}", file=sys.stderr)
    extra = f", {rendered_checked} rendered snippets found as written" if fmt == "aviator-blocks" else ""
    print(f"check-sites: {fmt}: {pages} pages, {snippets} snippets compared{extra}, {comments} docsnip comments not shown, {len(failures)} failure(s)")
    sys.exit(1 if failures or snippets == 0 else 0)


if __name__ == "__main__":
    main()
