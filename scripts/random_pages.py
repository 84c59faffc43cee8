#!/usr/bin/env python3
"""Write N endpoint pages full of random hostile values (the characters of
tests/properties.rs, plus each toolchain's own syntax), for scripts/check-sites.sh.
The same SEED gives the same pages.

Usage: random_pages.py SEED N OUTDIR EXT
"""

import random
import sys

CHARS = list("'\"$`\\%!&;|*?#~(){}[]<>=:@,+/.- ^") * 3 + list("az09éß中€ÿΩ") + [
    "\n", "\r", "\t", "\u0001", "\u0007", "\u0008", "\u000b", "\u000c", "\u001b", "\u007f",
    "\u0085", "\u009b", "\u2028", "\u2029", "\ufeff", "\u200b", "\u202e", "\u00a0",
    "😀", "𝄞", "🦀", "\U0010ffff", "\U0001f1e6",
]
PIECES = [
    "{{<", ">}}", "{{%", "%}}", "{{</*", "*/>}}", "{{ .Title }}", "{% raw %}", "{% endraw %}",
    "<!--more-->", "\nimport X from 'y';\n", "\nexport default {a};\n", "</TabItem>", "</Tabs>",
    "\n=== \"Curl\"\n", "\n```\n", "\n~~~\n", "{: title=\"Curl\" }", "&amp;", "&#13;", "\n    \n",
    "@", "<", "-", "--", "@/etc/passwd",
]


def hostile(rng):
    out = []
    for _ in range(rng.randint(0, 14)):
        out.append(rng.choice(PIECES) if rng.random() < 0.2 else rng.choice(CHARS))
    return "".join(out)


def yq(s):
    """A YAML double-quoted scalar."""
    out = ['"']
    for c in s:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c.isascii() and c.isprintable():
            out.append(c)
        else:
            out.append("\\U%08x" % ord(c))
    out.append('"')
    return "".join(out)


def distinct(rng, n):
    seen = []
    while len(seen) < n:
        s = hostile(rng) or "k"
        if s not in seen:
            seen.append(s)
    return seen


def page(rng, i):
    lines = ["---", f"title: Random hostile page {i}", "method: post", "request:", f"  path: /random/{i}"]
    lines.append("  query:")
    for k in distinct(rng, 2):
        lines.append(f"    {yq(k)}: {yq(hostile(rng))}")
    kind = i % 3
    if kind == 0:
        body = hostile(rng)
        if body.strip() == "--" or body == "":
            body = "x" + body
        lines += [f"  body: {yq(body)}", "  content_type: text/plain"]
    elif kind == 1:
        lines.append("  json:")
        for k in distinct(rng, 3):
            lines.append(f"    {yq(k)}: {yq(hostile(rng))}")
    else:
        lines.append("  form:")
        for k in distinct(rng, 2):
            lines.append(f"    {yq(k)}: {yq(hostile(rng))}")
    lines += ["---", f"Random hostile values, page {i}.", ""]
    return "\n".join(lines)


def main():
    seed, n, outdir, ext = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rng = random.Random(seed)
    for i in range(n):
        with open(f"{outdir}/random-{i}.{ext}", "w", encoding="utf-8", newline="") as f:
            f.write(page(rng, i))


if __name__ == "__main__":
    main()
