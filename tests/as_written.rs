//! `docsnip verify --as-written`: the blocks pages carry, run as written (through the
//! binary, which is also the sandbox helper), on fixture pages whose hand-pasted
//! blocks drift from their front-matter.

use assert_cmd::Command;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// stdout and stderr together, for assertions on everything docsnip printed.
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn as_written(page: &str) -> Run {
    Setup::new(&[page]).run(&[])
}

/// A docs tree in a fresh temporary folder (docsnip's working folder), with the fixture config and `pages`
/// (fixture names; `hostile/` ones get `@OUTSIDE@`, `@DOCS@`, `@SECRET@` and `@HOME@`
/// filled in), a 0600 secret file beside it and an empty folder outside the docs tree.
struct Setup {
    tmp: tempfile::TempDir,
    secret: String,
    path: Option<std::ffi::OsString>,
}

impl Setup {
    fn new(pages: &[&str]) -> Setup {
        use std::os::unix::fs::PermissionsExt;
        // Not under /tmp (which the sandbox replaces anyway): what keeps the docs tree,
        // the working folder and the secret from a block must be the sandbox's hiding.
        let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let docs = tmp.path().join("docs");
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&docs).unwrap();
        std::fs::create_dir(&outside).unwrap();
        let secret = format!(
            "secret-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        );
        let secret_file = tmp.path().join("secret.txt");
        std::fs::write(&secret_file, &secret).unwrap();
        std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::copy(
            "tests/fixtures/as_written/docsnip.yml",
            docs.join("docsnip.yml"),
        )
        .unwrap();
        let home = std::env::var("HOME").unwrap();
        for (i, page) in pages.iter().enumerate() {
            let text =
                std::fs::read_to_string(format!("tests/fixtures/as_written/{page}")).unwrap();
            let text = text
                .replace("@OUTSIDE@", &outside.display().to_string())
                .replace("@DOCS@", &docs.display().to_string())
                .replace("@SECRET@", &secret_file.display().to_string())
                .replace("@HOME@", &home);
            // Numbered, so that blocks run (with --jobs 1) in the order given.
            let name = format!("{i:02}-{}", page.rsplit('/').next().unwrap());
            std::fs::write(docs.join(name), text).unwrap();
        }
        Setup {
            tmp,
            secret,
            path: None,
        }
    }

    fn run(&self, extra: &[&str]) -> Run {
        let mut cmd = Command::cargo_bin("docsnip").unwrap();
        cmd.current_dir(self.tmp.path())
            .env("DOCSNIP_TEST_SECRET", "leaked-ci-secret")
            .args(["verify", "--as-written", "--jobs", "1"])
            .args(extra)
            .arg("docs");
        if let Some(p) = &self.path {
            cmd.env("PATH", p);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The text after `marker` in the report line of the block that printed it.
fn reported<'a>(run: &'a Run, marker: &str) -> &'a str {
    let all = run.stdout.as_str();
    let at = all
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in:\n{}", run.all()));
    let rest = &all[at + marker.len()..];
    rest.split(['\n', ')']).next().unwrap()
}

#[test]
fn drifting_hand_pasted_blocks_show_their_drift() {
    let run = as_written("drift.md");
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let so = &run.stdout;
    for want in [
        "docs/00-drift.md: Curl: method: expected GET, got POST\n",
        "docs/00-drift.md: Curl: header Content-Type: not described by the page, got \"application/x-www-form-urlencoded\"\n",
        "docs/00-drift.md: Curl: body: expected none, got 2 bytes \"{}\"\n",
        "docs/00-drift.md: Python (requests): ok\n",
        "docs/00-drift.md: Python (requests): sent no request (exited with status 1: TypeError: dumps() missing 1 required positional argument: 'obj')\n",
        "docs/00-drift.md: Elixir: not verified (no language with a runner has this title)\n",
    ] {
        assert!(so.contains(want), "missing {want:?} in:\n{so}");
    }
    assert!(!so.contains("Response"), "data blocks are not listed: {so}");
    // The summary table: one row per title.
    assert!(so.contains("language           blocks      ok  failed  not verified\nCurl                    1       0       1             0\nPython (requests)       2       1       1             0\nElixir                  1       0       0             1\n"), "{so}");
    assert!(
        run.stderr
            .contains("4 blocks, 1 ok, 2 failed, 1 not verified, 0 errors"),
        "{}",
        run.stderr
    );
}

/// `format: aviator-blocks`: the entries of `left_code_blocks` / `right_code_blocks`
/// run as written; a Response entry is data.
#[test]
fn aviator_blocks_entries_run_as_written() {
    let setup = Setup::new(&["drift_blocks.md"]);
    std::fs::write(
        setup.tmp.path().join("docs/docsnip.yml"),
        "base_url: https://api.example.com\nauth:\n  default: none\nformat: aviator-blocks\n",
    )
    .unwrap();
    let run = setup.run(&[]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    for want in [
        "docs/00-drift_blocks.md: Curl: method: expected GET, got POST\n",
        "docs/00-drift_blocks.md: Python (requests): ok\n",
    ] {
        assert!(
            run.stdout.contains(want),
            "missing {want:?} in:\n{}",
            run.all()
        );
    }
    assert!(!run.stdout.contains("Response"), "{}", run.all());
    assert!(
        run.stderr
            .contains("2 blocks, 1 ok, 1 failed, 0 not verified, 0 errors"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_block_sees_none_of_docsnips_environment_and_home_is_its_scratch_folder() {
    let run = as_written("environment.md");
    assert!(
        run.stdout.contains("docs/00-environment.md: Curl: ok\n"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert!(!run.stdout.contains("leaked-ci-secret"));
    assert_eq!(run.code, Some(0));
}

#[test]
fn a_block_sees_only_loopback() {
    let run = as_written("network.md");
    assert!(
        run.stdout.contains("docs/00-network.md: Curl: ok\n"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("sandbox: bubblewrap"), "{}", run.stderr);
    assert_eq!(run.code, Some(0));
}

#[test]
fn a_block_cannot_write_outside_its_scratch_folder() {
    let setup = Setup::new(&["hostile/write.md"]);
    let run = setup.run(&[]);
    assert!(
        run.stdout.contains("Curl: ok\n"),
        "the block ran: {}",
        run.all()
    );
    let home = std::path::PathBuf::from(std::env::var("HOME").unwrap());
    let tmp = setup.tmp.path();
    for f in [
        tmp.join("outside/written-by-block"),
        tmp.join("docs/written-by-block.md"),
        home.join(".docsnip-sandbox-test-written"),
        "/etc/docsnip-sandbox-test-written".into(),
        "/var/tmp/docsnip-sandbox-test-written".into(),
    ] {
        let exists = f.exists();
        let _ = std::fs::remove_file(&f);
        assert!(!exists, "the block wrote {}", f.display());
    }
}

#[test]
fn a_block_cannot_read_a_user_file_into_the_report() {
    let setup = Setup::new(&["hostile/read.md"]);
    let run = setup.run(&[]);
    // It ran, and what it read was an error (the file is not there for it).
    assert!(
        run.stdout.contains("No such file or directory"),
        "{}",
        run.all()
    );
    assert!(!run.all().contains(&setup.secret), "{}", run.all());
    assert!(
        !run.all().contains("Read a user file"),
        "the docs tree was readable: {}",
        run.all()
    );
}

#[test]
fn a_block_sees_only_its_own_processes() {
    let run = Setup::new(&["hostile/procs.md"]).run(&[]);
    let pids: Vec<u32> = reported(&run, "pids: ")
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    // bubblewrap's init, bash, the command substitution and ls: a fresh PID namespace.
    assert!(!pids.is_empty() && pids.len() <= 8, "{pids:?}");
    assert!(pids.iter().all(|&p| p < 20), "{pids:?}");
    assert!(!pids.contains(&std::process::id()), "{pids:?}");
}

#[test]
fn a_block_cannot_create_user_namespaces() {
    let run = Setup::new(&["hostile/userns.md"]).run(&[]);
    let said = reported(&run, "userns: ");
    assert!(
        said.starts_with("unshare: ") && !said.contains("created"),
        "{}",
        run.all()
    );
}

#[test]
fn limits_stop_forks_and_allocations_and_the_run_carries_on() {
    let started = std::time::Instant::now();
    let run = Setup::new(&[
        "hostile/forks.md",
        "hostile/memory.md",
        "hostile/forkbomb.md",
        "hostile/after.md",
    ])
    .run(&["--timeout", "5"]);
    let forks: u64 = reported(&run, "forks: ")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        forks < 256 && run.stdout.contains("(Resource temporarily unavailable"),
        "{}",
        run.all()
    );
    let mib: u64 = reported(&run, "allocated: ")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        mib <= 2048 && run.stdout.contains("(Cannot allocate memory"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout
            .contains("02-forkbomb.md: Curl: timed out after 5.0s and was killed\n"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("03-after.md: Curl: ok\n"),
        "{}",
        run.all()
    );
    // Bounded: three blocks of at most 5 s each and one quick one (generous for a loaded machine).
    assert!(started.elapsed().as_secs() < 90, "{:?}", started.elapsed());
}

#[test]
fn without_a_sandbox_as_written_refuses_unless_unsandboxed() {
    // A PATH with what the Curl block needs but no bwrap: no sandbox here.
    let mut setup = Setup::new(&["environment.md"]);
    let bin = setup.tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    for p in ["bash", "curl", "env", "tr"] {
        let found = which(p);
        std::os::unix::fs::symlink(found, bin.join(p)).unwrap();
    }
    setup.path = Some(bin.into_os_string());
    let refused = setup.run(&[]);
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    assert!(
        !refused.stdout.contains("Curl: ok"),
        "a block ran: {}",
        refused.all()
    );
    for want in [
        "verify --as-written runs the pages' code only in a sandbox, and there is none here: bubblewrap (bwrap) is not on PATH",
        "apt-get install bubblewrap",
        "--unsandboxed",
    ] {
        assert!(
            refused.stderr.contains(want),
            "missing {want:?}: {}",
            refused.stderr
        );
    }
    let ran = setup.run(&["--unsandboxed"]);
    assert_eq!(ran.code, Some(0), "{}", ran.all());
    assert!(
        ran.stdout.contains("docs/00-environment.md: Curl: ok\n"),
        "{}",
        ran.all()
    );
    assert!(
        ran.stderr.contains("NOT sandboxed (--unsandboxed)"),
        "{}",
        ran.stderr
    );
}

#[test]
fn unsandboxed_needs_as_written() {
    let out = Command::cargo_bin("docsnip")
        .unwrap()
        .args(["verify", "--unsandboxed", "docs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn which(program: &str) -> std::path::PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} is not on PATH: install it"))
}
