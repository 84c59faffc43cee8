//! A 4xx/5xx answer (issue 20): every built-in language's snippet, run by its real
//! runtime against the echo server answering `404 Not Found` (and `500`) with a JSON
//! error body, prints the status and the body and exits 0: no crash, no stack trace, no
//! unhandled promise rejection. A missing runtime fails the test, naming what to install.
//!
//! The command-line tools print what their tool prints, which a reader of a shell
//! snippet expects: curl and HTTPie the body (HTTPie adds the status line at a
//! terminal), Wget the body and, with `--server-response`, the status line on stderr,
//! exiting 8 ("the server issued an error response"), its documented code for this.

use docsnip::build::{Site, SiteOptions, parse_page, render_snippets};
use docsnip::verify::echo::{EchoConfig, EchoServer};
use docsnip::verify::process::run_snippet;
use docsnip::verify::tree::check_languages;
use std::path::Path;
use std::time::Duration;

const PAGE: &str = "---\ntitle: /orders/{id}/\nname: Cancel an order\nmethod: post\nrequest:\n  params: { id: A-1 }\n  headers:\n    X-Request-Id: abc-123\n  json:\n    reason: \"it's late\"\n---\n";

fn answers(status: u16, body: &str) {
    let server = EchoServer::start_with(EchoConfig {
        answer: Some((status, body.to_string())),
        ..EchoConfig::default()
    })
    .unwrap();
    let docs = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let languages = docsnip::language::builtins().len();
    let mut ran = 0;
    for lang in docsnip::language::builtins() {
        let run = server.new_run_id();
        let base = server.base_url(&run);
        let site = Site::load(
            docs.path(),
            &SiteOptions {
                langs: Some(vec![lang.name.clone()]),
                base_url: Some(base.clone()),
                ..SiteOptions::default()
            },
        )
        .unwrap();
        let missing = check_languages(&site);
        assert!(
            missing.is_empty(),
            "install the runtimes the snippets need:\n{}",
            missing.join("\n")
        );
        let mut diags = Vec::new();
        let parsed = parse_page(Path::new("p.md"), PAGE, &site, &base, &mut diags)
            .unwrap()
            .unwrap();
        let r = &parsed.requests[0];
        let snippets =
            render_snippets(Path::new("p.md"), &r.request, r.at, &site, &mut diags).unwrap();
        assert_eq!(snippets.len(), 1, "{}: {diags:?}", lang.name);
        let runner = site.languages[0].run.clone().unwrap();
        let work = tempfile::tempdir().unwrap();
        let out = run_snippet(
            &runner,
            &snippets[0].code,
            work.path(),
            Duration::from_secs(120),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", lang.name));
        ran += 1;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let sent = server.take_settled(&run, Duration::from_secs(5)).len();
        let trace = [
            "Traceback",
            "Exception",
            "Unhandled",
            "panicked",
            "Error:",
            "error:",
            "    at ",
        ]
        .iter()
        .find(|t| stderr.contains(**t));
        let shell = ["curl", "httpie", "wget"].contains(&lang.name.as_str());
        let exit_ok = out.status.success() || (lang.name == "wget" && out.status.code() == Some(8));
        let status_shown = if shell {
            lang.name != "wget" || stderr.contains(&format!("HTTP/1.1 {status} "))
        } else {
            stdout.contains(&status.to_string())
        };
        // The body as sent, or (axios) as the parsed object it prints.
        let message = body.split('"').nth(3).unwrap();
        let body_shown = stdout.contains(body.trim_end()) || stdout.contains(message);
        if !exit_ok || sent != 1 || !status_shown || !body_shown || trace.is_some() {
            failures.push(format!(
                "{} ({}): exit {:?}, {sent} request(s), stack trace: {trace:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
                lang.name, lang.title, out.status
            ));
        }
    }
    assert_eq!(ran, languages);
    assert!(
        failures.is_empty(),
        "{} of {languages} snippets do not print a {status} answer:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_language_prints_a_404_answer_instead_of_crashing() {
    answers(404, "{\"error\":\"no such order\",\"id\":\"A-1\"}\n");
}

#[test]
fn every_language_prints_a_500_answer_instead_of_crashing() {
    answers(500, "{\"error\":\"the order service is down\"}\n");
}
