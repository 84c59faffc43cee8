//! Output formats: how snippets appear on a page, one docs toolchain each. A format
//! knows three things, all in its own file: how to find the groups it wrote (or a
//! hand-written group it takes over), how to write one, and how to escape snippet text
//! for its toolchain.
//!
//! - [`aviator`]: kramdown blocks in the `right_code` front-matter value (Jekyll's Aviator).
//! - [`kramdown`]: the same blocks in the page body.
//! - [`docusaurus`]: MDX `<Tabs>` / `<TabItem>` holding fenced code (Docusaurus 3).
//! - [`mkdocs`]: Material for MkDocs content tabs (`=== "Curl"`).
//! - [`hugo`]: a tabs shortcode (Docsy's `tabpane` / `tab` by default).
//!
//! The tab formats share one placing rule ([`place_tabs`]): the first group whose tab
//! labels are all configured language titles is replaced where it stands, later such
//! groups are removed, and with none the group is appended to the body. Every other byte
//! of the page is kept.

pub mod aviator;
pub mod docusaurus;
pub mod hugo;
pub mod kramdown;
pub mod mkdocs;
pub mod splice;

use crate::format::splice::Snippet;
use crate::page::{self, Structure};
use std::ops::Range;

/// The `format:` of `docsnip.yml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormatKind {
    /// Kramdown blocks in `right_code` (`placement: right_code`).
    #[default]
    Aviator,
    /// Kramdown blocks in the body (`placement: body`).
    Kramdown,
    Docusaurus,
    Mkdocs,
    Hugo,
}

impl FormatKind {
    pub const NAMES: &[&str] = &["aviator", "kramdown", "docusaurus", "mkdocs", "hugo"];

    pub fn parse(name: &str) -> Option<FormatKind> {
        Some(match name {
            "aviator" => FormatKind::Aviator,
            "kramdown" => FormatKind::Kramdown,
            "docusaurus" => FormatKind::Docusaurus,
            "mkdocs" => FormatKind::Mkdocs,
            "hugo" => FormatKind::Hugo,
            _ => return None,
        })
    }

    /// Whether pages with this extension are pages of this toolchain.
    pub fn reads_extension(self, ext: &str) -> bool {
        matches!(ext, "md" | "markdown") || (self == FormatKind::Docusaurus && ext == "mdx")
    }
}

/// Where the kramdown formats put new blocks (`aviator`: `right_code`; `kramdown`: body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    RightCode,
    Body,
}

/// A format's settings from `docsnip.yml` (only the chosen format's are used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatSettings {
    pub kind: FormatKind,
    /// Whether page bodies go through Liquid (Jekyll: `aviator`, `kramdown`): blocks in
    /// the body are then written so that Liquid leaves them as they are
    /// ([`crate::format::splice::liquid_raw`]). Set from `liquid:` or a `_config.yml` in DOCS.
    pub liquid: bool,
    pub docusaurus: docusaurus::Settings,
    pub hugo: hugo::Settings,
}

impl Default for FormatSettings {
    fn default() -> Self {
        FormatSettings {
            kind: FormatKind::Aviator,
            liquid: false,
            docusaurus: docusaurus::Settings::default(),
            hugo: hugo::Settings::default(),
        }
    }
}

/// One output format.
pub trait Format: Send + Sync {
    /// The snippets this format finds on the page (the tabs it would replace), as
    /// (title, code) pairs, for the credential check of hand-pasted examples.
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)>;

    /// The page with `snippets` placed. `titles` are every configured language's
    /// (a language whose template refused the request has a title but no snippet).
    fn place(&self, page: &Structure, snippets: &[Snippet], titles: &[&str]) -> String;
}

/// The format the settings name.
pub fn for_settings(s: &FormatSettings) -> Box<dyn Format> {
    match s.kind {
        FormatKind::Aviator => Box::new(aviator::Aviator { liquid: s.liquid }),
        FormatKind::Kramdown => Box::new(kramdown::Kramdown { liquid: s.liquid }),
        FormatKind::Docusaurus => Box::new(docusaurus::Docusaurus(s.docusaurus.clone())),
        FormatKind::Mkdocs => Box::new(mkdocs::Mkdocs),
        FormatKind::Hugo => Box::new(hugo::Hugo(s.hugo.clone())),
    }
}

/// A tab group found in a page body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Whole lines of the body, from the group's first line to the end of its last.
    pub range: Range<usize>,
    /// Each tab's label and the code it shows.
    pub tabs: Vec<(String, String)>,
}

/// What a tab format provides to [`place_tabs`].
pub trait Tabs {
    /// Every tab group of this format in `body`, in order (outside fenced code).
    fn groups(&self, body: &str) -> Vec<Group>;
    /// One group holding `snippets`, every line ending in `nl`.
    fn write(&self, snippets: &[Snippet], nl: &str) -> String;
    /// Lines the body must start with for groups to work (imports), when missing.
    fn prelude(&self, _body: &str, _nl: &str) -> Option<String> {
        None
    }
}

/// The groups docsnip owns: at least one tab, every label a configured title.
fn owned(tabs: &dyn Tabs, body: &str, titles: &[&str]) -> Vec<Group> {
    tabs.groups(body)
        .into_iter()
        .filter(|g| !g.tabs.is_empty() && g.tabs.iter().all(|(l, _)| titles.contains(&l.as_str())))
        .collect()
}

/// The tabs of the groups docsnip owns, as (title, code).
pub fn existing_tabs(tabs: &dyn Tabs, page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
    owned(tabs, page.body(), titles)
        .into_iter()
        .flat_map(|g| g.tabs)
        .collect()
}

/// The page with one group of `snippets`: replacing the first owned group, removing
/// the others (with one blank line after each), or appended to the body.
pub fn place_tabs(
    tabs: &dyn Tabs,
    page: &Structure,
    snippets: &[Snippet],
    titles: &[&str],
) -> String {
    let text = page.text();
    if snippets.is_empty() {
        // Every language's template refused the request: no group to write.
        return text.to_string();
    }
    let body = page.body();
    let nl = page.newline();
    let group = tabs.write(snippets, nl);
    let found = owned(tabs, body, titles);
    let mut out = String::with_capacity(text.len() + group.len() + 128);
    out.push_str(&text[..page.body_start()]);
    let mut new_body = String::with_capacity(body.len() + group.len());
    if found.is_empty() {
        let keep = body.trim_end_matches(['\n', '\r', ' ', '\t']);
        let end = if keep.is_empty() {
            0
        } else {
            line_end(body, keep.len())
        };
        new_body.push_str(&body[..end]);
        if end > 0 {
            if !body[..end].ends_with('\n') {
                new_body.push_str(nl);
            }
            new_body.push_str(nl);
        }
        new_body.push_str(&group);
        new_body.push_str(&body[end..]);
    } else {
        let mut at = 0;
        for (i, g) in found.iter().enumerate() {
            new_body.push_str(&body[at..g.range.start]);
            at = g.range.end;
            if i == 0 {
                new_body.push_str(&group);
                if !body[..g.range.end].ends_with('\n') && g.range.end < body.len() {
                    new_body.push_str(nl);
                }
            } else if let Some(next) = page::lines(&body[at..]).next()
                && body[at..at + next.end].trim().is_empty()
            {
                at += next.end;
            }
        }
        new_body.push_str(&body[at..]);
    }
    if let Some(p) = tabs.prelude(&new_body, nl) {
        out.push_str(&p);
    }
    out.push_str(&new_body);
    out
}

/// The end of the line holding byte `at` (after its line ending).
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The lines of `text` as (start, line without its ending), skipping those inside
/// fenced code blocks (which hold examples of the syntax, not groups).
pub(crate) fn lines_outside_fences(text: &str) -> Vec<(usize, &str)> {
    let fences: Vec<Range<usize>> = page::fenced_blocks(text)
        .into_iter()
        .map(|b| b.range)
        .collect();
    page::lines(text)
        .filter(|r| !fences.iter().any(|f| f.start <= r.start && r.start < f.end))
        .map(|r| (r.start, page::content(&text[r])))
        .collect()
}

/// A fence of `ch` long enough that no line of `code` closes it.
pub(crate) fn fence_for(code: &str, ch: char) -> String {
    let longest = code
        .lines()
        .map(|l| l.trim_start().chars().take_while(|c| *c == ch).count())
        .max()
        .unwrap_or(0);
    ch.to_string().repeat((longest + 1).max(3))
}

/// The code of the first fenced block in `markdown`, if any.
pub(crate) fn first_code(markdown: &str) -> String {
    page::fenced_blocks(markdown)
        .first()
        .map(|b| markdown[b.code.clone()].to_string())
        .unwrap_or_default()
}

/// The value of attribute `name` in a tag or shortcode's text: `name="v"`, `name='v'`
/// or (JSX) `name={"v"}`.
pub(crate) fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        if at > 0 && !tag[..at].ends_with([' ', '\t', '\n']) {
            continue;
        }
        let rest = tag[at + name.len()..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let q = rest.chars().next()?;
        if q == '"' || q == '\'' {
            let v = &rest[1..];
            return v.find(q).map(|e| v[..e].to_string());
        }
        if let Some(expr) = rest.strip_prefix('{') {
            let mut de =
                serde_json::Deserializer::from_str(expr.trim_start()).into_iter::<String>();
            return de.next().and_then(Result::ok);
        }
        return None;
    }
    None
}

/// HTML text with its character references (`&amp;`, `&lt;`, `&gt;`, `&quot;`,
/// `&#N;`) decoded.
pub(crate) fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(semi) = rest.find(';') else { break };
        let ent = &rest[1..semi];
        let c = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            e => e
                .strip_prefix('#')
                .and_then(|n| n.parse().ok())
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::format::splice::Snippet;
    use crate::page::{self, Structure};

    pub fn snip(name: &str, title: &str, fence: &str, code: &str) -> Snippet {
        Snippet {
            name: name.into(),
            title: title.into(),
            fence: fence.into(),
            code: code.into(),
        }
    }

    pub fn structure(text: &str) -> Structure<'_> {
        let page::FrontMatter::Closed { yaml, body } = page::front_matter(text) else {
            panic!("no front-matter")
        };
        Structure::new(text, yaml, body, None)
    }

    pub fn two() -> Vec<Snippet> {
        vec![
            snip("curl", "Curl", "bash", "curl 'https://x/{{< a >}}'\n"),
            snip(
                "python",
                "Python (requests)",
                "python",
                "import requests\n\nx = \"{a}\"\n",
            ),
        ]
    }

    /// Place twice: the second run must change nothing.
    pub fn place_twice(f: &dyn super::Format, text: &str, s: &[Snippet]) -> String {
        let titles: Vec<&str> = s.iter().map(|s| s.title.as_str()).collect();
        let once = f.place(&structure(text), s, &titles);
        let twice = f.place(&structure(&once), s, &titles);
        assert_eq!(once, twice, "a second run changed the page");
        once
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_in_every_quoting() {
        assert_eq!(
            attribute(r#"<TabItem value="a" label="Curl">"#, "label").as_deref(),
            Some("Curl")
        );
        assert_eq!(
            attribute("<X label='it\"s'>", "label").as_deref(),
            Some("it\"s")
        );
        assert_eq!(
            attribute(r#"<X label={"a\"b"}>"#, "label").as_deref(),
            Some("a\"b")
        );
        assert_eq!(attribute(r#"<X sublabel="a">"#, "label"), None);
    }

    #[test]
    fn crlf_pages_get_crlf_groups_and_stay_put() {
        use super::testing::{place_twice, two};
        let formats: [Box<dyn Format>; 3] = [
            Box::new(docusaurus::Docusaurus(docusaurus::Settings::default())),
            Box::new(mkdocs::Mkdocs),
            Box::new(hugo::Hugo(hugo::Settings::default())),
        ];
        for f in &formats {
            let out = place_twice(f.as_ref(), "---\r\nmethod: get\r\n---\r\nText.\r\n", &two());
            assert!(out.starts_with("---\r\nmethod: get\r\n---\r\n"), "{out:?}");
            assert!(out.contains("Text.\r\n"), "{out:?}");
            assert_eq!(
                out.matches('\n').count(),
                out.matches("\r\n").count(),
                "{out:?}"
            );
        }
    }

    #[test]
    fn no_snippets_no_group() {
        let page = "---\nmethod: get\n---\nText.\n";
        let f = mkdocs::Mkdocs;
        assert_eq!(
            f.place(&super::testing::structure(page), &[], &["Curl"]),
            page
        );
    }

    #[test]
    fn fences_outlast_the_code() {
        assert_eq!(fence_for("a\n```\n", '`'), "````");
        assert_eq!(fence_for("a\n", '`'), "```");
    }
}
