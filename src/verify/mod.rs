//! Proving snippets: run each with its real runtime against the [`echo`]
//! server and compare what arrived with the normalized [`Request`].
//!
//! Three layers, usable separately:
//!
//! * [`compare()`] — one recorded request against the expected [`Request`], as a list of
//!   one-line [`Difference`]s (empty = equal).
//! * [`run_snippet`] — write code to a file in a directory and run it with a program
//!   (`bash`, `python3`, `node`, …), bounded by a timeout that kills the whole process
//!   group. [`check_needs`] verifies up front that the runtimes are installed.
//! * [`verify_snippet`] — the whole trial: fresh run id and temp work directory, sample
//!   files for multipart uploads, render the code for the run's base URL, run it,
//!   collect the requests, compare, list files the snippet created. Returns a
//!   [`Report`] whose [`Outcome`] says ok / differences / no request / N requests /
//!   run failure.
//!
//! ```no_run
//! use docsnip::verify::{echo::EchoServer, runner_for_language, verify_snippet};
//! # fn render(req: &docsnip::request::Request, base: &str) -> Result<String, String> { unimplemented!() }
//! # let request: docsnip::request::Request = unimplemented!();
//! let server = EchoServer::start().unwrap();
//! let runner = runner_for_language("curl").unwrap();
//! let report = verify_snippet(&server, &runner, &request, std::time::Duration::from_secs(30),
//!     |base_url| render(&request, base_url));
//! assert!(report.outcome.is_ok(), "{}", report.outcome);
//! ```
//!
//! # Comparison rules
//!
//! * **method**: exact.
//! * **path**: the request must have gone under the run's base URL; then the path after
//!   it and `Request::path` are compared as bytes after percent-decoding both.
//! * **query**: the raw query is split on `&` (empty segments skipped), each side of the
//!   first `=` decoded (`+` is a space, percent-escapes to bytes, then UTF-8), and the
//!   ordered list of pairs must equal `Request::query`.
//! * **headers**: every header of `Request::headers` must be present; names are
//!   case-insensitive and a repeated name is compared as the ordered list of its values,
//!   byte-exact (surrounding spaces and tabs are not significant in HTTP and are
//!   ignored). An `implied` header (the `Content-Type` docsnip adds for JSON) is compared
//!   by media type only, so `application/json; charset=utf-8` passes. `Auth::Basic`
//!   requires `Authorization: Basic base64(user:pass)`. Headers the client adds on its
//!   own are ignored, except a `Content-Type`, `Authorization` or `Cookie` the page did
//!   not describe (a `Content-Type` that a form, multipart or JSON body implies is
//!   checked by the body rules instead).
//! * **body**: `None` → empty. `Json` → both sides parsed and compared as JSON values:
//!   same types, object keys as a set (order is not significant in JSON, and
//!   JavaScript reorders integer-like keys), arrays in order, strings exact, numbers
//!   as exact decimal values — `1.50` = `1.5`, `1e2` = `100` = `100.0`, `-0` = `0`,
//!   but `12345678901234567891` ≠ `12345678901234567000` (a client that went through a
//!   double is caught); the `Content-Type` must be `application/json` unless the page
//!   set its own. `Form` → `Content-Type: application/x-www-form-urlencoded`, pairs
//!   decoded as for the query and compared in order. `Multipart` →
//!   `multipart/form-data` with a boundary; parts compared in order: name, then a text
//!   field's value bytes, or a file's filename (the base name of `Part::file`), content
//!   (the sample content, see [`sample_file_content`]) and, when the page gives one,
//!   its content type. `Raw` → bytes exact.

pub mod as_written;
pub mod batch;
pub mod cache;
pub mod compare;
pub mod echo;
pub mod forkserver;
pub mod process;
pub mod runtimes;
pub mod sandbox;
pub mod tree;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::request::Request;
use crate::verify::echo::{EchoServer, Recorded};

pub use compare::*;
pub use process::*;
pub use runtimes::*;

// ---------------------------------------------------------------------------
// One trial
// ---------------------------------------------------------------------------

/// The verdict of one snippet run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exactly one request, equal to the expected one; exit status 0; no files created.
    Ok,
    /// Exactly one request, with these differences (and possibly an [`Aspect::Exit`] or
    /// [`Aspect::Files`] one).
    Differences(Vec<Difference>),
    /// The snippet sent no request to its base URL. `detail` has the exit status and
    /// the stderr tail.
    NoRequest { detail: String },
    /// The snippet sent `count` requests; `requests` lists them (`METHOD path`).
    ManyRequests { count: usize, requests: Vec<String> },
    /// The snippet could not be rendered, started or finished (missing runtime,
    /// timeout, non-zero exit with a correct request, …).
    RunFailed { error: String, stderr_tail: String },
    /// The language's template refused the request (its client cannot send it
    /// exactly): no snippet was written, so there is nothing to run. Not a failure.
    Refused { reason: String },
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// Whether the snippet (or its build step) was killed at its time limit.
    pub fn timed_out(&self) -> bool {
        matches!(self, Outcome::RunFailed { error, .. } if error.starts_with("timed out after"))
    }

    /// Whether this is a failure (neither ok nor a refused language).
    pub fn is_failure(&self) -> bool {
        !matches!(self, Outcome::Ok | Outcome::Refused { .. })
    }

    /// One line per problem (empty for `Ok`), for `PATH: language: line` reports.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Outcome::Ok => Vec::new(),
            Outcome::Differences(diffs) => diffs.iter().map(|d| d.message.clone()).collect(),
            Outcome::NoRequest { detail } => vec![format!("sent no request ({detail})")],
            Outcome::ManyRequests { count, requests } => {
                vec![format!(
                    "sent {count} requests, expected 1: {}",
                    requests.join(", ")
                )]
            }
            Outcome::RunFailed { error, stderr_tail } => {
                let mut v = vec![error.clone()];
                v.extend(stderr_tail.lines().map(|l| format!("  | {l}")));
                v
            }
            Outcome::Refused { reason } => vec![format!("refused (no snippet): {reason}")],
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ok() {
            return f.write_str("ok");
        }
        f.write_str(&self.lines().join("\n"))
    }
}

/// Everything about one trial.
#[derive(Debug)]
pub struct Report {
    pub outcome: Outcome,
    /// The run id and base URL the snippet was rendered for.
    pub run_id: String,
    pub base_url: String,
    /// The program's output, when it ran to completion.
    pub output: Option<RunOutput>,
    /// Every request that arrived under the run's base URL.
    pub requests: Vec<Recorded>,
    /// Files and directories the snippet left in its work directory (relative, `/`
    /// separators, sorted), other than the snippet file and the sample files: a
    /// snippet that writes files — e.g. through a shell injection — shows up here.
    pub created_files: Vec<String>,
}

/// How long to wait, after the program exited, for a request still being received.
const SETTLE: Duration = Duration::from_secs(2);

/// Runs one snippet against `server` and judges it.
///
/// Takes a fresh run id, makes a fresh temporary work directory holding the sample
/// files of `expected` (multipart uploads), calls `code_for(base_url)` to render the
/// snippet for the run's base URL (an `Err` becomes [`Outcome::RunFailed`]), runs it
/// with `runner` under `timeout`, collects the requests and compares them with
/// `expected`. The work directory is removed afterwards; what the snippet created in
/// it is in [`Report::created_files`] and is also a [`Aspect::Files`] difference.
pub fn verify_snippet(
    server: &EchoServer,
    runner: &RunSpec,
    expected: &Request,
    timeout: Duration,
    code_for: impl FnOnce(&str) -> Result<String, String>,
) -> Report {
    let trial = match Trial::start(server, expected, code_for) {
        Ok(t) => t,
        Err(report) => return *report,
    };
    let workdir = match tempfile::Builder::new().prefix("docsnip-verify-").tempdir() {
        Ok(dir) => dir,
        Err(e) => return trial.failed(format!("creating a work directory failed: {e}")),
    };
    if let Err(e) = write_sample_files(workdir.path(), &trial.files) {
        return trial.failed(format!("writing sample files failed: {e}"));
    }
    let runner = &runner.expanded();
    let result = run_single(runner, &trial.code, &trial.files, workdir.path(), timeout);
    trial.judge(server, runner, expected, workdir.path(), result)
}

/// A snippet rendered for a run of its own: what [`verify_snippet`] and
/// [`crate::verify::batch`] share.
pub(crate) struct Trial {
    pub run_id: String,
    pub base_url: String,
    pub code: String,
    pub files: SampleFiles,
}

/// What ran: the command's output and what the build step left in the work folder.
pub(crate) type Ran = Result<(RunOutput, Vec<String>), RunError>;

impl Trial {
    /// Takes a fresh run id and renders the snippet for its base URL; a rendering error
    /// is the finished report (boxed: it is the rare case).
    pub(crate) fn start(
        server: &EchoServer,
        expected: &Request,
        code_for: impl FnOnce(&str) -> Result<String, String>,
    ) -> Result<Trial, Box<Report>> {
        let run_id = server.new_run_id();
        let base_url = server.base_url(&run_id);
        let mut trial = Trial {
            run_id,
            base_url,
            code: String::new(),
            files: sample_files(expected),
        };
        match code_for(&trial.base_url) {
            Ok(code) => {
                trial.code = code;
                Ok(trial)
            }
            Err(e) => Err(Box::new(
                trial.failed(format!("rendering the snippet failed: {e}")),
            )),
        }
    }

    fn report(&self, outcome: Outcome) -> Report {
        Report {
            outcome,
            run_id: self.run_id.clone(),
            base_url: self.base_url.clone(),
            output: None,
            requests: Vec::new(),
            created_files: Vec::new(),
        }
    }

    /// A report of a trial that could not run.
    pub(crate) fn failed(&self, error: String) -> Report {
        self.report(Outcome::RunFailed {
            error,
            stderr_tail: String::new(),
        })
    }

    /// Collects the requests of the run, lists what the snippet created in `workdir`
    /// and compares.
    pub(crate) fn judge(
        &self,
        server: &EchoServer,
        runner: &RunSpec,
        expected: &Request,
        workdir: &Path,
        result: Ran,
    ) -> Report {
        let mut report = self.report(Outcome::Ok);
        let files = &self.files;
        report.requests = server.take_settled(&self.run_id, SETTLE);
        let built: &[String] = result.as_ref().map_or(&[], |(_, b)| b.as_slice());
        report.created_files = created_files(workdir, runner, files, built);
        let result = result.map(|(out, _)| out);
        let file_diff = (!report.created_files.is_empty()).then(|| {
            Difference::new(
                Aspect::Files,
                format!(
                    "files: the snippet created {}",
                    report.created_files.join(", ")
                ),
            )
        });

        let output = match result {
            Ok(output) => output,
            Err(e) => {
                let stderr_tail = match &e {
                    RunError::TimedOut { stderr, .. } | RunError::BuildFailed { stderr, .. } => {
                        tail(stderr)
                    }
                    _ => String::new(),
                };
                report.outcome = Outcome::RunFailed {
                    error: e.to_string(),
                    stderr_tail,
                };
                return report;
            }
        };
        let exit_detail = || {
            let mut s = describe_status(output.status);
            let t = output.stderr_tail();
            if let Some(last) = t.lines().last() {
                s.push_str(": ");
                s.push_str(last);
            }
            s
        };

        report.outcome = match report.requests.as_slice() {
            [] => match diagnose_missing(&output.stderr, &runner.needs) {
                Some(error) => Outcome::RunFailed {
                    error,
                    stderr_tail: output.stderr_tail(),
                },
                None => Outcome::NoRequest {
                    detail: exit_detail(),
                },
            },
            [got] => {
                let mut diffs = compare_for(expected, got, files, runner.joins_repeated_headers);
                let exit_ok = output.status.success();
                if diffs.is_empty() && !exit_ok {
                    Outcome::RunFailed {
                        error: format!(
                            "sent the right request but {}",
                            describe_status(output.status)
                        ),
                        stderr_tail: output.stderr_tail(),
                    }
                } else {
                    if !exit_ok {
                        diffs.push(Difference::new(
                            Aspect::Exit,
                            format!("exit: {}", exit_detail()),
                        ));
                    }
                    diffs.extend(file_diff);
                    if diffs.is_empty() {
                        Outcome::Ok
                    } else {
                        Outcome::Differences(diffs)
                    }
                }
            }
            many => Outcome::ManyRequests {
                count: many.len(),
                requests: many
                    .iter()
                    .map(|r| format!("{} {}", r.method, String::from_utf8_lossy(&r.target)))
                    .collect(),
            },
        };
        report.output = Some(output);
        report
    }
}

/// One snippet on its own in `workdir` (which holds its sample files): write the file,
/// run the build step, note what it left, run the command.
pub(crate) fn run_single(
    runner: &RunSpec,
    code: &str,
    files: &SampleFiles,
    workdir: &Path,
    timeout: Duration,
) -> Ran {
    prepare_snippet(runner, code, workdir, timeout).and_then(|()| {
        // What the build step left is the snippet's own; anything new after the run is not.
        let built = created_files(workdir, runner, files, &[]);
        run_step(runner, &runner.command, workdir, timeout, Step::Snippet).map(|out| (out, built))
    })
}

/// Entries under `dir` other than the snippet file, the sample files (and the
/// directories holding them) and `before` (what the build step wrote). Bounded: at most
/// 1000 entries, 16 levels.
pub(crate) fn created_files(
    dir: &Path,
    runner: &RunSpec,
    files: &SampleFiles,
    before: &[String],
) -> Vec<String> {
    let mut expected: Vec<String> = vec![runner.file.clone()];
    expected.extend(before.iter().map(|b| b.trim_end_matches('/').to_string()));
    for name in files.keys() {
        if let Some(rel) = safe_relative(name) {
            let mut acc = PathBuf::new();
            for c in rel.components() {
                acc.push(c);
                expected.push(acc.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut found = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((path, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            if found.len() >= 1000 {
                break;
            }
            let full = entry.path();
            let rel = full
                .strip_prefix(dir)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if !expected.contains(&rel) {
                found.push(if is_dir {
                    format!("{rel}/")
                } else {
                    rel.clone()
                });
            }
            if is_dir && depth < 16 {
                stack.push((full, depth + 1));
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Body, Pair};
    use crate::verify::compare::tests::{
        header, json_request, messages, multipart_request, request,
    };
    use std::thread;

    #[test]
    fn a_failing_build_step_is_reported_and_its_outputs_are_not_created_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = RunSpec::simple(&["bash".into()], "sh");
        r.build = Some(vec![
            "bash".into(),
            "-c".into(),
            "echo nope >&2; exit 4".into(),
        ]);
        let err = run_snippet(&r, "true\n", dir.path(), Duration::from_secs(20)).unwrap_err();
        assert!(err.to_string().contains("exited with status 4"), "{err}");
        r.build = Some(vec!["bash".into(), "-c".into(), "touch built".into()]);
        let server = EchoServer::start().unwrap();
        let req = request("GET", "/a", Body::None);
        let report = verify_snippet(&server, &r, &req, Duration::from_secs(20), |base| {
            Ok(format!("curl -s {base}/a >/dev/null; touch after\n"))
        });
        assert_eq!(report.created_files, ["after"]);
    }

    fn runner(lang: &str) -> RunSpec {
        runner_for_language(lang).unwrap()
    }

    const T: Duration = Duration::from_secs(60);

    #[test]
    fn verify_curl_json_post_end_to_end() {
        let server = EchoServer::start().unwrap();
        let mut r =
            json_request("{\n  \"tracking\": \"123mytrack\",\n  \"big\": 12345678901234567891\n}");
        r.headers
            .insert(0, header("Authorization", "Token YOUR_AUTH_TOKEN"));
        r.headers.insert(1, header("X-A", "é"));
        r.query = vec![Pair::new("page", "2")];
        let body = r#"{"tracking": "123mytrack", "big": 12345678901234567891}"#;
        let report = verify_snippet(&server, &runner("curl"), &r, T, |base| {
            Ok(format!(
                "curl -sS -X POST '{base}/orders/a%20b/?page=2' \\\n  -H 'Authorization: Token YOUR_AUTH_TOKEN' \\\n  -H 'X-A: é' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{body}'\n"
            ))
        });
        assert!(report.outcome.is_ok(), "{}", report.outcome);
        assert_eq!(report.requests.len(), 1);
        assert!(report.created_files.is_empty());

        // Wrong: no query, header dropped, big number rounded, and an injected file.
        let report = verify_snippet(&server, &runner("curl"), &r, T, |base| {
            Ok(format!(
                "curl -sS -X POST '{base}/orders/a%20b/' -H 'Content-Type: application/json' --data-raw '{{\"tracking\": \"123mytrack\", \"big\": 12345678901234567000}}'\ntouch pwned\n"
            ))
        });
        let Outcome::Differences(d) = &report.outcome else {
            panic!("{}", report.outcome)
        };
        assert_eq!(
            messages(d),
            vec![
                "query: expected 1 pairs [\"page\"=\"2\"], got 0 pairs []",
                "header Authorization: missing (expected \"Token YOUR_AUTH_TOKEN\")",
                "header X-A: missing (expected \"é\")",
                "body: at /big: expected 12345678901234567891, got 12345678901234567000",
                "files: the snippet created pwned",
            ]
        );
        assert_eq!(report.created_files, vec!["pwned".to_string()]);
    }

    #[test]
    fn parallel_runs_are_told_apart() {
        let server = EchoServer::start().unwrap();
        thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let server = &server;
                    scope.spawn(move || {
                        let r = request("GET", &format!("/item/{i}"), Body::None);
                        verify_snippet(server, &runner("curl"), &r, T, |base| {
                            Ok(format!(
                                "sleep 0.$((RANDOM % 3))\ncurl -sS '{base}/item/{i}'\n"
                            ))
                        })
                    })
                })
                .collect();
            for h in handles {
                let report = h.join().unwrap();
                assert!(
                    report.outcome.is_ok(),
                    "{}: {}",
                    report.run_id,
                    report.outcome
                );
            }
        });
        assert!(server.take_strays().is_empty());
    }

    #[test]
    fn verify_reports_no_request_many_requests_and_failures() {
        let server = EchoServer::start().unwrap();
        let r = request("GET", "/ping", Body::None);
        let report = verify_snippet(&server, &runner("curl"), &r, T, |_| {
            Ok("echo nothing sent >&2\n".into())
        });
        assert_eq!(
            report.outcome,
            Outcome::NoRequest {
                detail: "exited with status 0: nothing sent".into()
            }
        );
        let report = verify_snippet(&server, &runner("curl"), &r, T, |base| {
            Ok(format!("curl -sS '{base}/ping'\ncurl -sS '{base}/ping'\n"))
        });
        assert!(
            matches!(report.outcome, Outcome::ManyRequests { count: 2, .. }),
            "{}",
            report.outcome
        );
        let report = verify_snippet(&server, &runner("curl"), &r, T, |base| {
            Ok(format!("curl -sS '{base}/ping'\nexit 4\n"))
        });
        let Outcome::RunFailed { error, .. } = &report.outcome else {
            panic!("{}", report.outcome)
        };
        assert_eq!(error, "sent the right request but exited with status 4");
        let report = verify_snippet(&server, &runner("curl"), &r, T, |_| {
            Err("bad template".into())
        });
        assert!(report.outcome.to_string().contains("bad template"));
        let report = verify_snippet(
            &server,
            &runner("curl"),
            &r,
            Duration::from_millis(300),
            |_| Ok("sleep 100\n".into()),
        );
        assert!(
            report.outcome.to_string().contains("timed out"),
            "{}",
            report.outcome
        );
    }

    #[test]
    fn verify_python_node_and_httpie_multipart_and_form() {
        let server = EchoServer::start().unwrap();
        let r = multipart_request();
        let python = r#"import requests

with open("data/inventory.csv", "rb") as f:
    response = requests.post(
        "BASE/upload",
        files=[
            ("file", ("inventory.csv", f, "text/csv")),
            ("note", (None, 'nightly "run"')),
        ],
    )
print(response.status_code)
"#;
        let report = verify_snippet(&server, &runner("python"), &r, T, |base| {
            Ok(python.replace("BASE", base))
        });
        assert!(report.outcome.is_ok(), "{}", report.outcome);

        let node = r#"import { readFileSync } from "node:fs";

const form = new FormData();
form.append("file", new Blob([readFileSync("data/inventory.csv")], { type: "text/csv" }), "inventory.csv");
form.append("note", 'nightly "run"');
const response = await fetch("BASE/upload", { method: "POST", body: form });
console.log(response.status);
"#;
        let report = verify_snippet(&server, &runner("node"), &r, T, |base| {
            Ok(node.replace("BASE", base))
        });
        assert!(report.outcome.is_ok(), "{}", report.outcome);

        // HTTPie reads stdin as the body unless stdin is a terminal: run_command gives it one.
        let mut form = request(
            "POST",
            "/token",
            Body::Form {
                fields: vec![
                    Pair::new("grant_type", "password"),
                    Pair::new("scope", "a b"),
                ],
            },
        );
        form.headers.push(header("X-Request-Id", "abc-123"));
        let report = verify_snippet(&server, &runner("httpie"), &form, T, |base| {
            Ok(format!(
                "http --form POST '{base}/token' \\\n  'X-Request-Id:abc-123' \\\n  grant_type=password \\\n  'scope=a b'\n"
            ))
        });
        assert!(report.outcome.is_ok(), "{}", report.outcome);
    }
}
