//! One compile step for many snippets of a language (`run.batch` in its `language.yml`,
//! see [`crate::language::Batch`]), then one run each, judged exactly as
//! [`verify::verify_snippet`] judges a snippet run alone (same run ids, sample files,
//! timeout, request comparison and created-file check).
//!
//! Each snippet gets a sub-folder of one batch folder (`s1`, `s2`, …) holding its file
//! and its sample files; the batch's build step runs once from the batch folder with the
//! sub-folder names; then each snippet's batch command runs from its sub-folder. A build
//! that fails is run once more without the snippets its output names (by sub-folder:
//! `s3/Main.java:5: error: …`); the snippets it named, and all of them when the second
//! build fails too or the output names none, are run on their own with the language's
//! usual build and command, so each gets its own verdict and compiler message.

use crate::language::Batch;
use crate::request::Request;
use crate::verify::echo::EchoServer;
use crate::verify::{self, Ran, Report, RunSpec, Trial};
use rayon::prelude::*;
use std::path::Path;
use std::time::Duration;

/// Renders a snippet for a base URL (as `verify_snippet`'s `code_for`).
pub type Render<'a> = Box<dyn FnOnce(&str) -> Result<String, String> + Send + 'a>;

/// One snippet of a batch: the request it must send and how to render it for a base URL.
pub struct Item<'a> {
    pub expected: &'a Request,
    pub code_for: Render<'a>,
}

/// A snippet written into the batch folder.
struct Member<'a> {
    index: usize,
    trial: Trial,
    expected: &'a Request,
    /// Its sub-folder (`s1`).
    dir: String,
    /// Compiled by the batch build (else run on its own).
    built: bool,
}

/// Verifies `items` with `runner`, compiling them in one step when the runner has a
/// `batch`; one report per item, in order. Runs the snippets over the current rayon
/// pool.
pub fn verify_batch(
    server: &EchoServer,
    runner: &RunSpec,
    items: Vec<Item<'_>>,
    timeout: Duration,
) -> Vec<Report> {
    let runner = &runner.expanded();
    let (Some(batch), Ok(root)) = (
        runner.batch.as_ref(),
        tempfile::Builder::new().prefix("docsnip-batch-").tempdir(),
    ) else {
        return items
            .into_par_iter()
            .map(|it| verify::verify_snippet(server, runner, it.expected, timeout, it.code_for))
            .collect();
    };
    let mut reports: Vec<Option<Report>> = Vec::with_capacity(items.len());
    let mut members = Vec::new();
    for (index, it) in items.into_iter().enumerate() {
        let trial = match Trial::start(server, it.expected, it.code_for) {
            Ok(t) => t,
            Err(report) => {
                reports.push(Some(*report));
                continue;
            }
        };
        let dir = format!("s{}", index + 1);
        let path = root.path().join(&dir);
        let written = std::fs::create_dir(&path)
            .and_then(|()| verify::write_sample_files(&path, &trial.files))
            .and_then(|()| std::fs::write(path.join(&runner.file), &trial.code));
        match written {
            Ok(()) => {
                reports.push(None);
                members.push(Member {
                    index,
                    trial,
                    expected: it.expected,
                    dir,
                    built: false,
                });
            }
            Err(e) => reports.push(Some(trial.failed(format!(
                "writing the snippet into its batch folder failed: {e}"
            )))),
        }
    }
    build(runner, batch, root.path(), &mut members, timeout);
    let done: Vec<(usize, Report)> = members
        .into_par_iter()
        .map(|m| {
            let dir = root.path().join(&m.dir);
            let ran = if m.built {
                run_built(runner, batch, &m.trial, &dir, timeout)
            } else {
                verify::run_single(runner, &m.trial.code, &m.trial.files, &dir, timeout)
            };
            (
                m.index,
                m.trial.judge(server, runner, m.expected, &dir, ran),
            )
        })
        .collect();
    for (index, report) in done {
        reports[index] = Some(report);
    }
    reports
        .into_iter()
        .map(|r| r.expect("every snippet of a batch has a report"))
        .collect()
}

/// Runs the batch build (twice at most, see the module doc) and marks the members it
/// compiled.
fn build(runner: &RunSpec, batch: &Batch, root: &Path, members: &mut [Member], timeout: Duration) {
    let mut pending: Vec<usize> = (0..members.len()).collect();
    for attempt in 0..2 {
        if pending.is_empty() {
            return;
        }
        let dirs: Vec<&str> = pending.iter().map(|&m| members[m].dir.as_str()).collect();
        let argv: Vec<String> = batch
            .build
            .iter()
            .flat_map(|a| match a.as_str() {
                "{dirs}" => dirs.iter().map(|d| d.to_string()).collect(),
                _ => vec![a.clone()],
            })
            .collect();
        // The usual per-step timeout for every 8 snippets: one compiler start, then each
        // snippet costs a fraction of it.
        let steps = u32::try_from(dirs.len().div_ceil(8)).unwrap_or(u32::MAX);
        let out = verify::run_step(
            runner,
            &argv,
            root,
            timeout.saturating_mul(steps.max(1)),
            verify::Step::Build,
        );
        match out {
            Ok(out) if out.status.success() => {
                for &m in &pending {
                    members[m].built = true;
                }
                return;
            }
            Ok(out) if attempt == 0 => {
                let mut said = String::from_utf8_lossy(&out.stderr).into_owned();
                said.push_str(&String::from_utf8_lossy(&out.stdout));
                let named: Vec<usize> = pending
                    .iter()
                    .copied()
                    .filter(|&m| names_dir(&said, &members[m].dir))
                    .collect();
                if named.is_empty() {
                    return;
                }
                pending.retain(|m| !named.contains(m));
            }
            // A second failure, a timeout, a missing compiler: each snippet on its own.
            _ => return,
        }
    }
}

/// Runs a snippet the batch build compiled, from its sub-folder.
fn run_built(runner: &RunSpec, batch: &Batch, trial: &Trial, dir: &Path, timeout: Duration) -> Ran {
    // What the build left in the sub-folder is the snippet's own; anything new after
    // the run is not.
    let built = verify::created_files(dir, runner, &trial.files, &[]);
    verify::run_step(runner, &batch.command, dir, timeout, verify::Step::Snippet)
        .map(|out| (out, built))
}

/// Whether a compiler's output names a file in sub-folder `dir` (`s3/Main.java`, not
/// `s13/Main.java`).
fn names_dir(said: &str, dir: &str) -> bool {
    let needle = format!("{dir}/");
    said.match_indices(&needle).any(|(at, _)| {
        !said[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Renderer;
    use crate::verify::{Outcome, runner_for_language};

    /// Verifies four snippets of `lang` in one batch: `/broken` has `broken` appended
    /// (it does not compile), `/writes` creates a file `pwned` (`write` is put after
    /// `main_opens`). Returns the reports.
    fn batch_of_four(lang: &str, broken: &str, main_opens: &str, write: &str) -> Vec<Report> {
        let runner = runner_for_language(lang).unwrap();
        assert!(
            runner.batch.is_some(),
            "languages/{lang} declares run.batch"
        );
        let problems = verify::check_needs(&runner.needs);
        assert!(
            problems.is_empty(),
            "install {lang}'s runtime: {problems:?}"
        );
        let server = EchoServer::start().unwrap();
        let renderer = Renderer::new(None, &[lang.to_string()]).unwrap();
        let requests: Vec<Request> = ["/a", "/broken", "/c", "/writes"]
            .iter()
            .map(|p| Request::loopback_get(p))
            .collect();
        let items = requests
            .iter()
            .map(|req| {
                let renderer = &renderer;
                Item {
                    expected: req,
                    code_for: Box::new(move |base: &str| {
                        let mut r = req.clone();
                        r.url = format!("{base}{}", req.path);
                        r.url_base = r.url.clone();
                        let code = renderer.render(lang, &r).map_err(|e| e.to_string())?;
                        assert!(code.contains(main_opens), "{code}");
                        Ok(match req.path.as_str() {
                            "/broken" => format!("{code}{broken}"),
                            "/writes" => code.replace(main_opens, &format!("{main_opens}{write}")),
                            _ => code,
                        })
                    }),
                }
            })
            .collect();
        let reports = verify_batch(&server, &runner, items, Duration::from_secs(300));
        assert_eq!(reports.len(), 4);
        assert_eq!(reports[0].outcome, Outcome::Ok, "{}", reports[0].outcome);
        assert_eq!(reports[2].outcome, Outcome::Ok, "{}", reports[2].outcome);
        assert!(reports[1].outcome.is_failure(), "{}", reports[1].outcome);
        assert!(reports[3].outcome.is_failure(), "{}", reports[3].outcome);
        assert_eq!(reports[3].created_files, ["pwned"]);
        // What the batch build wrote (class files, binaries) is not taken for files the
        // snippets created.
        for r in &reports[..3] {
            assert!(r.created_files.is_empty(), "{:?}", r.created_files);
        }
        reports
    }

    /// Java batches: the snippet that does not compile fails on its own with javac's
    /// message; the others pass; a written file is caught. Needs a JDK.
    #[test]
    fn java_batch_fails_only_the_snippet_that_does_not_compile() {
        let reports = batch_of_four(
            "java",
            "class Broken { int x = ; }\n",
            "throws Exception {",
            "\n        new java.io.File(\"pwned\").createNewFile();",
        );
        let broken = &reports[1];
        assert!(
            broken.outcome.to_string().contains("compilation failed"),
            "{}",
            broken.outcome
        );
        let stderr = String::from_utf8_lossy(&broken.output.as_ref().unwrap().stderr);
        assert!(
            stderr.contains("Main.java:") && stderr.contains("error:"),
            "javac's own message: {stderr}"
        );
    }

    /// Rust batches the same way (one cargo build); the broken snippet's verdict is
    /// its own build step's failure, with rustc's message. Needs cargo and the cached
    /// reqwest build (`scripts/test.sh`).
    #[test]
    fn rust_batch_fails_only_the_snippet_that_does_not_compile() {
        let reports = batch_of_four(
            "rust",
            "fn broken() { let x: u8 = ; }\n",
            "std::error::Error>> {",
            "\n    std::fs::write(\"pwned\", \"\")?;",
        );
        let broken = reports[1].outcome.to_string();
        assert!(broken.contains("the build step"), "{broken}");
        assert!(broken.contains("error: expected expression"), "{broken}");
    }

    #[test]
    fn a_compiler_message_names_its_sub_folder_only() {
        let said =
            "s3/Main.java:5: error: ';' expected\n/tmp/docsnip-batch-x/s12/Main.java:1: warning";
        assert!(names_dir(said, "s3"));
        assert!(names_dir(said, "s12"));
        assert!(!names_dir(said, "s2"));
        assert!(!names_dir(said, "s1"));
        assert!(!names_dir("as3/x", "s3"));
    }
}
