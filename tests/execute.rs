//! Execution: every snippet of every fixture page, in every built-in language
//! (`languages/*/`), run by its real runtime against the loopback echo server, must send
//! exactly the request its front-matter describes, unless its template refused the
//! request (then the build warns and writes no snippet). This uses the same machinery
//! as `docsnip verify`. A missing runtime fails the test, naming what to install.

use docsnip::build::{Site, SiteOptions};
use docsnip::verify::tree::{VerifyOptions, check_languages, verify_tree};
use std::path::Path;
use std::time::Duration;

fn verify(docs: &str, endpoint_pages: usize) -> docsnip::verify::tree::VerifyReport {
    let docs = Path::new(docs);
    let all = SiteOptions {
        langs: Some(vec!["all".into()]),
        ..SiteOptions::default()
    };
    let site = Site::load(docs, &all).unwrap();
    let missing = check_languages(&site);
    assert!(
        missing.is_empty(),
        "install the runtimes the snippets need:\n{}",
        missing.join("\n")
    );
    let opts = VerifyOptions {
        jobs: 4,
        timeout: Duration::from_secs(60),
        // As the `docsnip` command runs them: Python and HTTPie through the fork server
        // with docsnip's own client.
        fork_client: Some(env!("CARGO_BIN_EXE_docsnip").into()),
        ..VerifyOptions::default()
    };
    let report = verify_tree(docs, &site, &opts);
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(
        errors.is_empty(),
        "pages failed to build:\n{}",
        errors.join("\n")
    );
    // Every page ran in every language: nothing was silently left out.
    assert_eq!(site.languages.len(), docsnip::language::builtins().len());
    assert_eq!(report.verdicts.len(), endpoint_pages * site.languages.len());
    let failures: Vec<String> = report
        .verdicts
        .iter()
        .filter(|v| v.outcome.is_failure())
        .flat_map(|v| v.lines())
        .collect();
    assert!(
        failures.is_empty(),
        "{} snippets sent the wrong request:\n{}",
        report.failed(),
        failures.join("\n")
    );
    // No snippet created a file: an injected `touch pwned` would have.
    assert!(report.verdicts.iter().all(|v| v.created_files.is_empty()));
    report
}

#[test]
fn every_fixture_snippet_sends_its_request() {
    let pages = std::fs::read_dir("tests/fixtures/pages")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "md")
        })
        .count();
    verify("tests/fixtures/pages", pages);
}

/// Pages with several requests (docsnip comments; one page has no front-matter): every
/// request's snippet in every language sends that request, and is named by it.
#[test]
fn every_request_of_a_multi_request_page_sends_its_request() {
    let report = verify("tests/fixtures/multi", 5);
    let named = |label: &str| {
        report
            .verdicts
            .iter()
            .filter(|v| v.request.as_deref().is_some_and(|r| r.ends_with(label)))
            .count()
    };
    let languages = docsnip::language::builtins().len();
    for label in [
        ": Create an order",
        ": Cancel an order",
        ": Search",
        ": Subscribe",
    ] {
        assert_eq!(named(label), languages, "{label}");
    }
    assert_eq!(
        report
            .verdicts
            .iter()
            .filter(|v| v.request.is_none())
            .count(),
        languages
    );
}

#[test]
fn every_example_site_snippet_sends_its_request() {
    verify("docs", 5);
}
