//! Escaping, by property test: hostile strings in every place a page can put text, run
//! through the real pipeline (`parse_page` + the real templates), and every snippet run
//! with its real runtime against the echo server (`verify_snippet`). Each must deliver
//! exactly the page's bytes; where HTTP forbids a byte (a line break or control
//! character in a header value, white space around it) docsnip must refuse the page with
//! a clear error instead.
//!
//! 16 cases per property by default (each case runs all four languages, in parallel);
//! `PROPTEST_CASES=200 cargo test --test properties` for a longer run. Every failure
//! these properties found is a fixed page in `tests/fixtures/pages/` (`hostile_*.md`).

use docsnip::build::{Output, PageFailed, Site, SiteOptions, parse_page, process};
use docsnip::config::Config;
use docsnip::diag::Diagnostic;
use docsnip::format::{FormatKind, FormatSettings};
use docsnip::request::Request;
use docsnip::verify::echo::EchoServer;
use docsnip::verify::{check_needs, runner_for_language, verify_snippet};
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, FileFailurePersistence};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// Every built-in language (`languages/*/`).
fn languages() -> &'static [String] {
    static ALL: OnceLock<Vec<String>> = OnceLock::new();
    ALL.get_or_init(|| {
        docsnip::language::builtins()
            .into_iter()
            .map(|s| s.name)
            .collect()
    })
}
const TIMEOUT: Duration = Duration::from_secs(60);

fn prop_config() -> PropConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    PropConfig {
        cases,
        // A failing case is shrunk, but every step runs four programs: keep it bounded.
        max_shrink_iters: 48,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..PropConfig::default()
    }
}

/// One echo server for the whole test binary.
fn server() -> &'static EchoServer {
    static SERVER: OnceLock<EchoServer> = OnceLock::new();
    SERVER.get_or_init(|| EchoServer::start().expect("the echo server starts on 127.0.0.1"))
}

/// The site: built-in templates, default config (token auth), one language at a time.
fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let all = SiteOptions {
            langs: Some(vec!["all".into()]),
            ..SiteOptions::default()
        };
        Site::with_config(Config::default(), &all).unwrap()
    })
}

/// The same site with the blocks in the body (`format: kramdown`), Liquid-processed.
fn body_site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let config = Config {
            format: FormatSettings {
                kind: FormatKind::Kramdown,
                ..FormatSettings::default()
            },
            liquid: Some(true),
            ..Config::default()
        };
        Site::with_config(config, &SiteOptions::default()).unwrap()
    })
}

/// A YAML 1.1 line break (CR, NEL, U+2028, U+2029) standing raw inside a block scalar
/// of the page's front-matter (an entry `key: |` or `key: >` and its indented lines),
/// if there is one.
fn raw_break_in_block_scalar(page: &str) -> Option<String> {
    let yaml = page.strip_prefix("---\n")?;
    let yaml = &yaml[..yaml.find("\n---\n").map_or(yaml.len(), |i| i + 1)];
    let mut in_block: Option<&str> = None;
    for (n, line) in yaml.split('\n').enumerate() {
        let indented = line.starts_with([' ', '\t']) || line.is_empty();
        if !indented {
            in_block = None;
            if let Some((key, rest)) = line.split_once(':') {
                let ind = rest.split('#').next().unwrap_or("").trim();
                if ind.starts_with(['|', '>'])
                    && ind[1..].chars().all(|c| matches!(c, '-' | '+' | '0'..='9'))
                {
                    in_block = Some(key);
                }
            }
            continue;
        }
        if let Some(key) = in_block
            && let Some(c) = line
                .chars()
                .find(|c| matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'))
        {
            return Some(format!(
                "U+{:04X} raw in the `{key}` block scalar, front-matter line {}: {line:?}",
                c as u32,
                n + 2
            ));
        }
    }
    None
}

#[test]
fn the_block_scalar_check_finds_raw_line_breaks() {
    let ok = "---\nright_code: |\n  ~~~ bash\n  curl $'\\xe2\\x80\\xa8'\n  ~~~\nx: \"\\u2028\"\n---\nbody \u{2028}\n";
    assert_eq!(raw_break_in_block_scalar(ok), None);
    for c in ['\r', '\u{85}', '\u{2028}', '\u{2029}'] {
        let bad = format!("---\ntitle: /a\nright_code: |-\n  ~~~ bash\n  curl '{c}'\n  ~~~\n---\n");
        let e = raw_break_in_block_scalar(&bad).expect("found");
        assert!(
            e.contains("`right_code` block scalar, front-matter line 5"),
            "{e}"
        );
    }
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Characters shells, string literals, URLs, HTTPie items and YAML treat specially,
/// control characters, line separators, and non-ASCII text up to the astral planes.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::sample::select(vec![
            '\'', '"', '$', '`', '\\', '%', '!', '&', ';', '|', '*', '?', '#', '~', '(', ')',
            '{', '}', '[', ']', '<', '>', '=', ':', '@', ',', '+', '/', '.', '-', ' ', '^',
        ]),
        4 => prop::char::range('a', 'z'),
        1 => prop::char::range('0', '9'),
        2 => prop::sample::select(vec!['\n', '\r', '\t']),
        1 => prop::sample::select(vec![
            '\u{1}', '\u{7}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}',
        ]),
        2 => prop::sample::select(vec![
            '\u{2028}', '\u{2029}', '\u{feff}', '\u{200b}', '\u{202e}', '\u{a0}',
        ]),
        2 => prop::sample::select(vec!['é', 'ß', '中', '€', 'ÿ', 'Ω']),
        2 => prop::sample::select(vec!['😀', '𝄞', '🦀', '\u{10ffff}', '\u{1f1e6}']),
    ]
}

/// A hostile string: maybe a prefix clients read as an instruction (`@file`, `<file`,
/// `-option`, an HTTPie separator), then up to 12 hostile characters.
fn hostile() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "",
            "",
            "",
            "@",
            "<",
            "-",
            "--",
            "=",
            ":",
            "@/etc/passwd",
        ]),
        prop::collection::vec(hostile_char(), 0..12),
    )
        .prop_map(|(prefix, chars)| {
            let mut s = prefix.to_string();
            s.extend(chars);
            s
        })
}

/// A header value that HTTP can carry: no control character but tab, no white space
/// (Unicode's, which HTTPie strips) at either end; the others are for the refusal
/// property. No backslash: HTTPie cannot send `\=` and friends in a header (refused,
/// see `inexpressible_values_are_refused`).
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

/// Distinct names (a YAML mapping cannot repeat a key).
fn distinct(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(hostile(), n).prop_map(|mut v| {
        let mut seen = std::collections::HashSet::new();
        v.retain(|s| seen.insert(s.clone()));
        v
    })
}

/// The parts of a request every property fills with hostile text.
#[derive(Debug, Clone)]
struct Common {
    param: String,
    query: Vec<(String, String)>,
    header: String,
}

fn common() -> impl Strategy<Value = Common> {
    (
        hostile(),
        distinct(1..3).prop_flat_map(|names| {
            let n = names.len();
            (Just(names), prop::collection::vec(hostile(), n))
        }),
        header_value(),
    )
        .prop_map(|(param, (names, values), header)| Common {
            param,
            query: names.into_iter().zip(values).collect(),
            header,
        })
}

#[derive(Debug, Clone)]
enum Json {
    Str(String),
    Obj(Vec<(String, Json)>),
    Arr(Vec<Json>),
}

fn json() -> impl Strategy<Value = Json> {
    let leaf = hostile().prop_map(Json::Str);
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Json::Arr),
            (distinct(0..3), prop::collection::vec(inner, 3))
                .prop_map(|(keys, values)| { Json::Obj(keys.into_iter().zip(values).collect()) }),
        ]
    })
}

// ---------------------------------------------------------------------------
// Building pages
// ---------------------------------------------------------------------------

/// `s` as a YAML double-quoted scalar: JSON-style escapes, `\uXXXX` / `\UXXXXXXXX`
/// for everything that is not printable ASCII or ordinary printable text.
fn yq(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200b}' | '\u{202e}'
                ) =>
            {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) > 0xffff => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_yaml(j: &Json, out: &mut String) {
    // Flow style: `{ "k": …, … }` / `[ …, … ]`, all on one line.
    match j {
        Json::Str(s) => out.push_str(&yq(s)),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_yaml(item, out);
            }
            out.push(']');
        }
        Json::Obj(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&yq(k));
                out.push_str(": ");
                json_yaml(v, out);
            }
            out.push('}');
        }
    }
}

/// A page with the common parts, its body lines under `request:` appended.
fn page(c: &Common, body: &str) -> String {
    let mut p = String::from("---\ntitle: /hostile/{id}/end\nname: Hostile\nmethod: post\n");
    p.push_str("request:\n");
    let _ = writeln!(p, "  params:\n    id: {}", yq(&c.param));
    p.push_str("  query:\n");
    for (k, v) in &c.query {
        let _ = writeln!(p, "    {}: {}", yq(k), yq(v));
    }
    let _ = writeln!(p, "  headers:\n    X-Hostile: {}", yq(&c.header));
    p.push_str(body);
    p.push_str("---\nBody text.\n");
    p
}

fn parse(text: &str, base_url: &str) -> Result<(Request, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut diags = Vec::new();
    match parse_page(Path::new("hostile.md"), text, site(), base_url, &mut diags) {
        Ok(Some(mut p)) => Ok((p.requests.swap_remove(0).request, diags)),
        Ok(None) => panic!("not an endpoint page:\n{text}"),
        Err(PageFailed) => Err(diags),
    }
}

/// Runs the page's snippet in every language (in parallel) against the echo server;
/// `Err` lists what went wrong, with the page and the code.
fn run_all(text: &str) -> Result<(), String> {
    // Expected: the request for a base URL without a path (paths compare after the
    // run's prefix).
    let (expected, diags) = match parse(text, "http://127.0.0.1") {
        Ok(x) => x,
        Err(d) => return Err(format!("docsnip refused the page: {d:?}\n{text}")),
    };
    // A hostile value may look like a token and earn a warning; nothing else may.
    for d in &diags {
        if d.is_error() || !d.message.contains("live credential") {
            return Err(format!("unexpected diagnostic {d}\n{text}"));
        }
    }
    // The page docsnip writes, in both placements: no YAML 1.1 line break raw in a
    // block scalar (Psych and PyYAML would end the scalar there and lose the page).
    for site in [site(), body_site()] {
        match process(Path::new("hostile.md"), text.as_bytes(), site) {
            (Output::Page { text: out, .. }, _) => {
                if let Some(e) = raw_break_in_block_scalar(&out) {
                    return Err(format!("{e}\npage:\n{text}\noutput:\n{out}"));
                }
            }
            (other, d) => return Err(format!("not built: {other:?} {d:?}\n{text}")),
        }
    }
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = languages()
            .iter()
            .map(|lang| {
                let lang = lang.as_str();
                let expected = &expected;
                s.spawn(move || {
                    let runner = runner_for_language(lang).unwrap();
                    let mut code = String::new();
                    // A language whose client cannot send this request refuses it: no
                    // snippet, so nothing to prove (the build warns instead).
                    if let Err(docsnip::render::RenderError::Refused { .. }) =
                        site().renderer.render(lang, expected)
                    {
                        return None;
                    }
                    let report = verify_snippet(server(), &runner, expected, TIMEOUT, |base| {
                        let (req, _) = parse(text, base).map_err(|d| format!("{d:?}"))?;
                        code = site()
                            .renderer
                            .render(lang, &req)
                            .map_err(|e| e.to_string())?;
                        Ok(code.clone())
                    });
                    (!report.outcome.is_ok())
                        .then(|| format!("--- {lang}: {}\n{code}", report.outcome))
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().expect("a language thread panicked"))
            .collect()
    });
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("page:\n{text}\n{}", failures.join("\n")))
    }
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

#[test]
fn every_runtime_is_installed() {
    // A missing runtime fails the suite with what to install; it never skips.
    let mut needs = Vec::new();
    for lang in languages() {
        needs.extend(runner_for_language(lang).unwrap().needs);
    }
    let problems = check_needs(&needs);
    assert!(
        problems.is_empty(),
        "missing runtimes:\n{}",
        problems.join("\n")
    );
}

proptest! {
    #![proptest_config(prop_config())]

    #[test]
    fn json_bodies_arrive_exactly(c in common(), body in json()) {
        let mut b = String::from("  json: ");
        json_yaml(&body, &mut b);
        b.push('\n');
        let text = page(&c, &b);
        if let Err(e) = run_all(&text) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn form_bodies_arrive_exactly(
        c in common(),
        fields in distinct(0..4).prop_flat_map(|names| {
            let n = names.len();
            (Just(names), prop::collection::vec(prop::collection::vec(hostile(), 1..3), n))
        }),
        // The page's own Content-Type, which clients must send instead of theirs.
        own_type in prop::option::of(prop_oneof![
            Just("application/x-www-form-urlencoded; charset=utf-8"),
            Just("text/plain"),
        ]),
    ) {
        // No fields is an empty form (`form: {}`): still a Content-Type, and no body.
        let mut b = String::from(if fields.0.is_empty() { "  form: {}\n" } else { "  form:\n" });
        for (name, values) in fields.0.iter().zip(&fields.1) {
            if values.len() == 1 {
                let _ = writeln!(b, "    {}: {}", yq(name), yq(&values[0]));
            } else {
                let list: Vec<String> = values.iter().map(|v| yq(v)).collect();
                let _ = writeln!(b, "    {}: [{}]", yq(name), list.join(", "));
            }
        }
        let mut text = page(&c, &b);
        if let Some(t) = own_type {
            text = text.replacen("  headers:\n", &format!("  headers:\n    Content-Type: {t}\n"), 1);
        }
        if let Err(e) = run_all(&text) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn multipart_text_fields_arrive_exactly(
        c in common(),
        // Empty names, `=`, `\` and control characters in a name are refused (see
        // `inexpressible_values_are_refused`).
        parts in prop::collection::vec(
            (
                hostile().prop_map(|n| {
                    let n = n
                        .replace(['=', '\\'], "")
                        .replace(|c: char| c.is_ascii_control() && c != '\r' && c != '\n', "");
                    if n.is_empty() { "x".to_string() } else { n }
                }),
                hostile(),
            ),
            1..4,
        ),
    ) {
        let mut b = String::from("  multipart:\n");
        for (name, value) in &parts {
            let _ = writeln!(b, "    - {{ name: {}, value: {} }}", yq(name), yq(value));
        }
        let text = page(&c, &b);
        if let Err(e) = run_all(&text) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn raw_bodies_arrive_exactly(c in common(), body in hostile(), ct in prop::option::of(header_value())) {
        // Exactly `--` is refused (see inexpressible_values_are_refused).
        prop_assume!(body != "--");
        let mut b = format!("  body: {}\n", yq(&body));
        if let Some(ct) = &ct {
            let _ = writeln!(b, "  content_type: {}", yq(ct));
        }
        let text = page(&c, &b);
        if let Err(e) = run_all(&text) {
            prop_assert!(false, "{}", e);
        }
    }

    /// A header value HTTP cannot carry exactly is refused, with an error at its line
    /// that names the header; nothing is rendered.
    #[test]
    fn forbidden_header_values_are_refused(
        before in header_value(),
        bad in prop::sample::select(vec![
            "\n", "\r", "\r\n", "\u{0}", "\u{1}", "\u{b}", "\u{c}", "\u{1b}", "\u{7f}", "\u{85}",
        ]),
        after in header_value(),
        edge in prop::sample::select(vec![None, Some(" "), Some("\t")]),
    ) {
        let value = match edge {
            // White space at either end.
            Some(ws) => format!("{ws}{before}{after}"),
            None => format!("{before}{bad}{after}"),
        };
        let text = format!(
            "---\ntitle: /h\nmethod: get\nrequest:\n  headers:\n    X-Ok: fine\n    X-Bad: {}\n---\n",
            yq(&value)
        );
        match parse(&text, "http://127.0.0.1") {
            Ok((req, _)) => prop_assert!(false, "accepted {:?}: {:?}", value, req.headers),
            Err(diags) => {
                prop_assert_eq!(diags.len(), 1, "{:?}", diags);
                let d = diags[0].to_string();
                prop_assert!(
                    d.starts_with("hostile.md:7:12: error: the value of header `X-Bad` "),
                    "{}", d
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Regressions: what the properties found, fixed
// ---------------------------------------------------------------------------

/// The fixture pages these properties produced (`hostile_*.md`) deliver their bytes.
#[test]
fn hostile_fixture_pages_arrive_exactly() {
    let mut failures = Vec::new();
    let mut n = 0;
    for entry in std::fs::read_dir("tests/fixtures/pages").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("hostile_") && name.ends_with(".md") {
            n += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            if let Err(e) = run_all(&text) {
                failures.push(format!("{name}: {e}"));
            }
        }
    }
    assert!(n >= 3, "hostile fixture pages are missing");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Values no client can send exactly are refused, at their line, naming the reason.
#[test]
fn inexpressible_values_are_refused() {
    let cases = [
        // HTTPie strips Unicode white space (str.strip) around a header value.
        (
            "  headers:\n    X-Sep: \"a\\u2029\"\n",
            "6:12: error: the value of header `X-Sep` starts or ends with white space",
        ),
        (
            "  headers:\n    X-Nbsp: \"\\u00a0a\"\n",
            "6:13: error: the value of header `X-Nbsp` starts or ends with white space",
        ),
        // HTTPie reads `\=` in an item as `=`, wherever it stands.
        (
            "  headers:\n    X-Esc: \"a\\\\=b\"\n",
            "6:12: error: the value of header `X-Esc` holds a backslash before",
        ),
        // A content_type is a header too.
        (
            "  body: x\n  content_type: \"text/plain\\r\\nX-Injected: 1\"\n",
            "6:17: error: `content_type` holds a line break",
        ),
        // A backslash in a quoted multipart name: clients send it as is, parsers of
        // quoted strings drop it.
        (
            "  multipart:\n    - { name: \"a\\\\b\", value: v }\n",
            "6:5: error: multipart field name `a\\\\b` holds `\\`",
        ),
        (
            "  multipart:\n    - { name: \"a\\tb\", value: v }\n",
            "6:5: error: multipart field name `a\\tb` holds a control character",
        ),
        (
            "  multipart:\n    - { name: \"\", value: v }\n",
            "6:5: error: multipart field name `` is empty",
        ),
        // HTTPie's argument parser drops `--`, even as `--raw=--` (found by
        // raw_bodies_arrive_exactly).
        (
            "  body: \"--\"\n",
            "5:9: error: a raw body that is exactly `--` cannot be sent by HTTPie",
        ),
        // curl's -F ends a field name at the first `=`.
        (
            "  multipart:\n    - { name: \"a=b\", value: v }\n",
            "6:5: error: multipart field name `a=b` holds `=`",
        ),
    ];
    for (request, want) in cases {
        let text = format!("---\ntitle: /r\nmethod: post\nrequest:\n{request}---\n");
        match parse(&text, "http://127.0.0.1") {
            Ok((req, _)) => panic!("accepted:\n{text}\n{req:?}"),
            Err(diags) => {
                let all: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
                assert!(
                    all.iter()
                        .any(|d| d.starts_with(&format!("hostile.md:{want}"))),
                    "{text}\nwant {want}\ngot {all:#?}"
                );
            }
        }
    }
}
