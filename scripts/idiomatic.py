#!/usr/bin/env python3
"""Runs each ecosystem's formatter and linter over snippets (issue 20's table).

Reads JSON lines `{"path": P, "title": T, "code": C}` on stdin (examples/snippets.rs
writes them for docsnip; bench/idiomatic/render.js for httpsnippet and
postman-code-generators), picks the tools by the block title, and prints one line per
language: `TITLE: formatter-clean n/N, linter findings K`, then every finding as
`PATH [TITLE] tool: message`. Exits 1 when any snippet is reformatted or has a
finding, unless --report (for the benchmark, which only counts).

Environment: IDIOMATIC_CACHE (a folder for the Rust clippy project and tools),
NODE_PATH-style folder with prettier in IDIOMATIC_NODE (node_modules).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("IDIOMATIC_CACHE", os.path.expanduser("~/.cache/docsnip/idiomatic"))
PRETTIER = os.path.join(CACHE, "node_modules", ".bin", "prettier")
JOBS = 2

# Title → (kind, file name). Titles are the `title:` of languages/*/language.yml.
KINDS = {
    "Curl": ("shell", "snippet.sh"),
    "HTTPie": ("shell", "snippet.sh"),
    "Wget": ("shell", "snippet.sh"),
    "Python (requests)": ("python", "snippet.py"),
    "Python (httpx)": ("python", "snippet.py"),
    "Python (http.client)": ("python", "snippet.py"),
    "Node.js": ("node", "snippet.mjs"),
    "Node.js (axios)": ("node", "snippet.js"),
    "Go": ("go", "main.go"),
    "Rust (reqwest)": ("rust", "main.rs"),
    "PHP (cURL)": ("php", "snippet.php"),
    "PHP (Guzzle)": ("php", "snippet.php"),
    "Ruby": ("ruby", "snippet.rb"),
    "Java": ("java", "Main.java"),
    "C (libcurl)": ("c", "snippet.c"),
    "C#": ("csharp", "Program.cs"),
    "R (httr)": ("r", "snippet.R"),
}


def run(cmd, cwd=None, stdin=None):
    p = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def lines_of(out):
    return [l for l in out.splitlines() if l.strip()]


# Each checker takes the snippet's folder (holding its one file) and returns
# (formatter_changed: bool, findings: [str]).


def check_shell(d, f):
    code, out = run(["shfmt", "-i", "2", "-d", f], cwd=d)
    findings = []
    c2, o2 = run(["shellcheck", "-s", "bash", "-S", "warning", "-f", "gcc", f], cwd=d)
    if c2 != 0:
        findings += ["shellcheck: " + l for l in lines_of(o2)]
    return code != 0, findings


def check_python(d, f):
    code, _ = run(["ruff", "format", "--isolated", "--check", f], cwd=d)
    c2, o2 = run(["ruff", "check", "--isolated", "--output-format", "concise", f], cwd=d)
    findings = ["ruff check: " + l for l in lines_of(o2) if re.match(r"^\S+:\d+:\d+:", l)]
    if c2 != 0 and not findings:
        findings = ["ruff check: " + o2.strip()]
    return code != 0, findings


def check_node(d, f):
    code, out = run([PRETTIER, "--check", f], cwd=d)
    if code not in (0, 1) and "SyntaxError" not in out:
        raise SystemExit(f"prettier failed: {out}")
    # A syntax error (exit 2) is not formatter-clean; node --check reports it.
    c2, o2 = run(["node", "--check", f], cwd=d)
    return code != 0, (["node --check: " + o2.strip()] if c2 else [])


def check_go(d, f):
    _, out = run(["gofmt", "-l", f], cwd=d)
    c2, o2 = run(["go", "vet", f], cwd=d)
    return bool(out.strip()), (["go vet: " + l for l in lines_of(o2)] if c2 else [])


def check_php(d, f):
    before = open(os.path.join(d, f)).read()
    run(["phpcbf", "-q", "--standard=PSR12", f], cwd=d)
    changed = open(os.path.join(d, f)).read() != before
    open(os.path.join(d, f), "w").write(before)
    c2, o2 = run(["php", "-l", f], cwd=d)
    return changed, (["php -l: " + o2.strip()] if c2 else [])


RUBOCOP_CONFIG = os.path.join(ROOT, "languages", "ruby", "rubocop.yml")


def check_ruby_all(items):
    """RuboCop once over every file (it starts slowly): Layout/* offences count as the
    formatter's, the others as the linter's."""
    paths = [os.path.join(d, f) for _, d, f in items]
    _, out = run(["rubocop", "--cache", "false", "-c", RUBOCOP_CONFIG, "--format", "emacs", *paths])
    results = {key: [False, []] for key, _, _ in items}
    by_path = {os.path.join(d, f): key for key, d, f in items}
    for l in lines_of(out):
        m = re.match(r"^(\S+):\d+:\d+: [CWEF]: ", l)
        if not m or m.group(1) not in by_path:
            continue
        key = by_path[m.group(1)]
        if re.search(r": (\[Correctable\] )?Layout/", l):
            results[key][0] = True
            results[key][1].append("rubocop Layout: " + l)
        else:
            results[key][1].append("rubocop: " + l)
    return {k: tuple(v) for k, v in results.items()}


def check_java(d, f):
    c2, o2 = run(["javac", "-Xlint:all", "--release", "15", "-d", "classes", f], cwd=d)
    return False, (["javac --release 15 -Xlint:all: " + l for l in lines_of(o2)] if c2 or o2.strip() else [])


CLANG_STYLE = os.path.join(ROOT, "languages", "c", "clang-format.yml")


def check_c(d, f):
    code, _ = run(["clang-format", f"--style=file:{CLANG_STYLE}", "--dry-run", "-Werror", f], cwd=d)
    c2, o2 = run(["gcc", "-Wall", "-Wextra", "-fsyntax-only", f], cwd=d)
    return code != 0, (["gcc -Wall -Wextra: " + l for l in lines_of(o2)] if c2 or o2.strip() else [])


def check_csharp(d, f):
    c2, o2 = run(["mcs", "-warn:4", "-r:System.Net.Http.dll", "-out:Program.exe", f], cwd=d)
    bad = [l for l in lines_of(o2) if "warning" in l or "error" in l]
    return False, (["mcs -warn:4: " + l for l in bad] if c2 or bad else [])


# R has no formatter or linter in the table: a snippet must parse and run without a
# warning. It runs against LOCAL, a loopback server answering 200 to any request (the
# fixtures' base URL is pointed at it), with options(warn = 2): a warning is an error.
FIXTURE_BASE = "https://api-sandbox.example.com"
LOCAL = None


def local_server():
    global LOCAL
    if LOCAL is None:
        import http.server
        import threading

        class Answer(http.server.BaseHTTPRequestHandler):
            def handle_one_request(self):
                self.raw_requestline = self.rfile.readline(65537)
                if not self.raw_requestline or not self.parse_request():
                    return
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                body = b'{"ok":true}\n'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                self.close_connection = True

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        LOCAL = f"http://127.0.0.1:{server.server_address[1]}"
    return LOCAL


def check_r(d, f):
    c2, o2 = run(["Rscript", "-e", f"invisible(parse('{f}'))"], cwd=d)
    if c2:
        return False, ["R parse: " + o2.strip()]
    path = os.path.join(d, f)
    code = open(path, encoding="utf-8").read()
    if FIXTURE_BASE in code:
        # The files a multipart snippet uploads (verify writes samples the same way).
        for name in re.findall(r'upload_file\(\s*"([^"\\/]+)"', code):
            with open(os.path.join(d, name), "w") as t:
                t.write("sample\n")
        with open(os.path.join(d, "local.R"), "w", encoding="utf-8") as t:
            t.write(code.replace(FIXTURE_BASE, local_server()))
        c3, o3 = run(["env", "LC_ALL=C.UTF-8", "Rscript", "-e", "options(warn = 2); source('local.R')"], cwd=d)
        if c3:
            return False, ["R run (a warning is an error): " + o3.strip()]
    return False, []


def check_rust_all(items):
    """rustfmt each file; clippy once over all of them in one cargo project (reqwest
    as languages/rust builds it), each snippet a binary."""
    results = {}
    proj = os.path.join(CACHE, "rust-clippy")
    bins = os.path.join(proj, "src", "bin")
    shutil.rmtree(bins, ignore_errors=True)
    os.makedirs(bins)
    with open(os.path.join(proj, "Cargo.toml"), "w") as t:
        t.write(
            '[package]\nname = "docsnip-idiomatic"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n'
            '[dependencies]\nreqwest = { version = "0.12", default-features = false, '
            'features = ["blocking", "multipart", "rustls-tls"] }\n'
        )
    for i, (key, d, f) in enumerate(items):
        code, _ = run(["rustfmt", "--edition", "2021", "--check", f], cwd=d)
        results[key] = (code != 0, [])
        shutil.copy(os.path.join(d, f), os.path.join(bins, f"s{i}.rs"))
    env = dict(os.environ)
    for v in ["RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]:
        env.pop(v, None)
    p = subprocess.run(
        ["cargo", "clippy", "--quiet", "--keep-going", "--bins", "--message-format=short", "--", "-D", "warnings"],
        cwd=proj, capture_output=True, text=True, env=env,
    )
    for l in lines_of(p.stdout + p.stderr):
        m = re.match(r"^src/bin/s(\d+)\.rs:", l)
        if m:
            key = items[int(m.group(1))][0]
            results[key][1].append("clippy: " + l)
        elif p.returncode and not l.startswith(("error: could not compile", "error: aborting")) and "warning" not in l:
            pass
    if p.returncode and not any(r[1] for r in results.values()):
        raise SystemExit("cargo clippy failed:\n" + p.stdout + p.stderr)
    return results


CHECKERS = {
    "shell": check_shell,
    "python": check_python,
    "node": check_node,
    "go": check_go,
    "php": check_php,
    "java": check_java,
    "c": check_c,
    "csharp": check_csharp,
    "r": check_r,
}


BATCH = {"rust": check_rust_all, "ruby": check_ruby_all}


def main():
    report_only = "--report" in sys.argv
    snippets = [json.loads(l) for l in sys.stdin if l.strip()]
    work = tempfile.mkdtemp(prefix="idiomatic-")
    by_title = {}
    for i, s in enumerate(snippets):
        if s["title"] not in KINDS:
            raise SystemExit(f"{s['path']}: no tools known for the block title {s['title']!r} (scripts/idiomatic.py KINDS)")
        kind, name = KINDS[s["title"]]
        d = os.path.join(work, f"{i}")
        os.makedirs(d)
        code = s["code"] if s["code"].endswith("\n") else s["code"] + "\n"
        with open(os.path.join(d, name), "w") as fh:
            fh.write(code)
        by_title.setdefault(s["title"], []).append((s["path"], d, name, kind))
    failed = False
    details = []
    for title in sorted(by_title, key=lambda t: list(KINDS).index(t)):
        items = by_title[title]
        kind = items[0][3]
        if kind in BATCH:
            res = BATCH[kind]([(p, d, f) for p, d, f, _ in items])
            results = [(p, res[p]) for p, _, _, _ in items]
        else:
            with ThreadPoolExecutor(JOBS) as ex:
                outs = list(ex.map(lambda it: CHECKERS[kind](it[1], it[2]), items))
            results = [(it[0], o) for it, o in zip(items, outs)]
        clean = sum(1 for _, (changed, _) in results if not changed)
        nfind = sum(len(f) for _, (_, f) in results)
        has_fmt = kind not in ("java", "csharp", "r")
        fmt = f"formatter-clean {clean}/{len(results)}" if has_fmt else "formatter —"
        print(f"{title}: {fmt}, linter findings {nfind} (snippets {len(results)})", flush=True)
        for path, (changed, findings) in results:
            if changed:
                details.append(f"{path} [{title}] formatter would change it")
            for f in findings:
                details.append(f"{path} [{title}] {f}")
        if clean < len(results) or nfind:
            failed = True
    for l in details:
        print(l)
    if not os.environ.get("IDIOMATIC_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"snippets kept in {work}")
    sys.exit(1 if failed and not report_only else 0)


if __name__ == "__main__":
    main()
