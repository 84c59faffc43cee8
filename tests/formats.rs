//! Every format's output on fixture pages (insta snapshots), and idempotence: building a
//! page's output again changes nothing. `scripts/check-sites.sh` proves the same output
//! renders byte for byte with the real generators.

use docsnip::build::{Output, Site, SiteOptions, process};
use docsnip::config::Config;
use std::path::Path;

const FORMATS: [&str; 9] = [
    "aviator",
    "kramdown",
    "docusaurus",
    "mkdocs",
    "hugo",
    "vitepress",
    "starlight",
    "slate",
    "aviator-blocks",
];

fn site(format: &str) -> Site {
    let config = Config::parse(
        &format!("base_url: https://api.example.com\nformat: {format}\n"),
        Path::new("docsnip.yml"),
    )
    .unwrap();
    Site::with_config(config, &SiteOptions::default()).unwrap()
}

/// Build `rel` (under tests/fixtures) with `format`; build the output again and require
/// it unchanged.
fn build_twice(format: &str, rel: &str) -> String {
    let site = site(format);
    let path = Path::new("tests/fixtures").join(rel);
    let bytes = std::fs::read(&path).unwrap();
    let (out, diags) = process(&path, &bytes, &site);
    let Output::Page { text, .. } = out else {
        panic!("{rel} with {format}: {out:?} {diags:?}")
    };
    let (again, _) = process(&path, text.as_bytes(), &site);
    let Output::Page { text: again, .. } = again else {
        panic!("{rel} with {format}: second run failed")
    };
    assert_eq!(
        again, text,
        "{rel} with {format}: a second run changed the page"
    );
    let mut shown = String::new();
    for d in &diags {
        shown.push_str(&format!("{d}\n"));
    }
    shown.push_str(&text);
    shown
}

#[test]
fn every_format_on_a_fresh_page() {
    for f in FORMATS {
        // Starlight's components need an MDX page: the same page as .mdx.
        let page = match f {
            "starlight" => "formats/fresh.mdx",
            // Shins's sanitiser rewrites the fresh page's `<b>`, `&` and `<!--more-->`
            // (refusals: slate_refuses_what_shins_changes); one long page, one-line comments.
            "slate" => "formats/fresh_slate.md",
            _ => "formats/fresh.md",
        };
        insta::assert_snapshot!(format!("{f}_fresh"), build_twice(f, page));
    }
}

#[test]
fn hand_written_groups_are_taken_over_in_place() {
    for (f, rel) in [
        ("aviator", "pages/aviator_request_block.md"),
        ("kramdown", "pages/aviator_request_block.md"),
        ("docusaurus", "formats/handwritten.mdx"),
        ("mkdocs", "formats/handwritten_mkdocs.md"),
        ("hugo", "formats/handwritten_hugo.md"),
        ("vitepress", "formats/handwritten_vitepress.md"),
        ("starlight", "formats/handwritten_starlight.mdx"),
        ("slate", "formats/handwritten_slate.md"),
        ("aviator-blocks", "formats/handwritten_aviator_blocks.md"),
    ] {
        insta::assert_snapshot!(format!("{f}_handwritten"), build_twice(f, rel));
    }
}

/// A page with a front-matter request and two docsnip comments (block YAML and a flow
/// mapping on one line; `{/* */}` in MDX), one with its own `base_url`, and a comment
/// inside a code block (an example: ignored). Every request gets its group; a second
/// build changes nothing.
#[test]
fn every_format_on_a_multi_request_page() {
    for f in FORMATS {
        let rel = match f {
            "docusaurus" | "starlight" => "formats/multi.mdx",
            // Shins: docsnip comments on one line (multi_line_comments_are_refused_on_slate).
            "slate" => "formats/multi_slate.md",
            _ => "formats/multi.md",
        };
        let out = build_twice(f, rel);
        assert_eq!(out.matches("Create an order").count(), 6, "{f}: {out}");
        assert_eq!(
            out.matches("https://eu.api.example.com/orders/42").count(),
            4,
            "{f}: {out}"
        );
        assert!(!out.contains("/nothing'"), "{f}: {out}");
        insta::assert_snapshot!(format!("{f}_multi"), out);
    }
}

#[test]
fn placement_is_an_alias_of_format() {
    for (placement, format) in [("right_code", "aviator"), ("body", "kramdown")] {
        let a = Config::parse(&format!("placement: {placement}\n"), Path::new("d.yml")).unwrap();
        let b = Config::parse(&format!("format: {format}\n"), Path::new("d.yml")).unwrap();
        assert_eq!(a.format, b.format);
    }
    let e = Config::parse("format: sphinx\n", Path::new("d.yml")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("d.yml:1:9: error: format must be one of `aviator`"),
        "{e}"
    );
    let e = Config::parse("format: hugo\nplacement: body\n", Path::new("d.yml")).unwrap_err();
    assert!(e.to_string().contains("disagree"), "{e}");
}

#[test]
fn mdx_pages_are_pages_only_for_docusaurus() {
    let page = std::fs::read("tests/fixtures/formats/handwritten.mdx").unwrap();
    let (out, _) = process(Path::new("x.mdx"), &page, &site("docusaurus"));
    assert!(matches!(out, Output::Page { .. }));
    let (out, _) = process(Path::new("x.mdx"), &page, &site("mkdocs"));
    assert_eq!(out, Output::Copy);
}

#[test]
fn starlight_reads_mdx_and_refuses_md_endpoint_pages() {
    let page = std::fs::read("tests/fixtures/formats/handwritten_starlight.mdx").unwrap();
    let (out, _) = process(Path::new("x.mdx"), &page, &site("starlight"));
    assert!(matches!(out, Output::Page { .. }), "{out:?}");
    let (out, diags) = process(Path::new("x.md"), &page, &site("starlight"));
    assert_eq!(out, Output::Failed);
    assert_eq!(
        diags.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        vec!["x.md:5:3: error: Starlight's <Tabs> components only work in MDX: rename this .md page to .mdx".to_string()]
    );
}

#[test]
fn vitepress_refuses_what_it_would_change() {
    let page = "---\nmethod: post\nrequest:\n  path: /a\n  body: \"x // [!code focus]\"\n  content_type: text/plain\n---\n";
    let (out, diags) = process(Path::new("x.md"), page.as_bytes(), &site("vitepress"));
    assert_eq!(out, Output::Failed);
    let shown: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert_eq!(shown.len(), 4, "{shown:?}");
    assert!(
        shown[0].starts_with("x.md:4:3: error: no Curl snippet: the snippet holds `[!code focus]`"),
        "{shown:?}"
    );
    // The same page is fine elsewhere.
    let (out, _) = process(Path::new("x.md"), page.as_bytes(), &site("mkdocs"));
    assert!(matches!(out, Output::Page { .. }));
}

#[test]
fn slate_refuses_what_shins_changes_unless_unsafe() {
    let page = "---\nmethod: post\nrequest:\n  path: /a\n  body: \"x <b>y</b>\"\n  content_type: text/plain\n---\n";
    let (out, diags) = process(Path::new("x.md"), page.as_bytes(), &site("slate"));
    assert_eq!(out, Output::Failed);
    let shown: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert!(
        // At the value: line 5 `  body: "x <b>y</b>"`, column of its `<b`.
        shown[0].starts_with("x.md:5:12: error: no Curl snippet: the snippet holds `<b>`")
            && shown[0].contains("slate: {unsafe: true}"),
        "{shown:?}"
    );
    // A site built with `shins --unsafe` shows it as written.
    let config = Config::parse(
        "base_url: https://api.example.com\nformat: slate\nslate: {unsafe: true}\n",
        Path::new("docsnip.yml"),
    )
    .unwrap();
    let unsafe_site = Site::with_config(config, &SiteOptions::default()).unwrap();
    let (out, diags) = process(Path::new("x.md"), page.as_bytes(), &unsafe_site);
    let Output::Page { text, .. } = out else {
        panic!("{out:?} {diags:?}")
    };
    assert!(text.contains("x <b>y</b>"), "{text}");
    // A `---` line ends a Shins page in every mode.
    let page = page.replace("x <b>y</b>", "a\\n---\\nb");
    let (out, diags) = process(Path::new("x.md"), page.as_bytes(), &unsafe_site);
    assert_eq!(out, Output::Failed, "{diags:?}");
    assert!(
        diags[0]
            .to_string()
            .starts_with("x.md:5:13: error: no Curl snippet: a code line is `---`"),
        "{diags:?}"
    );
    // Not found as written (an escape): at the request, never the closing `---`.
    let page = "---\nmethod: post\nrequest:\n  path: /a\n  body: \"a\\n\\u002d--\\nb\"\n  content_type: text/plain\n---\n";
    let (_, diags) = process(Path::new("x.md"), page.as_bytes(), &unsafe_site);
    assert!(
        diags[0]
            .to_string()
            .starts_with("x.md:4:3: error: no Curl snippet: a code line is `---`"),
        "{diags:?}"
    );
    // A comment's request: the error points into the comment, at the value.
    let page = "---\ntitle: <b>T</b>\n---\n# API\n\n<!-- docsnip {method: GET, request: {path: /a, query: {q: \"&amp;\"}}} -->\n";
    let (out, diags) = process(Path::new("x.md"), page.as_bytes(), &site("slate"));
    assert_eq!(out, Output::Failed);
    assert!(
        diags[0].to_string().starts_with(
            "x.md:6:60: error: no Python (requests) snippet: the snippet holds `&amp;`"
        ),
        "{diags:?}"
    );
}

#[test]
fn multi_line_comments_are_refused_on_slate() {
    let page = "# API\n\n<!-- docsnip\nmethod: GET\nrequest: {path: /a}\n-->\n";
    let (out, diags) = process(Path::new("x.md"), page.as_bytes(), &site("slate"));
    assert_eq!(out, Output::Failed);
    let shown: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert!(
        shown[0].starts_with("x.md:3:1: error: Shins copies every line holding `<!--`")
            && shown[0].contains("write it on one line"),
        "{shown:?}"
    );
    // The same page is fine elsewhere.
    let (out, _) = process(Path::new("x.md"), page.as_bytes(), &site("mkdocs"));
    assert!(matches!(out, Output::Page { .. }));
}

// ---------------------------------------------------------------------------
// Hostile values, per format: what a format writes, read back the way the format
// reads it, is the snippet itself (scripts/check-sites.sh proves the same with the
// real generators on fixed pages).
// ---------------------------------------------------------------------------

use docsnip::build::{parse_page, render_snippets};
use proptest::prelude::*;

/// The characters of tests/properties.rs `hostile_char`, plus the toolchains' own
/// syntax as whole pieces.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::sample::select(vec![
            "'", "\"", "$", "`", "\\", "%", "!", "&", ";", "|", "*", "?", "#", "~", "(", ")",
            "{", "}", "[", "]", "<", ">", "=", ":", "@", ",", "+", "/", ".", "-", " ", "^",
        ]),
        4 => prop::sample::select(vec!["a", "z", "0", "é", "中", "😀", "\u{10ffff}"]),
        2 => prop::sample::select(vec!["\n", "\r", "\t", "\r\n", "\n   \n", "\n    "]),
        1 => prop::sample::select(vec!["\u{1}", "\u{7}", "\u{b}", "\u{1b}", "\u{7f}", "\u{85}", "\u{9b}"]),
        2 => prop::sample::select(vec!["\u{2028}", "\u{2029}", "\u{feff}", "\u{200b}", "\u{202e}", "\u{a0}"]),
        3 => prop::sample::select(vec![
            "{{<", ">}}", "{{%", "%}}", "{{</*", "*/>}}", "{{ x }}", "{% raw %}", "<!--more-->",
            "\nimport X from 'y';\n", "\nexport const a = {b};\n", "</TabItem>", "</Tabs>",
            "\n=== \"Curl\"\n", "\n```\n", "\n~~~\n", "{: title=\"Curl\" }", "&amp;", "&#13;",
        ]),
    ];
    prop::collection::vec(piece, 0..16).prop_map(|v| v.concat())
}

fn yq(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || !c.is_ascii() => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hostile_page(body: &str, query: &str, json: &str) -> String {
    format!(
        "---\ntitle: Hostile\nmethod: post\nrequest:\n  path: /h\n  query: {{ q: {} }}\n  body: {}\n  content_type: text/plain\n---\nText.\n\n## Other\n\n{json}\n",
        yq(query),
        yq(body),
    )
}

fn round_trip(format: &str, page: &str) -> Result<(), TestCaseError> {
    let site = site(format);
    let shown = Path::new(if format == "starlight" {
        "hostile.mdx"
    } else {
        "hostile.md"
    });
    let mut diags = Vec::new();
    let Ok(Some(parsed)) = parse_page(shown, page, &site, &site.base_url, &mut diags) else {
        return Ok(()); // refused with an error: tests/properties.rs covers refusals
    };
    let snippets = render_snippets(
        shown,
        &parsed.requests[0].request,
        parsed.requests[0].at,
        &site,
        &mut diags,
    )
    .unwrap();
    let (out, diags) = process(shown, page.as_bytes(), &site);
    if out == Output::Failed
        && format == "vitepress"
        && diags.iter().all(|d| d.to_string().contains("VitePress"))
    {
        return Ok(()); // what VitePress cannot show is refused (unit tests in vitepress.rs)
    }
    if out == Output::Failed
        && format == "slate"
        && diags.iter().all(|d| {
            let d = d.to_string();
            d.contains("Shins") || d.contains("Slate")
        })
    {
        return Ok(()); // what Shins cannot show is refused (unit tests in slate.rs)
    }
    if out == Output::Failed
        && format == "aviator-blocks"
        && diags
            .iter()
            .all(|d| d.to_string().contains("Aviator template"))
    {
        return Ok(()); // a line of backticks closes the template's fence (aviator_blocks.rs)
    }
    let Output::Page { text, .. } = out else {
        return Err(TestCaseError::fail(format!("{format}: {out:?} {diags:?}")));
    };
    let (again, _) = process(shown, text.as_bytes(), &site);
    prop_assert_eq!(
        &again,
        &Output::Page {
            text: text.clone(),
            snippets: 4,
            requests: 1
        },
        "{}: second run",
        format
    );
    let marker = match format {
        "docusaurus" => "<Tabs groupId",
        "mkdocs" => "=== \"Curl\"",
        "vitepress" => "code-group",
        "starlight" => "<Tabs syncKey",
        "slate" => "bash--curl",
        "aviator-blocks" => "right_code_blocks:",
        _ => "{{< tabpane",
    };
    let at = text.rfind(marker).expect("the group");
    let at = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let group = text[at..].trim_end_matches([' ', '\t', '\n']);
    prop_assert!(
        group_is_safe(format, group),
        "{}: unsafe group:\n{}",
        format,
        group
    );
    let mut diags = Vec::new();
    let reread = parse_page(shown, &text, &site, &site.base_url, &mut diags)
        .unwrap()
        .unwrap();
    let titles: Vec<&str> = snippets.iter().map(|s| s.title.as_str()).collect();
    let found = site.format.existing(&reread.structure, &titles);
    let want: Vec<(String, String)> = snippets
        .iter()
        .map(|s| {
            (
                s.title.clone(),
                s.code.strip_suffix('\n').unwrap_or(&s.code).to_string(),
            )
        })
        .collect();
    let got: Vec<(String, String)> = found
        .into_iter()
        .map(|(t, c)| {
            let c = c.strip_suffix('\n').unwrap_or(&c).to_string();
            (t, c)
        })
        .collect();
    prop_assert_eq!(got, want, "{}:\n{}", format, text);
    Ok(())
}

/// What the toolchain would misread, checked on the group docsnip appended.
fn group_is_safe(format: &str, group: &str) -> bool {
    let c0 = |c: char| c.is_control() && c != '\n' && (c as u32) < 0x80;
    match format {
        // Markdown and React turn a CR into a line break.
        "docusaurus" => !group.contains('\r'),
        // Python-Markdown expands tabs, drops CR/STX/ETX and empties lines of spaces
        // (ASCII spaces and tabs only: a line holding U+00A0 is kept, checked with
        // Python-Markdown 3 and pymdownx); a tab's content is its indented lines.
        "mkdocs" => group.split('\n').all(|l| {
            !l.chars().any(c0)
                && (l.is_empty()
                    || l.starts_with("=== \"")
                    || (l.starts_with("    ") && !l.chars().all(|c| c == ' ' || c == '\t')))
        }),
        // Hugo's lexer: every {{< and {{% outside docsnip's own shortcode lines must be
        // a comment ({{</* … */>}}); no summary divider; no CR.
        "hugo" => {
            let body: String = group
                .split_inclusive('\n')
                .filter(|l| !(l.starts_with("{{< tab") || l.starts_with("{{< /tab")))
                .collect();
            let mut rest = body.as_str();
            while let Some(i) = rest.find("{{") {
                let after = &rest[i + 2..];
                let closer = match after.chars().next() {
                    Some('<') => "*/>}}",
                    Some('%') => "*/%}}",
                    _ => {
                        rest = &rest[i + 1..];
                        continue;
                    }
                };
                if !after[1..].starts_with("/*") {
                    return false;
                }
                let Some(end) = after.find(closer) else {
                    return false;
                };
                rest = &after[end + closer.len()..];
            }
            !body.contains("<!--more-->") && !body.contains('\r')
        }
        // markdown-it-container ends the group at the first line of enough colons,
        // fenced code or not.
        "vitepress" => {
            let colons = group.chars().take_while(|c| *c == ':').count();
            let lines: Vec<&str> = group.split('\n').collect();
            lines[1..lines.len() - 1].iter().all(|l| {
                let t = l.trim_start();
                t.chars().take_while(|c| *c == ':').count() < colons
                    || !t.trim_start_matches(':').trim().is_empty()
            })
        }
        // Expressive Code turns tabs into spaces and trims every line's end.
        "starlight" => group.split('\n').all(|l| {
            !l.contains('\t')
                && l.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{feff}') == l
        }),
        // Shins strips CR, ends the page at a `---` line, copies `<!--` lines raw.
        "slate" => {
            !group.contains('\r') && group.split('\n').all(|l| l != "---" && !l.contains("<!--"))
        }
        // The list is the front-matter's last key: every line of it is indented (no
        // `---` or `...` line ends the front-matter early), and the front-matter ends
        // right before the page body.
        "aviator-blocks" => {
            let mut lines = group.split('\n').skip(1);
            for l in lines.by_ref() {
                if l == "---" {
                    return lines.next() == Some("Text.");
                }
                if !(l.is_empty() || l.starts_with("  ")) {
                    return false;
                }
            }
            false
        }
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn hostile_snippets_read_back_exactly_in_every_tab_format(
        body in hostile(), query in hostile(), prose in hostile()
    ) {
        let page = hostile_page(&body, &query, &prose.replace(['\r', '<', '{', '=', '`', '~'], " "));
        for f in ["docusaurus", "mkdocs", "hugo", "vitepress", "starlight", "slate", "aviator-blocks"] {
            round_trip(f, &page)?;
        }
    }
}

/// A hand-pasted group of `format` (every tab a configured title) holding `code`.
fn hand_group(format: &str, code: &str) -> String {
    match format {
        "docusaurus" => format!(
            "<Tabs>\n<TabItem value=\"c\" label=\"Curl\">\n\n```bash\n{code}\n```\n\n</TabItem>\n</Tabs>\n"
        ),
        "mkdocs" => format!("=== \"Curl\"\n\n    ```bash\n    {code}\n    ```\n"),
        "vitepress" => format!("::: code-group\n\n```bash [Curl]\n{code}\n```\n\n:::\n"),
        "starlight" => format!(
            "<Tabs>\n<TabItem label=\"Curl\">\n\n```bash\n{code}\n```\n\n</TabItem>\n</Tabs>\n"
        ),
        "slate" => format!("```bash--curl\n{code}\n```\n"),
        "hugo" => format!(
            "{{{{< tabpane >}}}}\n{{{{< tab header=\"Curl\" lang=\"bash\" >}}}}\n{code}\n{{{{< /tab >}}}}\n{{{{< /tabpane >}}}}\n"
        ),
        _ => format!("~~~ bash\n{code}\n~~~\n{{: title=\"Curl\" }}\n"),
    }
}

fn multi_page(front: bool, pieces: &[usize], format: &str) -> String {
    let mut page = if front {
        "---\nmethod: get\nrequest: { path: /front }\n---\n".to_string()
    } else {
        "---\ntitle: t\n---\n".to_string()
    };
    for (n, &p) in pieces.iter().enumerate() {
        page.push_str(&match p {
            0 => "<!-- docsnip {method: POST, request: {path: /a}} -->\n".to_string(),
            1 => "{/* docsnip {method: PUT, request: {path: /b}} */}\n".to_string(),
            // Shins: one line (a multi-line comment is refused).
            2 if format == "slate" => {
                "<!-- docsnip {method: DELETE, request: {path: /c}} -->\n".to_string()
            }
            2 => "<!-- docsnip\nmethod: DELETE\nrequest:\n  path: /c\n-->\n".to_string(),
            3 => "\n".to_string(),
            4 => "Text.\n".to_string(),
            // Prose after it: two adjacent groups would read as one (MkDocs tabs).
            5 => hand_group(format, &format!("curl hand-pasted-{n}")) + "\nText.\n",
            6 => "```md\n<!-- docsnip {method: GET, request: {path: /no}} -->\n```\n".to_string(),
            _ => "\n\n".to_string(),
        });
    }
    page
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any mix of comments (both shapes, both spellings), blank lines, prose, hand-pasted
    /// groups and comments in code, in every format: the build does not fail or panic,
    /// gives one request per comment (plus the front-matter's), a second run changes
    /// nothing, and hand-pasted code is only ever replaced by a request's group: the rest
    /// is still on the page.
    #[test]
    fn multi_request_pages_build_and_are_idempotent(
        front in any::<bool>(),
        pieces in prop::collection::vec(0usize..8, 0..14),
    ) {
        for format in FORMATS {
            let page = multi_page(front, &pieces, format);
            let s = site(format);
            let path = Path::new(if matches!(format, "docusaurus" | "starlight") { "m.mdx" } else { "m.md" });
            let (out, diags) = process(path, page.as_bytes(), &s);
            let comments = pieces.iter().filter(|&&p| p <= 2).count();
            let (text, requests) = match out {
                Output::Page { text, requests, .. } => (text, requests),
                Output::Copy | Output::Skipped if comments == 0 && !front => continue,
                other => return Err(TestCaseError::fail(format!("{format}: {other:?} {diags:?}\n{page}"))),
            };
            prop_assert_eq!(requests, comments + usize::from(front), "{}", format);
            let (again, _) = process(path, text.as_bytes(), &s);
            let Output::Page { text: again, .. } = again else {
                return Err(TestCaseError::fail(format!("{format}: second run failed")));
            };
            prop_assert_eq!(&again, &text, "{}: a second run changed\n{}", format, page);
            let kept = diags.iter().filter(|d| d.to_string().contains("is left as it is")).count();
            // Hand-pasted code is gone only where docsnip wrote a group (one per request);
            // every warning stands for a group still on the page (a group may hold
            // several hand-pasted tabs).
            let pasted = pieces.iter().filter(|&&p| p == 5).count();
            let hand = (0..pieces.len()).filter(|n| text.contains(&format!("hand-pasted-{n}\n"))).count();
            prop_assert!(pasted - hand <= requests, "{}: {:?}\n{}\n{}", format, diags, page, text);
            prop_assert!(hand >= kept, "{}: {:?}\n{}\n{}", format, diags, page, text);
        }
    }
}

/// An `aviator-blocks` entry as YAML reads it (title, code_block), and the lists.
type Entry = (String, Option<String>);
type Lists = Vec<(String, Vec<Entry>)>;

/// One list of `format: aviator-blocks`: `shape` 0 block list, 1 block list in column 0,
/// 2 flow list, 3 empty; `entries`: 0 CloudCannon's seed, 1 a user's Response, 2 a
/// hand-pasted Curl, 3 a hand-pasted Python, 4 a comment line (block lists only).
fn blocks_list(key: &str, shape: usize, entries: &[usize], n: &mut usize) -> String {
    let mut out = format!("{key}:");
    if shape == 3 {
        return out + "\n";
    }
    if shape == 2 {
        let items: Vec<String> = entries
            .iter()
            .filter(|&&e| e != 4)
            .map(|&e| {
                *n += 1;
                match e {
                    0 => "{code_block: null, title: null, language: null}".to_string(),
                    1 => format!(
                        "{{code_block: \"r{n}\\n  x\", title: Response {n}, language: json}}"
                    ),
                    2 => format!("{{code_block: curl {n}, title: Curl, language: bash}}"),
                    _ => format!(
                        "{{code_block: py {n}, title: Python (requests), language: python}}"
                    ),
                }
            })
            .collect();
        return format!("{out} [{}]\n", items.join(", "));
    }
    out.push('\n');
    let (d, k) = if shape == 0 {
        ("  ", "    ")
    } else {
        ("", "  ")
    };
    for &e in entries {
        *n += 1;
        out.push_str(&match e {
            0 => format!("{d}- code_block:\n{k}title:\n{k}language:\n"),
            1 => format!("{d}- code_block: |-\n{k}  r{n}\n{k}    x\n{k}title: Response {n}\n{k}language: json\n\n"),
            2 => format!("{d}- code_block: curl {n}\n{k}title: Curl\n{k}language: bash\n"),
            3 => format!("{d}- title: Python (requests)\n{k}code_block: 'py {n}'\n"),
            _ => format!("{d}# comment {n}\n"),
        });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `aviator-blocks` on any mix of lists: the page builds, a second run changes
    /// nothing, every user entry (Response) keeps its code and order, comments stay, and
    /// the list holding docsnip's snippets is shown (its first entry has code).
    #[test]
    fn aviator_blocks_lists_keep_user_entries_and_show_ours(
        left in prop::option::of((0usize..4, prop::collection::vec(0usize..5, 0..5))),
        right in prop::option::of((0usize..4, prop::collection::vec(0usize..5, 0..5))),
        placement in prop::sample::select(vec!["left", "right"]),
    ) {
        let mut n = 0;
        let mut page = "---\ntitle: t\nmethod: get\nrequest: { path: /p }\n".to_string();
        for (key, l) in [("left_code_blocks", &left), ("right_code_blocks", &right)] {
            if let Some((shape, entries)) = l {
                page.push_str(&blocks_list(key, *shape, entries, &mut n));
            }
        }
        page.push_str("other: 1\n---\nBody.\n");
        let config = Config::parse(
            &format!("base_url: https://api.example.com\nformat: aviator-blocks\nplacement: {placement}\n"),
            Path::new("docsnip.yml"),
        ).unwrap();
        let site = Site::with_config(config, &SiteOptions::default()).unwrap();
        let path = Path::new("p.md");
        let (out, diags) = process(path, page.as_bytes(), &site);
        let Output::Page { text, .. } = out else {
            return Err(TestCaseError::fail(format!("{out:?} {diags:?}\n{page}")));
        };
        let (again, _) = process(path, text.as_bytes(), &site);
        let Output::Page { text: again, .. } = again else {
            return Err(TestCaseError::fail("second run failed"));
        };
        prop_assert_eq!(&again, &text, "a second run changed\n{}", page);
        for i in 0..=n {
            if page.contains(&format!("# comment {i}\n")) {
                prop_assert!(text.contains(&format!("# comment {i}\n")), "comment {} lost\n{}", i, text);
            }
        }
        let read = |t: &str| -> Lists {
            let yaml_end = t[4..].find("\n---\n").unwrap() + 5;
            let root = docsnip::yaml::parse(&t[4..yaml_end]).unwrap();
            let mut lists = Vec::new();
            for (k, v) in root.as_map().unwrap() {
                let key = k.scalar_text().unwrap_or("").to_string();
                if !key.ends_with("_code_blocks") {
                    continue;
                }
                let docsnip::yaml::Value::Seq(items) = &v.value else {
                    lists.push((key, Vec::new()));
                    continue;
                };
                let field = |m: &docsnip::yaml::Node, f: &str| {
                    m.as_map().and_then(|m| m.iter().find(|(k, _)| k.scalar_text() == Some(f)))
                        .and_then(|(_, v)| v.scalar_text()).map(str::to_string)
                };
                lists.push((key, items.iter().map(|e| (field(e, "title").unwrap_or_default(), field(e, "code_block"))).collect()));
            }
            lists
        };
        let before = read(&page);
        let after = read(&text);
        // The user's entries, list by list, in order, with their code.
        let users = |lists: &[(String, Vec<Entry>)]| -> Lists {
            lists
                .iter()
                .map(|(k, es)| (k.clone(), es.iter().filter(|e| e.0.starts_with("Response")).cloned().collect::<Vec<_>>()))
                .filter(|(_, es)| !es.is_empty())
                .collect()
        };
        prop_assert_eq!(users(&before), users(&after), "user entries changed\n{}\n{}", page, text);
        // docsnip's Curl is in a shown list.
        let shown = after.iter().any(|(_, es)| {
            es.first().is_some_and(|e| e.1.is_some())
                && es.iter().any(|e| e.0 == "Curl" && e.1.as_deref().is_some_and(|c| c.contains("curl 'https://api.example.com/p'")))
        });
        prop_assert!(shown, "docsnip's entries are not in a shown list\n{}\n{}", page, text);
    }
}
