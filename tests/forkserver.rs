//! The Python fork server (`docsnip::verify::forkserver`): a snippet run through it still fails,
//! hangs, writes files and reads its argv visibly, with either client (docsnip's own
//! executable, as the `docsnip` command uses it, or the Python client the library
//! falls back to).

use docsnip::request::Request;
use docsnip::verify::echo::EchoServer;
use docsnip::verify::forkserver::ForkServer;
use docsnip::verify::{RealRuntimes, runner_for_language, verify_snippet};
use std::path::PathBuf;
use std::time::Duration;

fn forked_snippets_still_fail_hang_and_write_files_visibly(native: Option<PathBuf>) {
    let real = RealRuntimes::resolve(&["python3".into(), "http".into(), "bash".into()]).unwrap();
    let python = std::fs::canonicalize(real.path().join("python3"))
        .expect("python3 not found: install python3 and pip install requests");
    let mut server = ForkServer::start(&python).unwrap();
    if let Some(exe) = native {
        server.set_native_client(exe);
    }
    let mut runner = runner_for_language("python").unwrap();
    runner.command = server.command(&runner.file);
    let echo = EchoServer::start().unwrap();
    let r = Request::loopback_get("/a");
    let t = Duration::from_secs(60);
    let code = |extra: &'static str| {
        move |base: &str| {
            Ok(format!(
                "import requests, sys\nrequests.get(\"{base}/a\")\n{extra}\n"
            ))
        }
    };
    let ok = verify_snippet(&echo, &runner, &r, t, code("print('done')"));
    assert!(ok.outcome.is_ok(), "{}", ok.outcome);
    assert_eq!(ok.output.unwrap().stdout, b"done\n");
    let exit = verify_snippet(&echo, &runner, &r, t, code("sys.exit(5)"));
    assert!(
        exit.outcome.to_string().contains("exited with status 5"),
        "{}",
        exit.outcome
    );
    let raised = verify_snippet(&echo, &runner, &r, t, code("raise ValueError('boom')"));
    assert!(
        raised.outcome.to_string().contains("ValueError: boom"),
        "{}",
        raised.outcome
    );
    let killed = verify_snippet(
        &echo,
        &runner,
        &r,
        t,
        code("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)"),
    );
    assert!(killed.outcome.is_failure(), "{}", killed.outcome);
    let wrote = verify_snippet(&echo, &runner, &r, t, code("open('pwned', 'w').write('x')"));
    assert_eq!(wrote.created_files, ["pwned"]);
    let hang = verify_snippet(
        &echo,
        &runner,
        &r,
        Duration::from_millis(1500),
        code("import time\ntime.sleep(100)"),
    );
    assert!(
        hang.outcome.to_string().contains("timed out"),
        "{}",
        hang.outcome
    );
    // Fresh globals: a snippet that forgets its import fails although the server has
    // requests loaded.
    let forgot = verify_snippet(&echo, &runner, &r, t, |base| {
        Ok(format!("requests.get(\"{base}/a\")\n"))
    });
    assert!(
        forgot.outcome.to_string().contains("NameError"),
        "{}",
        forgot.outcome
    );
    // The environment is the caller's, not the server's.
    let env = verify_snippet(&echo, &runner, &r, t, |base| {
        Ok(format!(
            "import os, requests\nrequests.get(\"{base}/a\")\nprint(os.environ['SSL_CERT_FILE'], os.getcwd() == os.environ['HOME'] or 'x')\n"
        ))
    });
    assert!(env.outcome.is_ok(), "{}", env.outcome);
    assert!(
        String::from_utf8_lossy(&env.output.unwrap().stdout).contains("ca.pem "),
        "the snippet did not see the environment docsnip set"
    );

    // HTTPie through the client script, its argv from bash.
    let http = std::fs::canonicalize(real.path().join("http"))
        .expect("http not found: pip install 'httpie>=3.2'");
    let bin = tempfile::tempdir().unwrap();
    let script = bin.path().join("http");
    std::fs::write(&script, server.script_for(&http)).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut httpie = runner_for_language("httpie").unwrap();
    httpie.bin_dir = Some(bin.path().to_path_buf());
    let sent = verify_snippet(&echo, &httpie, &r, t, |base| {
        Ok(format!("A=/a\nhttp GET \"{base}$A\"\n"))
    });
    assert!(
        sent.outcome.is_ok(),
        "{}\n{:?}",
        sent.outcome,
        sent.output
            .as_ref()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
    );
    let bad = verify_snippet(&echo, &httpie, &r, t, |base| {
        Ok(format!("http --no-such-option GET '{base}/a'\n"))
    });
    assert!(bad.outcome.is_failure(), "{}", bad.outcome);
    let stderr = String::from_utf8_lossy(&bad.output.unwrap().stderr).into_owned();
    assert!(stderr.contains("unrecognized arguments"), "{stderr}");
    // A header bash passes as bytes that are not UTF-8 reaches HTTPie as Python's own
    // argv would hold it (and HTTPie refuses it, as it would when run directly).
    let raw = verify_snippet(&echo, &httpie, &r, t, |base| {
        Ok(format!("http GET '{base}/a' $'X-A:\\xff'\n"))
    });
    assert!(raw.outcome.is_failure(), "{}", raw.outcome);
    let stderr = String::from_utf8_lossy(&raw.output.unwrap().stderr).into_owned();
    assert!(
        stderr.contains("can't encode character '\\udcff'"),
        "{stderr}"
    );
}

#[test]
fn through_docsnips_own_client() {
    forked_snippets_still_fail_hang_and_write_files_visibly(Some(PathBuf::from(env!(
        "CARGO_BIN_EXE_docsnip"
    ))));
}

#[test]
fn through_the_python_client() {
    forked_snippets_still_fail_hang_and_write_files_visibly(None);
}
