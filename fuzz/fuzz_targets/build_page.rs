//! Bytes of a page, then a NUL, then bytes of a `docsnip.yml`: parse the config, load
//! the site (built-in templates) and build the page in memory. Nothing may panic, hang
//! or eat memory; every outcome (copy, page, failure with diagnostics) is fine.

#![no_main]

use docsnip::build::{Output, Site, SiteOptions, parse_page, process};
use docsnip::import::{Imported, import_page};
use docsnip::config::Config;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

/// Loading templates is slow; the default site is loaded once.
fn default_site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| Site::with_config(Config::default(), &SiteOptions::default()).unwrap())
}

fuzz_target!(|data: &[u8]| {
    let (page, config) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let custom;
    let site = match config {
        None => default_site(),
        Some(bytes) => {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return;
            };
            let Ok(config) = Config::parse(text, Path::new("docsnip.yml")) else {
                return;
            };
            custom = match Site::with_config(config, &SiteOptions::default()) {
                Ok(site) => site,
                Err(_) => return,
            };
            &custom
        }
    };
    let (output, diags) = process(Path::new("docs/page.md"), page, site);
    // Every diagnostic prints as one line.
    for d in &diags {
        assert!(!d.to_string().contains('\n'), "{d:?}");
    }
    if let Output::Failed = output {
        assert!(diags.iter().any(|d| d.is_error()), "failed without an error");
    }
    // `docsnip import`: what it writes builds, and a second import changes nothing.
    if let Ok(text) = std::str::from_utf8(page) {
        let shown = Path::new("docs/page.md");
        if let (Imported::Page { text, .. }, _) = import_page(shown, text, site) {
            let mut d = Vec::new();
            assert!(parse_page(shown, &text, site, &site.base_url, &mut d).is_ok(), "{d:?}");
            assert_eq!(import_page(shown, &text, site).0, Imported::NotApplicable);
        }
    }
});
