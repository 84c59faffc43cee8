//! Secrets: pages in the crux-docs style (fresh fixtures in `tests/fixtures/secrets/`)
//! carry live-looking credentials (long hex and base64 tokens, `sk_live_…`/`rk_live_…`
//! keys, JWTs) in headers, query, JSON and form bodies, and in hand-pasted snippet
//! blocks. Each gets a warning at its file and line, and no generated snippet carries
//! any of them: auth uses the configured placeholders, and a pasted credential is
//! replaced by `YOUR_TOKEN` / `YOUR_API_KEY` / `YOUR_JWT`.

use assert_cmd::Command;
use docsnip::build::{Site, SiteOptions, parse_page, render_snippets};
use std::path::Path;

const DOCS: &str = "tests/fixtures/secrets";

/// Every credential in the fixtures, and the page it is on.
const SECRETS: &[(&str, &str)] = &[
    (
        "_partners/create_shipment.md",
        "sk_live_51Hx9QeLmZp7TrVw3Kd0aYbN",
    ),
    (
        "_partners/create_shipment.md",
        "9b2e7c41d0a85f36e1c49a7b02d8f5e6a3c1907b",
    ),
    (
        "_partners/create_shipment.md",
        "Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZkdISUpLTE1O",
    ),
    (
        "_partners/create_shipment.md",
        "5e0d7a9c2b4f61e83a7d9c0b1e2f4a6d8c3b5e7f",
    ),
    (
        "_webhooks/rotate_key.md",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3ZWJob29rLTQyIn0.q7Vb3mK9sLx2WcTzR8nPfA",
    ),
    ("_webhooks/rotate_key.md", "rk_live_7Qm2Xv9LpB4nTz8Kc1Rw"),
    (
        "_webhooks/rotate_key.md",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJoYW5kLXBhc3RlZCJ9.Zk3Lp9Qx2Vb7Nm4Rt8Wc",
    ),
];

/// 1-based line of the first occurrence of `needle` in the file.
fn line_of(rel: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(Path::new(DOCS).join(rel)).unwrap();
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {rel}"));
    text[..at].matches('\n').count() + 1
}

fn build() -> (String, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("docsnip")
        .unwrap()
        .arg(DOCS)
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    (stderr, out)
}

#[test]
fn every_credential_is_warned_about_at_its_line() {
    let (stderr, _out) = build();
    let warned = |rel: &str, line: usize, what: &str| {
        let prefix = format!("{DOCS}/{rel}:{line}:");
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(": warning: ") && l.contains(what)),
            "no warning `{prefix}…{what}` in:\n{stderr}"
        );
    };
    let shipment = "_partners/create_shipment.md";
    warned(
        shipment,
        line_of(shipment, "sk_live_51"),
        "`access_token` holds what looks like a live credential (a live API key)",
    );
    warned(
        shipment,
        line_of(shipment, "9b2e7c41"),
        "`X-Partner-Signature` holds what looks like a live credential (a long hex token)",
    );
    // Body values are reported at the body (`json:` / `form:` value).
    warned(
        shipment,
        line_of(shipment, "carrier: ups"),
        "`json.webhook_secret` holds what looks like a live credential (a long base64 token)",
    );
    warned(
        shipment,
        line_of(shipment, "5e0d7a9c"),
        "hand-pasted Curl held what looks like a live credential",
    );
    let rotate = "_webhooks/rotate_key.md";
    warned(
        rotate,
        line_of(rotate, "Bearer eyJ"),
        "`Authorization` holds what looks like a live credential (a JWT)",
    );
    warned(
        rotate,
        line_of(rotate, "endpoint: hooks-42"),
        "`form.old_key` holds what looks like a live credential (a live API key)",
    );
    warned(
        rotate,
        line_of(rotate, "eyJzdWIiOiJoYW5k"),
        "hand-pasted Python (requests) held what looks like a live credential",
    );
    // Placeholders and short ids are not credentials.
    assert!(
        !stderr.contains("list_hooks.md"),
        "list_hooks.md was warned about:\n{stderr}"
    );
    let count = stderr.lines().filter(|l| l.contains(": warning: ")).count();
    assert_eq!(count, 7, "{stderr}");
}

#[test]
fn snippets_carry_only_placeholders() {
    let site = Site::load(Path::new(DOCS), &SiteOptions::default()).unwrap();
    for rel in [
        "_partners/create_shipment.md",
        "_webhooks/rotate_key.md",
        "_webhooks/list_hooks.md",
    ] {
        let text = std::fs::read_to_string(Path::new(DOCS).join(rel)).unwrap();
        let mut diags = Vec::new();
        let parsed = parse_page(Path::new(rel), &text, &site, &site.base_url, &mut diags)
            .unwrap()
            .unwrap();
        let snippets = render_snippets(
            Path::new(rel),
            &parsed.request,
            parsed.at,
            &site,
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(snippets.len(), 4);
        for s in &snippets {
            for (_, secret) in SECRETS {
                assert!(
                    !s.code.contains(secret),
                    "{rel} {}: publishes {secret}:\n{}",
                    s.title,
                    s.code
                );
            }
            let placeholders: &[&str] = match rel {
                "_partners/create_shipment.md" => {
                    &["YOUR_AUTH_TOKEN", "YOUR_API_KEY", "YOUR_TOKEN"]
                }
                "_webhooks/rotate_key.md" => &["Bearer YOUR_JWT", "YOUR_API_KEY"],
                _ => &["YOUR_AUTH_TOKEN", "YOUR_TOKEN"],
            };
            for p in placeholders {
                assert!(s.code.contains(p), "{rel} {}: no {p}:\n{}", s.title, s.code);
            }
        }
    }
}

#[test]
fn hand_pasted_credentials_are_gone_from_out() {
    let (_, out) = build();
    for (rel, secret) in SECRETS {
        let built = std::fs::read_to_string(out.path().join(rel)).unwrap();
        let source = std::fs::read_to_string(Path::new(DOCS).join(rel)).unwrap();
        let (fm_end, _) = source.match_indices("\n---\n").next().unwrap();
        if source[..fm_end].contains(secret) {
            // In `request:` (the user's front-matter is kept as written): present only
            // there, not in any generated block.
            assert_eq!(built.matches(secret).count(), 1, "{rel}: {secret}");
        } else {
            // Only in a hand-pasted block, which docsnip replaced.
            assert!(!built.contains(secret), "{rel} still holds {secret}");
        }
    }
}
