//! `docsnip import`, proven by round trips: for every fixture page in
//! `tests/fixtures/import/` (hand-pasted curl in every form import reads), the ORIGINAL
//! curl command is run by bash against the loopback echo server, then the page is
//! imported and built, the generated Curl snippet is run the same way, and the two
//! recorded requests must be identical: method, path, query, headers and body bytes.
//! Two differences are by design and normalized before comparing: a multipart
//! boundary (curl picks a random one each run), and a JSON body's layout (docsnip
//! writes JSON pretty-printed; the two bodies must be the same JSON, numbers as
//! written, and Content-Length is then not compared). Headers are compared in
//! name order (HTTP gives no meaning to the order of different headers), and a space
//! in the query as `%20` whether sent as `+` (curl's `-G --data-urlencode`) or `%20`
//! (docsnip's snippets): the query string's form encoding reads both as a space.
//! Plus the CLI: refusals at file:line with the page unchanged, disagreements,
//! credentials, idempotence, --check and --in-place.

use assert_cmd::Command;
use docsnip::build::{Site, SiteOptions, parse_page, render_snippets};
use docsnip::import::curl::Curl;
use docsnip::import::{Imported, import_page, shell};
use docsnip::language::RunSpec;
use docsnip::verify::echo::{EchoServer, Recorded};
use docsnip::verify::run_snippet;
use std::path::Path;
use std::time::Duration;

const FIXTURES: &str = "tests/fixtures/import";
const BASE: &str = "https://api.example.com";

/// The code of the page's block titled `Curl` (in right_code or the body), de-indented.
fn curl_block(page: &str) -> String {
    let lines: Vec<&str> = page.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.trim() != "{: title=\"Curl\" }" {
            continue;
        }
        let close = i - 1;
        let indent = lines[close].len() - lines[close].trim_start().len();
        let open = (0..close)
            .rev()
            .find(|&j| lines[j].trim_start().starts_with("~~~"))
            .unwrap();
        return lines[open + 1..close]
            .iter()
            .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
            .collect();
    }
    panic!("no Curl block in\n{page}");
}

/// Runs bash `code` in `dir` and returns the one request the echo server got.
fn send(server: &EchoServer, run: &str, code: &str, dir: &Path) -> Recorded {
    let out = run_snippet(
        &RunSpec::simple(&["bash".to_string()], ".sh"),
        code,
        dir,
        Duration::from_secs(30),
    )
    .unwrap_or_else(|e| panic!("cannot run bash + curl ({e}): install bash and curl"));
    assert!(
        out.status.success(),
        "{code}\nfailed: {}",
        out.stderr_tail()
    );
    let mut got = server.take_settled(run, Duration::from_secs(5));
    assert_eq!(got.len(), 1, "{code}\nsent {} requests", got.len());
    got.remove(0)
}

/// What is compared: method, path, query, headers (name order), body.
#[derive(Debug, PartialEq)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
}

fn seen(r: &Recorded) -> Seen {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), lossy(v)))
        .collect();
    let mut body = lossy(&r.body);
    let ct = r.header("content-type").map(lossy).unwrap_or_default();
    if let Some(b) = ct.split("boundary=").nth(1) {
        body = body.replace(b, "BOUNDARY");
        for h in &mut headers {
            h.1 = h.1.replace(b, "BOUNDARY");
        }
    }
    if ct.starts_with("application/json")
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&body)
    {
        body = format!("JSON {v}");
        headers.retain(|(n, _)| n != "content-length");
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    Seen {
        method: r.method.clone(),
        path: lossy(&r.path),
        query: r.query.as_deref().map(|q| lossy(q).replace('+', "%20")),
        headers,
        body,
    }
}

fn site(base_url: Option<String>) -> Site {
    Site::load(
        Path::new(FIXTURES),
        &SiteOptions {
            base_url,
            ..SiteOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn every_imported_page_sends_what_its_hand_pasted_curl_sent() {
    let server = EchoServer::start().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("inventory.csv"), "sku,qty\nA-1,5\n").unwrap();
    let import_site = site(None);
    let mut pages: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 12, "{pages:?}");
    for path in &pages {
        let page = std::fs::read_to_string(path).unwrap();

        // 1. The original command, pointed at the echo server (and only there).
        let run = server.new_run_id();
        let original = curl_block(&page).replace(BASE, &server.base_url(&run));
        let parsed = Curl::parse(&shell::words(&original).unwrap()).unwrap();
        assert!(
            parsed
                .url
                .starts_with(&format!("http://127.0.0.1:{}/", server.port())),
            "{}: the curl must target the echo server: {}",
            path.display(),
            parsed.url
        );
        let before = send(&server, &run, &original, work.path());

        // 2. Import, then build with the echo server as base URL.
        let (imported, diags) = import_page(path, &page, &import_site);
        let Imported::Page {
            text,
            disagreements,
        } = imported
        else {
            panic!("{}: not imported: {diags:?}", path.display());
        };
        assert_eq!(disagreements, 0, "{}: {diags:?}", path.display());
        assert!(
            diags.is_empty(),
            "{}: {}",
            path.display(),
            diags
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        // A second import changes nothing.
        assert_eq!(
            import_page(path, &text, &import_site).0,
            Imported::NotApplicable
        );
        let run2 = server.new_run_id();
        let build_site = site(Some(server.base_url(&run2)));
        let mut d = Vec::new();
        let parsed = parse_page(path, &text, &build_site, &build_site.base_url, &mut d)
            .unwrap_or_else(|_| {
                panic!("{}: the imported page fails: {d:?}\n{text}", path.display())
            })
            .unwrap_or_else(|| panic!("{}: not an endpoint page:\n{text}", path.display()));
        assert!(d.is_empty(), "{}: {d:?}", path.display());
        let snippets = render_snippets(
            path,
            &parsed.requests[0].request,
            parsed.requests[0].at,
            &build_site,
            &mut d,
        )
        .unwrap();
        let generated = &snippets.iter().find(|s| s.title == "Curl").unwrap().code;

        // 3. The generated snippet sends the same request.
        let after = send(&server, &run2, generated, work.path());
        assert_eq!(
            seen(&before),
            seen(&after),
            "{}:\noriginal:\n{original}\nimported front-matter:\n{}\ngenerated:\n{generated}",
            path.display(),
            text.split("\n---").next().unwrap()
        );
    }
}

fn docsnip() -> Command {
    Command::cargo_bin("docsnip").unwrap()
}

fn tree_with(config: &str, pages: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::copy(config, docs.join("docsnip.yml")).unwrap();
    for (name, text) in pages {
        std::fs::write(docs.join(name), text).unwrap();
    }
    tmp
}

fn page_with_curl(curl: &str) -> String {
    format!("---\ntitle: T\n---\n\nText.\n\n~~~ bash\n{curl}\n~~~\n{{: title=\"Curl\" }}\n")
}

#[test]
fn an_unreadable_curl_is_reported_at_its_line_and_the_page_left_unchanged() {
    let cases = [
        (
            "variable.md",
            "curl https://api.example.com/a -d \"$BODY\"",
            "variable the page does not set",
            8,
        ),
        (
            "subst.md",
            "curl \"$(cat url.txt)/orders\"",
            "command substitution",
            8,
        ),
        (
            "option.md",
            "curl --compressed https://api.example.com/a",
            "--compressed",
            8,
        ),
        (
            "placeholder.md",
            "curl https://api.example.com/a -H X-Id:<ID>",
            "placeholder that bash reads as a redirection",
            8,
        ),
        (
            "file.md",
            "curl -d @body.json https://api.example.com/a",
            "from a file",
            8,
        ),
        (
            "unbuildable.md",
            "curl https://api.example.com/a -H 'X-A: a\\:b'",
            "would not build",
            8,
        ),
    ];
    let pages: Vec<(String, String)> = cases
        .iter()
        .map(|(n, c, _, _)| (n.to_string(), page_with_curl(c)))
        .collect();
    let refs: Vec<(&str, &str)> = pages
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let tmp = tree_with("tests/fixtures/import/docsnip.yml", &refs);
    let docs = tmp.path().join("docs");
    let out = docsnip()
        .arg("import")
        .arg("--in-place")
        .arg(&docs)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    for (name, _, why, line) in cases {
        let l = err
            .lines()
            .find(|l| l.contains(&format!("{name}:")))
            .unwrap_or_else(|| panic!("{name} not reported:\n{err}"));
        assert!(
            l.contains(&format!("{name}:{line}:"))
                && l.contains(why)
                && l.contains("left unchanged"),
            "{name}: {l}"
        );
        assert_eq!(
            std::fs::read_to_string(docs.join(name)).unwrap(),
            pages.iter().find(|(n, _)| n == name).unwrap().1
        );
    }
    assert!(
        err.contains("0 pages imported (0 with disagreeing blocks), 6 refused"),
        "{err}"
    );
    // CI can insist.
    let out = docsnip()
        .args(["import", "--deny-warnings", "--check"])
        .arg(&docs)
        .arg(tmp.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn disagreeing_blocks_credentials_check_and_in_place() {
    let auth =
        std::fs::read_to_string("examples/migrate/_documentation/authentication.md").unwrap();
    let leaked = page_with_curl(
        "curl https://api-sandbox.example.com/a -H 'Authorization: Token 8f14e45fceea167a5a36dedd4bea2543'",
    );
    let tmp = tree_with(
        "examples/migrate/docsnip.yml",
        &[("authentication.md", &auth), ("leaked.md", &leaked)],
    );
    let docs = tmp.path().join("docs");

    // --check lists what would change and writes nothing.
    let out = docsnip()
        .args(["import", "--check"])
        .arg(&docs)
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!tmp.path().join("out").exists());

    let out = docsnip()
        .args(["import", "--in-place"])
        .arg(&docs)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // curl sends POST with -d $'{}'; HTTPie, Python and Node.js say GET.
    assert!(
        err.contains("authentication.md:15:3: warning: the hand-pasted blocks disagree: Curl sends POST https://api-sandbox.example.com/path/to/api/endpoint/, but HTTPie sends GET https://api-sandbox.example.com/path/to/api/endpoint/, Python (requests) sends GET, Node.js sends GET; docsnip import wrote what curl sends"),
        "{err}"
    );
    assert!(err.contains("1 with disagreeing blocks"), "{err}");
    assert!(err.contains("leaked.md:8:1: warning: the Curl block's `Authorization` header looks like a live credential"), "{err}");
    let imported = std::fs::read_to_string(docs.join("authentication.md")).unwrap();
    assert!(
        imported.contains(
            "method: POST\nrequest:\n  path: /path/to/api/endpoint/\n  auth: token\n  json: {}\n"
        ),
        "{imported}"
    );
    // Every other byte is kept.
    let inserted_at = imported.find("method: POST").unwrap();
    let len = imported.len() - auth.len();
    assert_eq!(
        format!(
            "{}{}",
            &imported[..inserted_at],
            &imported[inserted_at + len..]
        ),
        auth
    );
    // The token became the scheme's placeholder.
    assert!(
        std::fs::read_to_string(docs.join("leaked.md"))
            .unwrap()
            .contains("auth: token")
    );

    // A second import changes nothing.
    let before = std::fs::read(docs.join("authentication.md")).unwrap();
    let out = docsnip()
        .args(["import", "--in-place"])
        .arg(&docs)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(docs.join("authentication.md")).unwrap(),
        before
    );
    let out = docsnip()
        .args(["import", "--check", "--in-place"])
        .arg(&docs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------
// Property: import reads back exactly what docsnip's own Curl snippet sends
// ---------------------------------------------------------------------------

mod reads_back {
    use super::*;
    use docsnip::config::Config;
    use docsnip::request::Request;
    use proptest::prelude::*;
    use std::fmt::Write as _;

    fn hostile_char() -> impl Strategy<Value = char> {
        prop_oneof![
            6 => prop::sample::select(vec![
                '\'', '"', '$', '`', '\\', '%', '!', '&', ';', '|', '*', '?', '#', '~', '(', ')',
                '{', '}', '[', ']', '<', '>', '=', ':', '@', ',', '+', '/', '.', '-', ' ', '^',
            ]),
            4 => prop::char::range('a', 'z'),
            1 => prop::char::range('0', '9'),
            2 => prop::sample::select(vec!['\n', '\r', '\t']),
            1 => prop::sample::select(vec!['\u{1}', '\u{1b}', '\u{7f}', '\u{85}']),
            2 => prop::sample::select(vec!['\u{2028}', '\u{feff}', '\u{200b}', '\u{a0}']),
            2 => prop::sample::select(vec!['é', '中', '😀', '\u{10ffff}']),
        ]
    }

    fn hostile() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["", "", "@", "<", "-", "--", "=", ":", "$'"]),
            prop::collection::vec(hostile_char(), 0..12),
        )
            .prop_map(|(p, chars)| {
                let mut s = p.to_string();
                s.extend(chars);
                s
            })
    }

    fn header_value() -> impl Strategy<Value = String> {
        hostile().prop_map(|s| {
            s.replace('\\', "/")
                .chars()
                .filter(|c| !c.is_control() || *c == '\t')
                .collect::<String>()
                .trim_matches(char::is_whitespace)
                .to_string()
        })
    }

    fn distinct(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(hostile(), n).prop_map(|mut v| {
            let mut seen = std::collections::HashSet::new();
            v.retain(|s| seen.insert(s.clone()));
            v
        })
    }

    fn yq(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() || !c.is_ascii() => {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[derive(Debug, Clone)]
    enum Body {
        Json(Vec<(String, String)>),
        Form(Vec<(String, String)>),
        Multipart(Vec<(String, String)>),
        Raw(String),
        None,
    }

    fn pairs(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<(String, String)>> {
        distinct(n).prop_flat_map(|names| {
            let k = names.len();
            (Just(names), prop::collection::vec(hostile(), k))
                .prop_map(|(n, v)| n.into_iter().zip(v).collect())
        })
    }

    fn body() -> impl Strategy<Value = Body> {
        prop_oneof![
            pairs(0..3).prop_map(Body::Json),
            pairs(1..3).prop_map(Body::Form),
            pairs(1..3).prop_map(Body::Multipart),
            hostile().prop_map(Body::Raw),
            Just(Body::None),
        ]
    }

    fn page(
        method: &str,
        auth: &str,
        param: &str,
        query: &[(String, String)],
        header: &str,
        body: &Body,
    ) -> String {
        let mut p = format!(
            "---\ntitle: T\nmethod: {method}\nrequest:\n  path: /items/{{id}}/x\n  params:\n    id: {}\n",
            yq(param)
        );
        if !query.is_empty() {
            p.push_str("  query:\n");
            for (k, v) in query {
                let _ = writeln!(p, "    {}: {}", yq(k), yq(v));
            }
        }
        let _ = writeln!(p, "  headers:\n    X-Hostile: {}", yq(header));
        let _ = writeln!(p, "  auth: {auth}");
        match body {
            Body::Json(entries) => {
                p.push_str("  json: {");
                for (i, (k, v)) in entries.iter().enumerate() {
                    let _ = write!(p, "{}{}: {}", if i > 0 { ", " } else { "" }, yq(k), yq(v));
                }
                p.push_str("}\n");
            }
            Body::Form(fields) => {
                p.push_str("  form:\n");
                for (k, v) in fields {
                    let _ = writeln!(p, "    {}: {}", yq(k), yq(v));
                }
            }
            Body::Multipart(parts) => {
                p.push_str("  multipart:\n");
                for (k, v) in parts {
                    let _ = writeln!(p, "    - {{ name: {}, value: {} }}", yq(k), yq(v));
                }
                p.push_str("    - { name: file, file: inventory.csv, content_type: text/csv }\n");
            }
            Body::Raw(text) => {
                let _ = writeln!(p, "  body: {}\n  content_type: text/plain", yq(text));
            }
            Body::None => {}
        }
        p.push_str("---\n");
        p
    }

    fn site() -> Site {
        Site::with_config(Config::default(), &SiteOptions::default()).unwrap()
    }

    fn request(site: &Site, text: &str) -> Option<Request> {
        let mut d = Vec::new();
        parse_page(Path::new("p.md"), text, site, &site.base_url, &mut d)
            .ok()
            .flatten()
            .map(|mut p| p.requests.swap_remove(0).request)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Hostile text in the path, query, a header and every body kind, with every
        /// built-in auth scheme: the Curl
        /// snippet docsnip generates, pasted into a page with no request and imported,
        /// gives back the very same normalized request.
        #[test]
        fn import_of_a_generated_curl_gives_back_its_request(
            method in prop::sample::select(vec!["get", "post", "put", "patch", "delete"]),
            auth in prop::sample::select(vec!["token", "bearer", "basic", "key", "none"]),
            param in hostile(),
            query in pairs(0..3),
            header in header_value(),
            body in body(),
        ) {
            let site = site();
            let original = page(method, auth, &param, &query, &header, &body);
            // Pages docsnip refuses (what no client can send) are not this property's.
            let Some(want) = request(&site, &original) else { return Ok(()) };
            let snippets =
                render_snippets(Path::new("p.md"), &want, (1, 1), &site, &mut Vec::new()).unwrap();
            let code = &snippets.iter().find(|s| s.title == "Curl").unwrap().code;
            let fence = "~".repeat(12);
            let pasted = format!("---\ntitle: T\n---\n\n{fence} bash\n{code}\n{fence}\n{{: title=\"Curl\" }}\n");
            let (imported, diags) = import_page(Path::new("p.md"), &pasted, &site);
            let Imported::Page { text, disagreements } = imported else {
                return Err(TestCaseError::fail(format!("refused: {diags:?}\n{pasted}")));
            };
            prop_assert_eq!(disagreements, 0);
            let got = request(&site, &text);
            prop_assert_eq!(got.as_ref(), Some(&want), "{}\n{}", pasted, text);
        }
    }
}

#[test]
fn the_request_block_stays_the_body_when_curl_sends_it_and_is_reported_when_not() {
    let site = site(None);
    let page = |block: &str| {
        format!(
            "---\ntitle: T\nright_code: |\n  ~~~ json\n  {block}\n  ~~~\n  {{: title=\"Request\" }}\n\n  ~~~ bash\n  curl https://api.example.com/a -H 'Content-Type: application/json' -d '{{\"a\": 1}}'\n  ~~~\n  {{: title=\"Curl\" }}\n---\n"
        )
    };
    let same = page("{ \"a\": 1 }");
    let (
        Imported::Page {
            text,
            disagreements,
        },
        diags,
    ) = import_page(Path::new("p.md"), &same, &site)
    else {
        panic!("not imported")
    };
    assert_eq!((disagreements, diags.len()), (0, 0), "{diags:?}");
    assert!(!text.contains("json:"), "{text}");
    assert!(
        text.contains("request:\n  path: /a\n  auth: none\nright_code: |\n"),
        "{text}"
    );

    let differs = page("{ \"a\": 2 }");
    let (
        Imported::Page {
            text,
            disagreements,
        },
        diags,
    ) = import_page(Path::new("p.md"), &differs, &site)
    else {
        panic!("not imported")
    };
    assert_eq!(disagreements, 1);
    assert_eq!(diags[0].position, Some((5, 3)), "{diags:?}");
    assert!(
        diags[0]
            .message
            .contains("the `Request` block is not the JSON body curl sends"),
        "{diags:?}"
    );
    assert!(text.contains("  json:\n    a: 1\n"), "{text}");
}

/// `-X get` sends the method as written; import writes `GET` and says so.
#[test]
fn a_lower_case_method_is_written_in_capitals_with_a_warning() {
    let page = page_with_curl("curl -X get https://api.example.com/a");
    let (imported, diags) = import_page(Path::new("x.md"), &page, &site(None));
    let Imported::Page { text, .. } = imported else {
        panic!("not imported: {diags:?}");
    };
    assert!(text.contains("method: GET\n"), "{text}");
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("exactly as written, `get`") && d.position == Some((8, 1))),
        "{diags:?}"
    );
}

/// A page of several commands: one request comment each, before its own block; a block
/// of two commands becomes two blocks; nothing of the page is lost.
#[test]
fn several_commands_become_one_request_comment_each() {
    let page = "# Orders\n\n```bash\ncurl https://api.example.com/orders\n```\n\nText.\n\n```console\n$ curl -X POST https://api.example.com/orders -d a=1\nok\n$ curl -X DELETE https://api.example.com/orders/{id}\n```\n";
    let (imported, diags) = import_page(Path::new("x.md"), page, &site(None));
    let Imported::Page { text, .. } = imported else {
        panic!("not imported: {diags:?}");
    };
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(text.matches("<!-- docsnip\n").count(), 3, "{text}");
    assert!(text.contains("<!-- docsnip\nmethod: DELETE\nrequest:\n  path: \"/orders/{id}\"\n  params:\n    id: ID\n"), "{text}");
    // Every line of the page is still there, in order.
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| page.lines().any(|p| p == *l))
        .collect();
    let mut it = kept.iter();
    for l in page.lines().filter(|l| !l.starts_with("```")) {
        assert!(it.any(|k| k == &l), "{l} lost:\n{text}");
    }
    // A second import changes nothing.
    assert_eq!(
        import_page(Path::new("x.md"), &text, &site(None)).0,
        Imported::NotApplicable
    );
}

/// A `#` comment right before a command labels that command, so it goes into that
/// command's block (honojs's "Client Examples": `# Via path`, `# Via query parameter`);
/// the blank lines between two commands become the split; an output line stays with the
/// command before it.
#[test]
fn a_comment_before_a_command_goes_with_it_when_a_block_is_split() {
    let page = "# Examples\n\n```sh\n# Via path\ncurl https://api.example.com/ar/home\n\n# Via query\n# parameter\ncurl 'https://api.example.com/?lang=ar'\n{\"ok\": true}\n\ncurl -H 'Cookie: a=1' https://api.example.com/\n```\n";
    let (imported, diags) = import_page(Path::new("x.md"), page, &site(None));
    let Imported::Page { text, .. } = imported else {
        panic!("not imported: {diags:?}");
    };
    let blocks: Vec<&str> = text
        .split("```sh\n")
        .skip(1)
        .map(|b| b.split("```\n").next().unwrap())
        .collect();
    assert_eq!(
        blocks,
        [
            "# Via path\ncurl https://api.example.com/ar/home\n",
            "# Via query\n# parameter\ncurl 'https://api.example.com/?lang=ar'\n{\"ok\": true}\n",
            "curl -H 'Cookie: a=1' https://api.example.com/\n",
        ],
        "{text}"
    );
    assert_eq!(
        import_page(Path::new("x.md"), &text, &site(None)).0,
        Imported::NotApplicable
    );
}

/// A literal credential in an `Authorization` header becomes the matching auth
/// scheme: `Basic …` the `basic` scheme (user and password placeholders, never an
/// opaque `Basic YOUR_TOKEN`), `Bearer …` the bearer scheme; a live one is warned
/// about, an example (`YOUR_USERNAME:YOUR_PASSWORD` in base64) is not.
#[test]
fn an_authorization_header_becomes_its_auth_scheme() {
    let site = site(None);
    let import = |curl: &str| {
        let page = page_with_curl(curl);
        let (imported, diags) = import_page(Path::new("p.md"), &page, &site);
        let Imported::Page { text, .. } = imported else {
            panic!("{curl}: not imported: {diags:?}");
        };
        (text, diags)
    };
    let (text, diags) = import(
        "curl https://api.example.com/account/ -H 'Authorization: Basic YWRhOlRyMHViNGRvcjN4SzltUTI=' -H 'X-Request-Id: 47d4yfbwymedhiudj384702984nakju4hajh395d'",
    );
    assert!(text.contains("  auth: basic\n"), "{text}");
    assert!(
        !text
            .split("\n---\n")
            .next()
            .unwrap()
            .contains("Authorization"),
        "{text}"
    );
    assert!(
        text.contains("X-Request-Id: \"47d4yfbwymedhiudj384702984nakju4hajh395d\""),
        "{text}"
    );
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0]
            .message
            .contains("a user name and password for Basic auth")
            && diags[0].position == Some((8, 1)),
        "{diags:?}"
    );
    let (text, diags) = import(
        "curl https://api.example.com/account/ -H 'Authorization: Basic WU9VUl9VU0VSTkFNRTpZT1VSX1BBU1NXT1JE'",
    );
    assert!(text.contains("  auth: basic\n"), "{text}");
    assert!(diags.is_empty(), "{diags:?}");
    let (text, diags) = import(
        "curl https://api.example.com/account/ -H 'Authorization: Bearer 8f3kd92jfk3l0sdf9k2jq7Xw'",
    );
    assert!(text.contains("  auth: bearer\n"), "{text}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    // The built snippets carry the scheme's placeholders.
    let (text, _) = import(
        "curl https://api.example.com/account/ -H 'Authorization: Basic YWRhOlRyMHViNGRvcjN4SzltUTI='",
    );
    let mut d = Vec::new();
    let parsed = parse_page(Path::new("p.md"), &text, &site, &site.base_url, &mut d)
        .unwrap()
        .unwrap();
    let snippets = render_snippets(
        Path::new("p.md"),
        &parsed.requests[0].request,
        parsed.requests[0].at,
        &site,
        &mut d,
    )
    .unwrap();
    for s in &snippets {
        assert!(
            s.code.contains("YOUR_USERNAME") && !s.code.contains("YOUR_TOKEN"),
            "{}: {}",
            s.title,
            s.code
        );
    }
}

/// A Slate/Shins page of hand-pasted groups (`bash--curl` beside `python--python`):
/// import writes one ONE-LINE comment before each group (Shins copies every line holding
/// `<!--` into the page's head), the build takes each group over, and the built page's
/// groups read back (as `verify --as-written` reads them) under their requests.
#[test]
fn slate_groups_import_as_one_line_comments_and_read_back() {
    use docsnip::build::{Output, process};
    let config = docsnip::config::Config::parse(
        "base_url: https://api.example.com\nformat: slate\n",
        Path::new("docsnip.yml"),
    )
    .unwrap();
    let site = Site::with_config(config, &SiteOptions::default()).unwrap();
    let page = "---\ntitle: API\nlanguage_tabs:\n  - bash--curl: Curl\n  - python--python: Python\n---\n# Orders\n\n## Create\n\n```bash--curl\ncurl -X POST https://api.example.com/orders -d sku=A1\n```\n\n```python--python\nrequests.post(\"https://api.example.com/orders\", data={\"sku\": \"A1\"})\n```\n\n## Cancel\n\n```bash--curl\ncurl -X DELETE https://api.example.com/orders/42\n```\n\nThe end.\n";
    let (imported, diags) = import_page(Path::new("index.html.md"), page, &site);
    let Imported::Page { text, .. } = imported else {
        panic!("not imported: {imported:?} {diags:?}");
    };
    assert_eq!(text.matches("<!-- docsnip {").count(), 2, "{text}");
    assert!(
        text.lines()
            .filter(|l| l.contains("<!--"))
            .all(|l| l.ends_with(" -->")),
        "{text}"
    );
    let (out, diags) = process(Path::new("index.html.md"), text.as_bytes(), &site);
    let Output::Page {
        text: built,
        requests,
        ..
    } = out
    else {
        panic!("{out:?} {diags:?}\n{text}");
    };
    assert_eq!(requests, 2, "{built}");
    assert!(!built.contains("data={\"sku\": \"A1\"})"), "{built}");
    assert!(
        built.contains("## Create\n\n<!-- docsnip {\"method\":\"POST\",\"request\":{\"path\":\"/orders\",\"auth\":\"none\",\"form\":{\"sku\":\"A1\"}}} -->\n```bash--curl\n"),
        "{built}"
    );
    let mut d = Vec::new();
    let parsed = parse_page(
        Path::new("index.html.md"),
        &built,
        &site,
        &site.base_url,
        &mut d,
    )
    .unwrap()
    .unwrap();
    let titles: Vec<&str> = site.languages.iter().map(|l| l.title.as_str()).collect();
    let claimed = docsnip::format::claimed(site.format.as_ref(), &parsed.structure, &titles);
    assert_eq!(claimed.len(), 2);
    for (g, path) in claimed.iter().zip(["/orders'", "/orders/42'"]) {
        let g = g.as_ref().expect("each comment's group");
        assert_eq!(g.tabs.len(), titles.len(), "{g:?}");
        assert_eq!(g.tabs[0].0, "Curl");
        assert!(g.tabs[0].1.contains(path), "{g:?}");
    }
}

/// The CloudCannon template's own `_api/books_list.md` (tests/fixtures/corpus): its Curl
/// entry asks for another resource than its Node.js entry, which the build replaces with
/// docsnip's. Import reads the Aviator lists' entries and says so, at that entry.
#[test]
fn aviator_list_entries_are_cross_checked_by_their_url() {
    let page = std::fs::read_to_string(
        "tests/fixtures/corpus/aviator-jekyll-template-new/_api/books_list.md",
    )
    .unwrap();
    let tmp = tree_with(
        "tests/fixtures/corpus/aviator-jekyll-template-new/docsnip.yml",
        &[("books_list.md", &page)],
    );
    let docs = tmp.path().join("docs");
    let out = docsnip()
        .args(["import", "--in-place"])
        .arg(&docs)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("books_list.md:29:7: warning: the hand-pasted blocks disagree: Curl sends GET http://sampleapi.readme.com/orders, but Node.js requests http://api.myapp.com/books; docsnip import wrote what curl sends: check which is right"),
        "{err}"
    );
    assert!(
        err.contains("1 page imported (1 with disagreeing blocks)"),
        "{err}"
    );
}
