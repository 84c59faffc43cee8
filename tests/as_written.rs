//! `docsnip verify --as-written`: the blocks pages carry, run as written (through the
//! binary, which is also the sandbox helper), on fixture pages whose hand-pasted
//! blocks drift from their front-matter.

use assert_cmd::Command;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn as_written(page: &str) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    for f in ["docsnip.yml", page] {
        std::fs::copy(format!("tests/fixtures/as_written/{f}"), docs.join(f)).unwrap();
    }
    let out = Command::cargo_bin("docsnip")
        .unwrap()
        .current_dir(tmp.path())
        .env("DOCSNIP_TEST_SECRET", "leaked-ci-secret")
        .args(["verify", "--as-written", "docs"])
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn drifting_hand_pasted_blocks_show_their_drift() {
    let run = as_written("drift.md");
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let so = &run.stdout;
    for want in [
        "docs/drift.md: Curl: method: expected GET, got POST\n",
        "docs/drift.md: Curl: header Content-Type: not described by the page, got \"application/x-www-form-urlencoded\"\n",
        "docs/drift.md: Curl: body: expected none, got 2 bytes \"{}\"\n",
        "docs/drift.md: Python (requests): ok\n",
        "docs/drift.md: Python (requests): sent no request (exited with status 1: TypeError: dumps() missing 1 required positional argument: 'obj')\n",
        "docs/drift.md: Elixir: not verified (no language with a runner has this title)\n",
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

#[test]
fn a_block_sees_none_of_docsnips_environment_and_home_is_its_scratch_folder() {
    let run = as_written("environment.md");
    assert!(
        run.stdout.contains("docs/environment.md: Curl: ok\n"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert!(!run.stdout.contains("leaked-ci-secret"));
    assert_eq!(run.code, Some(0));
}

#[test]
fn where_isolation_is_available_a_block_sees_only_loopback() {
    let run = as_written("network.md");
    let isolated = run.stderr.contains("own network namespace (loopback only)");
    if isolated {
        assert!(
            run.stdout.contains("docs/network.md: Curl: ok\n"),
            "{}{}",
            run.stdout,
            run.stderr
        );
        assert_eq!(run.code, Some(0));
    } else {
        // The fallback says so plainly; the block then sees the host's interfaces.
        assert!(
            run.stderr.contains("NOT network-isolated"),
            "{}",
            run.stderr
        );
    }
    // This machine (and CI's, root in a container) allows it: keep it that way.
    if std::env::var_os("DOCSNIP_EXPECT_NO_NETNS").is_none() {
        assert!(
            isolated,
            "network isolation unavailable here (set DOCSNIP_EXPECT_NO_NETNS=1 where unshare is not allowed): {}",
            run.stderr
        );
    }
}
