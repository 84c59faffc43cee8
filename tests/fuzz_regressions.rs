//! The fuzz target (`fuzz/fuzz_targets/build_page.rs`) as a test: every input in
//! `tests/fixtures/fuzz/` (a page's bytes, optionally a NUL and a config's bytes) is
//! built in memory. Nothing may panic, each input finishes within seconds, every
//! diagnostic is one line, and a failed page says why. Crashes the fuzzer finds are
//! added here; the directory also holds hand-made hostile inputs (nesting, alias bombs,
//! odd encodings, odd configs, hostile hand-pasted curl for `docsnip import`).

use docsnip::build::{Output, Site, SiteOptions, parse_page, process};
use docsnip::config::Config;
use docsnip::import::{Imported, import_page};
use std::path::Path;
use std::time::{Duration, Instant};

/// What the fuzz target does with one input; `Err` when an invariant breaks.
fn build_in_memory(data: &[u8]) -> Result<(), String> {
    let (page, config) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let config = match config {
        None => Config::default(),
        Some(bytes) => {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return Ok(());
            };
            match Config::parse(text, Path::new("docsnip.yml")) {
                Ok(c) => c,
                Err(d) => {
                    let line = d.to_string();
                    return if line.contains('\n') {
                        Err(format!("multi-line diagnostic {line:?}"))
                    } else {
                        Ok(())
                    };
                }
            }
        }
    };
    let Ok(site) = Site::with_config(config, &SiteOptions::default()) else {
        return Ok(());
    };
    let (output, diags) = process(Path::new("docs/page.md"), page, &site);
    for d in &diags {
        if d.to_string().contains('\n') {
            return Err(format!("multi-line diagnostic {d:?}"));
        }
    }
    if output == Output::Failed && !diags.iter().any(|d| d.is_error()) {
        return Err(format!("failed without an error: {diags:?}"));
    }
    // `docsnip import` on the same page: what it writes builds, and a second import
    // changes nothing.
    if let Ok(text) = std::str::from_utf8(page) {
        let shown = Path::new("docs/page.md");
        let (imported, diags) = import_page(shown, text, &site);
        for d in &diags {
            if d.to_string().contains('\n') {
                return Err(format!("multi-line import diagnostic {d:?}"));
            }
        }
        if let Imported::Page { text, .. } = imported {
            let mut d = Vec::new();
            if parse_page(shown, &text, &site, &site.base_url, &mut d).is_err() {
                return Err(format!("an imported page does not build: {d:?}"));
            }
            if import_page(shown, &text, &site).0 != Imported::NotApplicable {
                return Err("a second import changed the page".into());
            }
        }
    }
    Ok(())
}

#[test]
fn fuzz_inputs_build_without_panics() {
    let mut n = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir("tests/fixtures/fuzz")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let data = std::fs::read(&path).unwrap();
        n += 1;
        let started = Instant::now();
        let result = std::panic::catch_unwind(|| build_in_memory(&data));
        let took = started.elapsed();
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("{}: {e}", path.display())),
            Err(_) => failures.push(format!("{}: panicked", path.display())),
        }
        // A hang guard, not a speed test (speed is in BENCHMARKS.md): an input that takes
        // a minute is an expansion bomb, whatever else the machine is running.
        if took > Duration::from_secs(60) {
            failures.push(format!("{}: took {took:?}", path.display()));
        }
    }
    assert!(n >= 20, "the fuzz inputs are missing");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
