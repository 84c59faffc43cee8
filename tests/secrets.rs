//! Secrets: only credentials are replaced. `_positions/` puts random-looking data
//! (ids, hashes, cursors, request ids) next to credentials in every position (path,
//! query, header, cookie, JSON, form, multipart, raw body, hand-pasted block): data is
//! sent as written with no warning, credentials (by name or known format) are replaced
//! and warned about at their line.
//!
//! Pages in the crux-docs style (fresh fixtures in `tests/fixtures/secrets/`)
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
    let count = stderr
        .lines()
        .filter(|l| {
            l.contains(": warning: ") && !l.contains("/_positions/") && !l.contains("/_auth/")
        })
        .count();
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
            &parsed.requests[0].request,
            parsed.requests[0].at,
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
                "_webhooks/rotate_key.md" => &["Bearer YOUR_ACCESS_TOKEN", "YOUR_API_KEY"],
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

/// Every position a value can take, with random-looking data and a credential in
/// each (`tests/fixtures/secrets/_positions/`): page, value, whether it is a
/// credential.
const POSITIONS: &[(&str, &str, bool)] = &[
    // path parameters
    ("json_body.md", "9d3c1e7a5b2f4d6e8a0c", false),
    ("json_body.md", "Kq7Rt2Vx9Lm4Np8Zw3Yb", true),
    // query
    ("json_body.md", "dXNlcjo0MjpwYWdlOjI4OTk5MQ", false),
    ("json_body.md", "f3a9c1e7d5b2a8c4e6f0", true),
    // headers
    (
        "json_body.md",
        "47d4yfbwymedhiudj384702984nakju4hajh395d",
        false,
    ),
    ("json_body.md", "Mz8Qw1Er5Ty9Ui3Op7As", true),
    // cookies: every value is a credential by name; a plain one is data
    ("json_body.md", "theme=dark-v2", false),
    ("json_body.md", "fi1us4q9rlphkjbscpo0dtz9iltj7ovp", true),
    // JSON, at any depth
    (
        "json_body.md",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        false,
    ),
    ("json_body.md", "5e0d7a9c2b4f61e83a7d9c0b", false),
    ("json_body.md", "Shelf A7 4b9f2c8e1d3a", false),
    ("json_body.md", "Wd3Fg7Hj1Kl5Zx9Cv2Bn6", true),
    ("json_body.md", "Pl0Ok9Ij8Uh7Yg6Tf5Rd", true),
    (
        "json_body.md",
        "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5z",
        true,
    ),
    // form
    ("form_body.md", "c2c8f4e1a7b39d05e6f2", false),
    ("form_body.md", "Tr0ub4dor3xK9mQ2", true),
    // multipart
    (
        "multipart_body.md",
        "8c7dd922ad47494fc02c388e12c00eac",
        false,
    ),
    ("multipart_body.md", "Zx8Cv7Bn6Mq5Wr4Te3Yu2", true),
    // raw body
    ("raw_body.md", "7b3e9f1c5a2d8e4b6c0f", false),
    ("raw_body.md", "Rt5Yu7Io9Pa1Sd3Fg5Hj", true),
    ("raw_body.md", "AKIAIOSFODNN7EXAMPLE", true),
];

#[test]
fn only_credentials_are_replaced_in_every_position() {
    let site = Site::load(Path::new(DOCS), &SiteOptions::default()).unwrap();
    for page in [
        "json_body.md",
        "form_body.md",
        "multipart_body.md",
        "raw_body.md",
    ] {
        let rel = format!("_positions/{page}");
        let text = std::fs::read_to_string(Path::new(DOCS).join(&rel)).unwrap();
        let mut diags = Vec::new();
        let parsed = parse_page(Path::new(&rel), &text, &site, &site.base_url, &mut diags)
            .unwrap()
            .unwrap();
        let snippets = render_snippets(
            Path::new(&rel),
            &parsed.requests[0].request,
            parsed.requests[0].at,
            &site,
            &mut diags,
        )
        .unwrap();
        for (p, value, credential) in POSITIONS.iter().filter(|(p, ..)| *p == page) {
            for s in &snippets {
                let sent = s.code.contains(value);
                assert_eq!(
                    !sent,
                    *credential,
                    "{p} {}: `{value}` {}:\n{}",
                    s.title,
                    if *credential {
                        "published"
                    } else {
                        "not sent as written"
                    },
                    s.code
                );
            }
        }
    }
}

#[test]
fn credentials_are_warned_about_by_name_and_data_is_not() {
    let (stderr, _out) = build();
    let warned = |page: &str| -> Vec<String> {
        let prefix = format!("{DOCS}/_positions/{page}:");
        let mut w: Vec<String> = stderr
            .lines()
            .filter(|l| l.starts_with(&prefix) && l.contains(": warning: "))
            .map(|l| {
                let m = l.split(": warning: ").nth(1).unwrap();
                m.split(" holds ")
                    .next()
                    .unwrap()
                    .split(" held ")
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        w.sort();
        w
    };
    assert_eq!(
        warned("json_body.md"),
        [
            "`X-Auth-Token`",
            "`api_key`",
            "`json.client_secret`",
            "`json.nested.refresh_token`",
            "`json.note`",
            "`params.invite_token`",
            "`sessionid`",
            "hand-pasted Curl",
        ],
        "{stderr}"
    );
    assert_eq!(warned("form_body.md"), ["`form.password`"], "{stderr}");
    assert_eq!(
        warned("multipart_body.md"),
        ["`multipart upload_token`"],
        "{stderr}"
    );
    assert_eq!(warned("raw_body.md"), ["`body`"], "{stderr}");
    // Each warning is at its value's line (body values: at the body).
    let at = |page: &str, needle: &str, what: &str| {
        let rel = format!("_positions/{page}");
        let prefix = format!("{DOCS}/{rel}:{}:", line_of(&rel, needle));
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(what)),
            "no `{prefix}…{what}` in\n{stderr}"
        );
    };
    at("json_body.md", "invite_token: Kq7", "`params.invite_token`");
    at("json_body.md", "api_key: f3a9", "`api_key`");
    at("json_body.md", "X-Auth-Token:", "`X-Auth-Token`");
    at("json_body.md", "sessionid: fi1", "`sessionid`");
    at("json_body.md", "sha256:", "`json.client_secret`");
    at("json_body.md", "Bearer Ab12", "hand-pasted Curl");
    at("form_body.md", "grant_type:", "`form.password`");
    at("raw_body.md", "body:", "`body`");
}

/// A literal `Authorization: Basic …` / `Bearer …` credential in front-matter
/// `headers:` (under `auth: none`) becomes the matching auth scheme: Basic gets user
/// and password placeholders (never an opaque `Basic YOUR_TOKEN`), Bearer the bearer
/// scheme's placeholder. Data beside it, and a placeholder in the header, are sent as
/// written.
#[test]
fn a_literal_authorization_header_becomes_its_auth_scheme() {
    use docsnip::request::Auth;
    let site = Site::load(Path::new(DOCS), &SiteOptions::default()).unwrap();
    let load = |rel: &str| {
        let text = std::fs::read_to_string(Path::new(DOCS).join(rel)).unwrap();
        let mut diags = Vec::new();
        let parsed = parse_page(Path::new(rel), &text, &site, &site.base_url, &mut diags)
            .unwrap()
            .unwrap();
        let request = parsed.requests[0].request.clone();
        let snippets = render_snippets(
            Path::new(rel),
            &request,
            parsed.requests[0].at,
            &site,
            &mut Vec::new(),
        )
        .unwrap();
        (request, snippets, diags)
    };
    let (r, snippets, diags) = load("_auth/basic_header.md");
    assert_eq!(
        r.auth,
        Auth::Basic {
            username: "YOUR_USERNAME".into(),
            password: "YOUR_PASSWORD".into()
        }
    );
    assert!(
        !r.headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("authorization")),
        "{:?}",
        r.headers
    );
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0]
            .message
            .contains("a user name and password for Basic auth")
            && diags[0].message.contains("write `auth: basic`"),
        "{}",
        diags[0].message
    );
    assert_eq!(
        diags[0].position.map(|(line, _)| line),
        Some(line_of("_auth/basic_header.md", "Authorization:"))
    );
    for s in &snippets {
        assert!(
            !s.code.contains("YWRhOlRyMHViNGRvcjN4SzltUTI"),
            "{}",
            s.code
        );
        assert!(!s.code.contains("YOUR_TOKEN"), "{}: {}", s.title, s.code);
        assert!(
            s.code.contains("YOUR_USERNAME") && s.code.contains("YOUR_PASSWORD"),
            "{}: {}",
            s.title,
            s.code
        );
        // Data is sent as written.
        assert!(
            s.code.contains("47d4yfbwymedhiudj384702984nakju4hajh395d"),
            "{}: {}",
            s.title,
            s.code
        );
    }
    let (r, snippets, diags) = load("_auth/bearer_header.md");
    assert_eq!(
        r.auth,
        Auth::Header {
            name: "Authorization".into(),
            value: "Bearer YOUR_ACCESS_TOKEN".into()
        }
    );
    assert_eq!(
        r.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("authorization"))
            .count(),
        1
    );
    assert!(
        diags[0].message.contains("write `auth: bearer`"),
        "{diags:?}"
    );
    for s in &snippets {
        assert!(s.code.contains("Bearer YOUR_ACCESS_TOKEN"), "{}", s.code);
        assert!(!s.code.contains("8f3kd92jfk3l0sdf9k2jq7Xw"), "{}", s.code);
    }
    // A placeholder is not a credential: sent as written, no warning.
    let (r, _, diags) = load("_auth/placeholder_header.md");
    assert_eq!(r.auth, Auth::None);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(
        r.headers
            .iter()
            .any(|h| h.value == "Basic YOUR_ENCODED_CREDENTIALS")
    );
}
