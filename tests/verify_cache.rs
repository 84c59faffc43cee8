//! The verify cache, end to end through the binary: a second run with nothing changed
//! takes every pass from the cache; a changed snippet, a changed runtime version or a
//! changed page re-runs exactly what it decides; a failure is never cached.
//! (The key's parts one by one, sample files included, are unit-tested in
//! `src/verify_cache.rs`.)

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A copy of the example site in a temp folder, with a cache folder beside it.
fn site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for e in walkdir::WalkDir::new("docs") {
        let e = e.unwrap();
        let to = tmp.path().join(e.path());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    tmp
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn count(&self, suffix: &str) -> usize {
        self.stdout.lines().filter(|l| l.ends_with(suffix)).count()
    }
}

fn verify(dir: &Path, extra: &[&str], path: Option<&std::ffi::OsStr>) -> Run {
    let mut cmd = Command::cargo_bin("docsnip").unwrap();
    cmd.current_dir(dir)
        .args(["verify", "--lang", "curl", "--cache-dir", "cache"])
        .args(extra)
        .arg("docs");
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd.output().unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn entries(cache: &Path) -> usize {
    walkdir::WalkDir::new(cache)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count()
}

#[test]
fn a_second_run_is_cached_and_a_changed_page_reruns_only_its_snippet() {
    let tmp = site();
    let first = verify(tmp.path(), &[], None);
    assert!(first.ok, "{}{}", first.stdout, first.stderr);
    assert_eq!(first.count(": curl: ok"), 5, "{}", first.stdout);
    assert!(!first.stderr.contains("from the cache"), "{}", first.stderr);
    assert_eq!(entries(&tmp.path().join("cache")), 5);

    let second = verify(tmp.path(), &[], None);
    assert!(second.ok);
    assert_eq!(second.count(": curl: ok (cached)"), 5, "{}", second.stdout);
    assert!(
        second.stderr.contains("5 snippets, 5 ok, 0 failed")
            && second.stderr.contains("(5 ok from the cache)"),
        "{}",
        second.stderr
    );

    // A changed snippet (the page's name is its first comment line) runs again.
    let page = tmp.path().join("docs/_orders/cancel_order.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        text.replace("name: Cancel Order", "name: Cancel An Order"),
    )
    .unwrap();
    let third = verify(tmp.path(), &[], None);
    assert!(third.ok);
    assert_eq!(third.count(": curl: ok (cached)"), 4, "{}", third.stdout);
    assert!(
        third
            .stdout
            .contains("docs/_orders/cancel_order.md: curl: ok\n"),
        "{}",
        third.stdout
    );

    // --no-cache runs everything.
    let mut cmd = Command::cargo_bin("docsnip").unwrap();
    let out = cmd
        .current_dir(tmp.path())
        .args(["verify", "--lang", "curl", "--no-cache", "docs"])
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&out.stdout);
    assert_eq!(so.matches(": curl: ok\n").count(), 5, "{so}");
}

/// A `curl` that says it is `version` and otherwise is the real one.
fn fake_curl(bin: &Path, version: &str) {
    let real = which("curl");
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'curl {version} (docsnip test)'; exit 0; fi\nexec {} \"$@\"\n",
        real.display()
    );
    let path = bin.join("curl");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn which(program: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} not found: apt-get install {program}"))
}

#[test]
fn a_changed_runtime_version_reruns_every_snippet_of_its_language() {
    let tmp = site();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let mut paths = vec![bin.clone()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    let path = std::env::join_paths(paths).unwrap();

    fake_curl(&bin, "8.100.1");
    let first = verify(tmp.path(), &[], Some(&path));
    assert!(first.ok, "{}{}", first.stdout, first.stderr);
    assert_eq!(first.count(": curl: ok"), 5);
    let second = verify(tmp.path(), &[], Some(&path));
    assert_eq!(second.count(": curl: ok (cached)"), 5, "{}", second.stdout);

    fake_curl(&bin, "8.100.2");
    let third = verify(tmp.path(), &[], Some(&path));
    assert!(third.ok);
    assert_eq!(third.count(": curl: ok"), 5, "{}", third.stdout);
    assert_eq!(third.count("(cached)"), 0, "{}", third.stdout);
}

#[test]
fn a_failure_is_never_cached() {
    let tmp = site();
    let tpl = tmp.path().join("tpl");
    std::fs::create_dir(&tpl).unwrap();
    let curl = std::fs::read_to_string("languages/curl/template.tera").unwrap();
    // The right request, then a failing exit: a failure, whatever was sent.
    std::fs::write(tpl.join("curl.tera"), format!("{curl}\nexit 3\n")).unwrap();
    for _ in 0..2 {
        let run = verify(tmp.path(), &["--templates", "tpl"], None);
        assert!(!run.ok);
        assert!(
            run.stdout
                .contains("docs/_orders/cancel_order.md: curl: sent the right request but exited with status 3"),
            "{}",
            run.stdout
        );
        assert!(!run.stdout.contains("cached"), "{}", run.stdout);
        assert!(run.stderr.contains("5 failed"), "{}", run.stderr);
        assert_eq!(entries(&tmp.path().join("cache")), 0);
    }
    // Fixed: passes, and from then on is cached.
    std::fs::write(tpl.join("curl.tera"), curl).unwrap();
    let run = verify(tmp.path(), &["--templates", "tpl"], None);
    assert!(run.ok, "{}", run.stdout);
    let run = verify(tmp.path(), &["--templates", "tpl"], None);
    assert_eq!(run.count(": curl: ok (cached)"), 5, "{}", run.stdout);
}
