//! Bad input, clear errors, nothing lost: one table of hostile trees run through the
//! `docsnip` binary. Each row checks the exit code, the `PATH[:LINE:COL]: error|warning:
//! …` lines on stderr, and the trees afterwards: DOCS never changes, and OUT is exactly
//! what it was before (a failed build writes nothing) or exactly what the row expects.
//!
//! The tests run as root here, and root ignores permission bits; an unwritable folder is
//! therefore made immutable with `chattr +i` (undone when the row ends), and a folder
//! that cannot be created is a *file* standing where the folder must go.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A tree: relative path → `file:` bytes, `link:` target, or `dir`.
type Tree = BTreeMap<PathBuf, Vec<u8>>;

fn snapshot(root: &Path) -> Tree {
    let mut tree = Tree::new();
    if !root.exists() && root.symlink_metadata().is_err() {
        return tree;
    }
    for e in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
    {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
        let ft = e.file_type();
        let v = if ft.is_symlink() {
            let mut v = b"link:".to_vec();
            v.extend(
                std::fs::read_link(e.path())
                    .unwrap()
                    .as_os_str()
                    .as_encoded_bytes(),
            );
            v
        } else if ft.is_dir() {
            b"dir".to_vec()
        } else {
            let mut v = b"file:".to_vec();
            v.extend(std::fs::read(e.path()).unwrap());
            v
        };
        tree.insert(rel, v);
    }
    tree
}

fn show(tree: &Tree) -> String {
    tree.iter()
        .map(|(p, v)| {
            let s = String::from_utf8_lossy(v);
            let s: String = s.chars().take(60).collect();
            format!("  {} = {s:?}\n", p.display())
        })
        .collect()
}

/// Undoes `chattr +i` when dropped, so a failing row still cleans up.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Immutable {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .expect("chattr runs (e2fsprogs)")
            .success();
        assert!(ok, "chattr +i {} failed", path.display());
        Immutable(path.to_path_buf())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

/// One row's world: `root/docs` and `root/out` (created empty unless a row removes it).
struct World {
    root: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("docs")).unwrap();
        std::fs::create_dir(root.path().join("out")).unwrap();
        World { root }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }
    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    /// Runs docsnip in `root` with `args`; (exit code, stderr).
    fn run(&self, args: &[&str]) -> (i32, String) {
        let out = Command::cargo_bin("docsnip")
            .unwrap()
            .current_dir(self.root.path())
            .args(args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

const ENDPOINT: &str = "---\ntitle: /orders/\nname: List Orders\nmethod: get\n---\n# Orders\n";

/// What a row expects on stderr: a line starting with `prefix` (`PATH[:L:C]: kind: `)
/// and holding `text`.
fn has_line(stderr: &str, prefix: &str, text: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.starts_with(prefix) && l.contains(text))
}

#[track_caller]
fn expect_line(stderr: &str, prefix: &str, text: &str) {
    assert!(
        has_line(stderr, prefix, text),
        "expected a line `{prefix}…{text}…` on stderr:\n{stderr}"
    );
}

/// Runs `args` and checks the exit code and that DOCS and OUT did not change.
#[track_caller]
fn run_unchanged(w: &World, args: &[&str], code: i32) -> String {
    let docs = snapshot(&w.path("docs"));
    let out = snapshot(&w.path("out"));
    let (got, stderr) = w.run(args);
    assert_eq!(
        got, code,
        "exit code of docsnip {args:?}; stderr:\n{stderr}"
    );
    let docs_after = snapshot(&w.path("docs"));
    let out_after = snapshot(&w.path("out"));
    assert!(
        docs == docs_after,
        "DOCS changed:\nbefore\n{}after\n{}",
        show(&docs),
        show(&docs_after)
    );
    assert!(
        out == out_after,
        "OUT changed:\nbefore\n{}after\n{}\nstderr:\n{stderr}",
        show(&out),
        show(&out_after)
    );
    stderr
}

/// Runs a build that must succeed; DOCS must not change. Returns (stderr, OUT tree).
#[track_caller]
fn build_ok(w: &World, extra: &[&str]) -> (String, Tree) {
    let docs = snapshot(&w.path("docs"));
    let mut args = vec!["docs", "out"];
    args.extend(extra);
    let (code, stderr) = w.run(&args);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert!(docs == snapshot(&w.path("docs")), "DOCS changed");
    (stderr, snapshot(&w.path("out")))
}

fn file<'a>(tree: &'a Tree, rel: &str) -> &'a [u8] {
    let v = tree
        .get(Path::new(rel))
        .unwrap_or_else(|| panic!("{rel} is not in OUT:\n{}", show(tree)));
    v.strip_prefix(b"file:")
        .unwrap_or_else(|| panic!("{rel} is not a file"))
}

// ---------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------

#[test]
fn non_utf8_page_with_front_matter_is_an_error_at_the_bad_byte() {
    let w = World::new();
    w.write("docs/ok.md", ENDPOINT);
    w.write(
        "docs/bad.md",
        b"---\ntitle: /a\nmethod: get\n---\nfine line\nbad \xff\xfe byte\n",
    );
    let stderr = run_unchanged(&w, &["docs", "out"], 1);
    expect_line(
        &stderr,
        "docs/bad.md:6:5: error: ",
        "the page is not valid UTF-8",
    );
    expect_line(&stderr, "docsnip: ", "nothing was written");
}

#[test]
fn non_utf8_file_without_front_matter_is_copied_byte_for_byte() {
    let w = World::new();
    let bytes = b"# Latin-1 page\ncaf\xe9\n".to_vec();
    w.write("docs/latin1.md", &bytes);
    let (_, out) = build_ok(&w, &[]);
    assert_eq!(file(&out, "latin1.md"), bytes.as_slice());
}

#[test]
fn utf8_bom_is_kept_and_the_page_is_built() {
    let w = World::new();
    w.write("docs/bom.md", format!("\u{feff}{ENDPOINT}"));
    let (_, out) = build_ok(&w, &[]);
    let text = String::from_utf8(file(&out, "bom.md").to_vec()).unwrap();
    assert!(text.starts_with("\u{feff}---\n"), "{text}");
    assert!(text.contains("{: title=\"Curl\" }"), "{text}");
}

#[test]
fn crlf_line_endings_are_kept() {
    let w = World::new();
    let page = ENDPOINT.replace('\n', "\r\n") + "tail line\r\n";
    w.write("docs/crlf.md", &page);
    let (_, out) = build_ok(&w, &[]);
    let text = String::from_utf8(file(&out, "crlf.md").to_vec()).unwrap();
    assert!(text.contains("{: title=\"Curl\" }"), "{text}");
    let bare_lf = text
        .match_indices('\n')
        .filter(|(i, _)| !text[..*i].ends_with('\r'))
        .count();
    // Snippet code may hold line breaks of its own (inside a YAML block), but every
    // line docsnip writes to the page ends the way the page's lines do.
    assert_eq!(bare_lf, 0, "bare LF in a CRLF page:\n{text:?}");
    assert!(text.ends_with("# Orders\r\ntail line\r\n"), "{text:?}");
}

#[test]
fn empty_file_is_copied() {
    let w = World::new();
    w.write("docs/empty.md", "");
    let (_, out) = build_ok(&w, &[]);
    assert_eq!(file(&out, "empty.md"), b"");
}

#[test]
fn unclosed_front_matter_is_a_warning_and_copied_as_is() {
    let w = World::new();
    let page = "---\ntitle: /a\nmethod: get\n\nno closing line\n";
    w.write("docs/open.md", page);
    let (stderr, out) = build_ok(&w, &[]);
    expect_line(&stderr, "docs/open.md:1:1: warning: ", "never closes");
    assert_eq!(file(&out, "open.md"), page.as_bytes());
    // Warnings as errors: nothing is written.
    let w = World::new();
    w.write("docs/open.md", page);
    let stderr = run_unchanged(&w, &["--deny-warnings", "docs", "out"], 1);
    expect_line(&stderr, "docs/open.md:1:1: warning: ", "never closes");
}

#[test]
fn yaml_alias_bomb_fails_fast_at_its_line() {
    let w = World::new();
    let mut page = String::from(
        "---\ntitle: /bomb\nmethod: get\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        page.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    page.push_str("---\n");
    w.write("docs/bomb.md", &page);
    let started = Instant::now();
    let stderr = run_unchanged(&w, &["docs", "out"], 1);
    // A hang guard, not a timing assertion: expanded, the bomb is 10^9 scalars, so an
    // unbounded parser would never finish; a bounded one answers in milliseconds.
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "took {:?}",
        started.elapsed()
    );
    expect_line(&stderr, "docs/bomb.md:", "error: invalid YAML front-matter");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("docs/bomb.md:"))
        .unwrap();
    let lineno: usize = line.split(':').nth(1).unwrap().parse().unwrap();
    assert!((4..=13).contains(&lineno), "{line}");
}

#[test]
fn duplicate_keys_are_an_error_at_the_second_key() {
    let w = World::new();
    w.write(
        "docs/dup.md",
        "---\ntitle: /a\nmethod: get\nrequest:\n  query: { a: 1 }\n  query: { b: 2 }\n---\n",
    );
    let stderr = run_unchanged(&w, &["docs", "out"], 1);
    expect_line(&stderr, "docs/dup.md:6:", "duplicate");
}

#[test]
fn ten_megabyte_page_builds_in_bounded_time() {
    let w = World::new();
    let mut page = String::from(ENDPOINT);
    let line = "Lorem ipsum dolor sit amet, `code` and *emphasis*, <b>html</b> & entities.\n";
    while page.len() < 10 * 1024 * 1024 {
        page.push_str(line);
    }
    w.write("docs/big.md", &page);
    let started = Instant::now();
    let (_, out) = build_ok(&w, &["--quiet"]);
    // A guard against quadratic work (hours on 10 MB), not a timing assertion: the build
    // takes well under a second (BENCHMARKS.md).
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "took {:?}",
        started.elapsed()
    );
    let text = file(&out, "big.md");
    assert!(text.len() > page.len());
    assert!(text.ends_with(line.as_bytes()));
}

#[test]
fn binary_file_with_md_name_is_copied_byte_for_byte() {
    let w = World::new();
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend((0..=255u8).cycle().take(4096));
    w.write("docs/image.md", &bytes);
    let (_, out) = build_ok(&w, &[]);
    assert_eq!(file(&out, "image.md"), bytes.as_slice());
}

// ---------------------------------------------------------------------------
// Links and folders
// ---------------------------------------------------------------------------

#[test]
fn symlink_loops_are_not_followed_and_said_so() {
    let w = World::new();
    w.write("docs/page.md", ENDPOINT);
    symlink("loop_b.md", w.path("docs/loop_a.md")).unwrap();
    symlink("loop_a.md", w.path("docs/loop_b.md")).unwrap();
    std::fs::create_dir(w.path("docs/sub")).unwrap();
    symlink("..", w.path("docs/sub/up")).unwrap();
    let (stderr, out) = build_ok(&w, &[]);
    expect_line(&stderr, "docs/loop_a.md: warning: ", "symbolic link");
    expect_line(&stderr, "docs/loop_b.md: warning: ", "symbolic link");
    expect_line(&stderr, "docs/sub/up: warning: ", "not followed");
    // Only files are written: the folder holding nothing but a link is not created.
    let names: Vec<_> = out.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(names, ["", "page.md"], "{}", show(&out));
}

#[test]
fn symlink_out_of_docs_is_not_followed_and_said_so() {
    let w = World::new();
    w.write("secret/key.md", ENDPOINT.replace("List Orders", "Secret"));
    w.write("docs/page.md", ENDPOINT);
    symlink("../secret/key.md", w.path("docs/key.md")).unwrap();
    symlink("../secret", w.path("docs/secretdir")).unwrap();
    let (stderr, out) = build_ok(&w, &[]);
    expect_line(
        &stderr,
        "docs/key.md: warning: ",
        "outside DOCS: not followed",
    );
    expect_line(&stderr, "docs/secretdir: warning: ", "not followed");
    let names: Vec<_> = out.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(names, ["", "page.md"], "{}", show(&out));
}

#[test]
fn out_equal_to_docs_without_in_place_is_bad_usage() {
    let w = World::new();
    w.write("docs/page.md", ENDPOINT);
    let stderr = run_unchanged(&w, &["docs", "docs"], 2);
    expect_line(&stderr, "docsnip: error: ", "OUT is DOCS: use --in-place");
    let stderr = run_unchanged(&w, &["docs", "./docs/../docs/"], 2);
    expect_line(&stderr, "docsnip: error: ", "OUT is DOCS");
}

#[test]
fn out_containing_docs_is_bad_usage() {
    let w = World::new();
    w.write("docs/page.md", ENDPOINT);
    let stderr = run_unchanged(&w, &["docs", "."], 2);
    expect_line(&stderr, "docsnip: error: ", "OUT contains DOCS");
}

#[test]
fn out_inside_docs_is_skipped_and_builds_again_the_same() {
    let w = World::new();
    w.write("docs/page.md", ENDPOINT);
    w.write("docs/img/logo.png", b"\x89PNG");
    let (code, stderr) = w.run(&["docs", "docs/_site"]);
    assert_eq!(code, 0, "{stderr}");
    let first = snapshot(&w.path("docs/_site"));
    let names: Vec<_> = first.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(names, ["", "img", "img/logo.png", "page.md"]);
    // Again: OUT is not copied into itself, nothing changes.
    let (code, stderr) = w.run(&["docs", "docs/_site"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(first == snapshot(&w.path("docs/_site")));
}

#[test]
fn unwritable_out_is_an_error_and_nothing_is_written() {
    let w = World::new();
    w.write("docs/page.md", ENDPOINT);
    w.write("docs/sub/other.md", ENDPOINT);
    w.write("out/keep.txt", "kept");
    let _guard = Immutable::set(&w.path("out"));
    let stderr = run_unchanged(&w, &["docs", "out"], 1);
    expect_line(&stderr, "out", "error: ");
    expect_line(&stderr, "", "nothing was written");
}

#[test]
fn out_is_a_file_is_an_error() {
    let w = World::new();
    w.write("docs/page.md", ENDPOINT);
    std::fs::remove_dir(w.path("out")).unwrap();
    w.write("out", "I am a file");
    let stderr = run_unchanged(&w, &["docs", "out"], 1);
    expect_line(&stderr, "out", "error: ");
    expect_line(&stderr, "", "nothing was written");
}

#[test]
fn build_failing_half_way_leaves_no_half_written_page() {
    let w = World::new();
    // Sorted: a.md and b.md are written before sub/ fails (a file stands where the
    // folder must go), z.md after.
    w.write("docs/a.md", ENDPOINT);
    w.write("docs/b.txt", "plain");
    w.write("docs/sub/page.md", ENDPOINT);
    w.write("docs/z.md", ENDPOINT);
    w.write("out/a.md", "old a");
    w.write("out/sub", "a file where a folder must go");
    let stderr = run_unchanged(&w, &["docs", "out"], 1);
    expect_line(&stderr, "out/sub: error: ", "cannot create folder");
    expect_line(&stderr, "docsnip: ", "nothing was written");

    // Same with an immutable subfolder that holds an old page.
    let w = World::new();
    w.write("docs/a.md", ENDPOINT);
    w.write("docs/sub/page.md", ENDPOINT);
    w.write("docs/z.md", ENDPOINT);
    w.write("out/sub/page.md", "old");
    let _guard = Immutable::set(&w.path("out/sub"));
    let stderr = run_unchanged(&w, &["docs", "out"], 1);
    expect_line(&stderr, "out/sub: error: ", "cannot write in folder");
    expect_line(&stderr, "docsnip: ", "nothing was written");
}

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

#[test]
fn template_with_a_syntax_error_is_an_error_in_that_file() {
    let w = World::new();
    w.write("docs/page.md", ENDPOINT);
    w.write("tpl/curl.tera", "curl {{ req.url | sh_quote }\n{% if %}\n");
    let stderr = run_unchanged(&w, &["--templates", "tpl", "docs", "out"], 1);
    expect_line(
        &stderr,
        "tpl/curl.tera:1:28: error: ",
        "syntax error in template: Found `}`",
    );
}

#[test]
fn template_with_an_unknown_variable_is_an_error() {
    let w = World::new();
    w.write("docs/page.md", ENDPOINT);
    w.write("docs/other.md", ENDPOINT);
    w.write(
        "tpl/curl.tera",
        "curl {{ req.url | sh_quote }}\n{{ nope.nothing }}\n",
    );
    let stderr = run_unchanged(&w, &["--templates", "tpl", "docs", "out"], 1);
    expect_line(&stderr, "docs/other.md: error: ", "nope");
    expect_line(&stderr, "docs/page.md: error: ", "nope");
}
