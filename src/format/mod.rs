//! Output formats: how snippets appear on a page, one docs toolchain each. A format
//! knows three things, all in its own file: how to find the groups it wrote (or a
//! hand-written group it takes over), how to write one, and how to escape snippet text
//! for its toolchain.
//!
//! - [`aviator`]: kramdown blocks in the `right_code` front-matter value (Jekyll's Aviator).
//! - [`aviator_blocks`]: `left_code_blocks` / `right_code_blocks` entries (the current
//!   CloudCannon Aviator template).
//! - [`kramdown`]: the same blocks in the page body.
//! - [`docusaurus`]: MDX `<Tabs>` / `<TabItem>` holding fenced code (Docusaurus 3).
//! - [`mkdocs`]: Material for MkDocs content tabs (`=== "Curl"`).
//! - [`hugo`]: a tabs shortcode (Docsy's `tabpane` / `tab` by default).
//! - [`vitepress`]: VitePress `::: code-group` blocks (```` ```bash [Curl] ````).
//! - [`starlight`]: Astro Starlight `<Tabs syncKey>` / `<TabItem label>` in `.mdx` pages.
//! - [`slate`]: Slate / Shins pages, tabs keyed by fence language (```` ```bash--curl ````).
//!
//! Several requests on a page: the front-matter's request goes where the format's rule
//! puts it, and each docsnip comment's request into the group right after the comment
//! ([`place_page`], shared by every format). A tab format only says how its groups look
//! ([`Tabs`]); the placing rule is shared ([`place_tabs`]): the first owned group not
//! after a comment is replaced where it stands, with none the group is appended to the
//! body. An owned group docsnip does not write is kept as it is and reported
//! ([`Kept`]). Every other byte of the page is kept.

pub mod aviator;
pub mod aviator_blocks;
pub mod docusaurus;
pub mod hugo;
pub mod kramdown;
pub mod mkdocs;
pub mod slate;
pub mod splice;
pub mod starlight;
pub mod vitepress;

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
    Vitepress,
    Starlight,
    Slate,
    /// `left_code_blocks` / `right_code_blocks` entries (`placement: left|right`).
    AviatorBlocks,
}

impl FormatKind {
    pub const NAMES: &[&str] = &[
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

    pub fn parse(name: &str) -> Option<FormatKind> {
        Some(match name {
            "aviator" => FormatKind::Aviator,
            "kramdown" => FormatKind::Kramdown,
            "docusaurus" => FormatKind::Docusaurus,
            "mkdocs" => FormatKind::Mkdocs,
            "hugo" => FormatKind::Hugo,
            "vitepress" => FormatKind::Vitepress,
            "starlight" => FormatKind::Starlight,
            "slate" => FormatKind::Slate,
            "aviator-blocks" => FormatKind::AviatorBlocks,
            _ => return None,
        })
    }

    /// Whether pages with this extension are pages of this toolchain.
    pub fn reads_extension(self, ext: &str) -> bool {
        matches!(ext, "md" | "markdown")
            || (matches!(self, FormatKind::Docusaurus | FormatKind::Starlight) && ext == "mdx")
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
    /// `slate:` (and the site's languages, which make its tab keys).
    pub slate: slate::Settings,
    /// `aviator-blocks`: the list the front-matter request's snippets go to.
    pub side: aviator_blocks::Side,
}

impl Default for FormatSettings {
    fn default() -> Self {
        FormatSettings {
            kind: FormatKind::Aviator,
            liquid: false,
            docusaurus: docusaurus::Settings::default(),
            hugo: hugo::Settings::default(),
            slate: slate::Settings::default(),
            side: aviator_blocks::Side::default(),
        }
    }
}

/// One output format.
///
/// Groups live in the page body (and, for `aviator`, the front-matter request's blocks
/// in `right_code`). A page holds one group per request: the front-matter request's,
/// placed by the format's own rule ([`Format::place`]), and one right after each docsnip
/// comment ([`place_page`], the rule every format shares).
pub trait Format: Send + Sync {
    /// The snippets this format finds on the page (the tabs it would replace), as
    /// (title, code) pairs, for the credential check of hand-pasted examples.
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)>;

    /// The groups in the body that docsnip owns (at least one tab, every label a
    /// configured title), in order, outside fenced code, with body offsets.
    fn owned_groups(&self, page: &Structure, titles: &[&str]) -> Vec<Group>;

    /// One group holding `snippets`, as body text, every line ending in the page's
    /// line ending.
    fn write_group(&self, page: &Structure, snippets: &[Snippet]) -> String;

    /// Why this toolchain cannot show `snippet` (its label or code) to the reader
    /// byte for byte, if it cannot: the page then fails with this error.
    fn refuse(&self, _snippet: &Snippet) -> Option<String> {
        None
    }

    /// Why an endpoint page with this file extension cannot hold this format's groups,
    /// if it cannot (Starlight's components need `.mdx`).
    fn refuse_page(&self, _ext: &str) -> Option<String> {
        None
    }

    /// Why the front-matter cannot take the front-matter request's snippets, if it
    /// cannot, with the page offset to report: the page then fails with this error.
    fn refuse_front(&self, _page: &Structure, _titles: &[&str]) -> Option<(usize, String)> {
        None
    }

    /// Lines the body must start with for groups to work (imports), when missing.
    fn body_prelude(&self, _body: &str, _nl: &str) -> Option<String> {
        None
    }

    /// The placed page's last touch, given every snippet written on it (Slate keeps
    /// its `language_tabs:` front-matter in step).
    fn finish(&self, text: String, _written: &[&Snippet]) -> String {
        text
    }

    /// Why this toolchain cannot hold this docsnip comment (its whole text), if it
    /// cannot, and what to write instead.
    fn refuse_comment(&self, _comment: &str) -> Option<String> {
        None
    }

    /// The text [`Format::refuse`] is about, as the request's values would hold it
    /// (`<b`, `&amp;`, `<!--`), when the format can name it: the error then points at
    /// its first place in the request's YAML, else at the request.
    fn refused_value(&self, _s: &Snippet) -> Option<String> {
        None
    }

    /// The page with the front-matter request's `snippets` placed. `titles` are every
    /// configured language's (a language whose template refused the request has a
    /// title but no snippet). The owned groups in `claimed` (body ranges: those after
    /// a docsnip comment) are not touched; any other owned group that is not the one
    /// written is kept as it stands and listed in [`Placed::kept`].
    fn place(
        &self,
        page: &Structure,
        snippets: &[Snippet],
        titles: &[&str],
        claimed: &[Range<usize>],
    ) -> Placed;
}

/// A page with snippets placed, and the groups left as they stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub text: String,
    pub kept: Vec<Kept>,
}

/// A group (or kramdown block) whose titles docsnip owns but that it neither wrote nor
/// found after a docsnip comment: a user's block docsnip does not regenerate, kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// Page offset of its first line.
    pub at: usize,
    /// Its tab labels (block title).
    pub titles: Vec<String>,
    /// Page offset of the group docsnip writes the front-matter request into, when the
    /// page already holds it.
    pub written: Option<usize>,
}

impl Kept {
    /// The warning: what was kept, why, and how to fix it.
    pub fn message(&self, text: &str) -> String {
        let what = format!("the {} group", self.titles.join(", "));
        let why = match self.written {
            Some(w) => {
                let (l, c) = crate::diag::line_col(text, w);
                format!(
                    "it is not the group docsnip writes this page's front-matter request into (that one is at line {l}, column {c})"
                )
            }
            None => "it follows no docsnip comment, and the front-matter holds no request".into(),
        };
        format!(
            "{what} here is left as it is: {why}; put a `<!-- docsnip … -->` comment holding its request right before it (docsnip then writes it), or delete it"
        )
    }
}

/// For each docsnip comment of the page, the owned group right after it (blank lines
/// between allowed), if any.
pub fn claimed(format: &dyn Format, page: &Structure, titles: &[&str]) -> Vec<Option<Group>> {
    let groups = format.owned_groups(page, titles);
    page.comments()
        .iter()
        .map(|c| {
            let at = page::comment::next_content(page.body(), c);
            groups.iter().find(|g| g.range.start == at).cloned()
        })
        .collect()
}

/// The page with every request's group placed: each comment's (`comments[i]` for the
/// page's comment `i`) replacing the group right after it, or written right after it;
/// then the front-matter request's (`front`), by the format's rule. Returns the text
/// and the groups kept as they stand, at offsets into `page`.
pub fn place_page(
    format: &dyn Format,
    page: &Structure,
    front: Option<&[Snippet]>,
    comments: &[Vec<Snippet>],
    titles: &[&str],
) -> (String, Vec<Kept>) {
    let body = page.body();
    let nl = page.newline();
    let mut splices: Vec<(Range<usize>, String)> = Vec::new();
    for ((c, group), snippets) in page
        .comments()
        .iter()
        .zip(claimed(format, page, titles))
        .zip(comments)
    {
        if snippets.is_empty() {
            continue; // every language refused: the page's warnings say why
        }
        let written = format.write_group(page, snippets);
        match group {
            Some(g) => splices.push((g.range, written)),
            None => {
                let at = c.range.end;
                let mut t = String::with_capacity(written.len() + 8);
                if !body[..at].ends_with('\n') {
                    t.push_str(nl);
                }
                t.push_str(nl);
                t.push_str(&written);
                if page::lines(&body[at..])
                    .next()
                    .is_some_and(|r| !body[at + r.start..at + r.end].trim().is_empty())
                {
                    t.push_str(nl);
                }
                splices.push((at..at, t));
            }
        }
    }
    let start = page.body_start();
    let mut text = String::with_capacity(page.text().len() + 4096);
    text.push_str(&page.text()[..start]);
    let mut at = 0;
    for (r, t) in &splices {
        text.push_str(&body[at..r.start]);
        text.push_str(t);
        at = r.end;
    }
    text.push_str(&body[at..]);

    let again = page.reparse(&text);
    let (mut out, kept) = match front {
        Some(snippets) => {
            let claimed: Vec<Range<usize>> = claimed(format, &again, titles)
                .into_iter()
                .flatten()
                .map(|g| g.range)
                .collect();
            let p = format.place(&again, snippets, titles, &claimed);
            (p.text, p.kept)
        }
        None => {
            let claimed: Vec<Option<Group>> = claimed(format, &again, titles);
            let kept = format
                .owned_groups(&again, titles)
                .into_iter()
                .filter(|g| !claimed.iter().flatten().any(|c| c.range == g.range))
                .map(|g| Kept {
                    at: start + g.range.start,
                    titles: g.tabs.into_iter().map(|(l, _)| l).collect(),
                    written: None,
                })
                .collect();
            (text.clone(), kept)
        }
    };
    if !splices.is_empty()
        && let Some(p) = format.body_prelude(&out[start..], nl)
    {
        out.insert_str(start, &p);
    }
    // Offsets into the text with the comments' groups back to offsets into `page`.
    let back = |at: usize| {
        let mut delta: isize = 0;
        for (r, t) in &splices {
            let new_start = (start + r.start).saturating_add_signed(delta);
            if at < new_start {
                break;
            }
            if at < new_start + t.len() {
                return start + r.start;
            }
            delta += t.len() as isize - r.len() as isize;
        }
        at.saturating_add_signed(-delta)
    };
    let kept = kept
        .into_iter()
        .map(|k| Kept {
            at: back(k.at),
            written: k.written.map(back),
            titles: k.titles,
        })
        .collect();
    let written: Vec<&Snippet> = front
        .into_iter()
        .flatten()
        .chain(comments.iter().flatten())
        .collect();
    (format.finish(out, &written), kept)
}

/// The format the settings name.
pub fn for_settings(s: &FormatSettings) -> Box<dyn Format> {
    match s.kind {
        FormatKind::Aviator => Box::new(aviator::Aviator { liquid: s.liquid }),
        FormatKind::Kramdown => Box::new(kramdown::Kramdown { liquid: s.liquid }),
        FormatKind::Docusaurus => Box::new(docusaurus::Docusaurus(s.docusaurus.clone())),
        FormatKind::Mkdocs => Box::new(mkdocs::Mkdocs),
        FormatKind::Hugo => Box::new(hugo::Hugo(s.hugo.clone())),
        FormatKind::Vitepress => Box::new(vitepress::Vitepress),
        FormatKind::Starlight => Box::new(starlight::Starlight),
        FormatKind::Slate => Box::new(slate::Slate(s.slate.clone())),
        FormatKind::AviatorBlocks => Box::new(aviator_blocks::AviatorBlocks {
            side: s.side,
            liquid: s.liquid,
        }),
    }
}

/// Every tab format is a [`Format`]: it says how its groups look, the rule is shared.
impl<T: Tabs + Send + Sync> Format for T {
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
        owned(self, page.body(), titles)
            .into_iter()
            .flat_map(|g| g.tabs)
            .collect()
    }

    fn owned_groups(&self, page: &Structure, titles: &[&str]) -> Vec<Group> {
        owned(self, page.body(), titles)
    }

    fn write_group(&self, page: &Structure, snippets: &[Snippet]) -> String {
        self.write(snippets, page.newline())
    }

    fn body_prelude(&self, body: &str, nl: &str) -> Option<String> {
        self.prelude(body, nl)
    }

    fn refuse(&self, snippet: &Snippet) -> Option<String> {
        Tabs::refuse(self, snippet)
    }

    fn refuse_page(&self, ext: &str) -> Option<String> {
        Tabs::refuse_page(self, ext)
    }

    fn finish(&self, text: String, written: &[&Snippet]) -> String {
        Tabs::finish(self, text, written)
    }

    fn refuse_comment(&self, comment: &str) -> Option<String> {
        Tabs::refuse_comment(self, comment)
    }

    fn refused_value(&self, s: &Snippet) -> Option<String> {
        Tabs::refused_value(self, s)
    }

    fn place(
        &self,
        page: &Structure,
        snippets: &[Snippet],
        titles: &[&str],
        claimed: &[Range<usize>],
    ) -> Placed {
        place_tabs(self, page, snippets, titles, claimed)
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
    /// [`Format::refuse`].
    fn refuse(&self, _snippet: &Snippet) -> Option<String> {
        None
    }
    /// [`Format::refuse_page`].
    fn refuse_page(&self, _ext: &str) -> Option<String> {
        None
    }
    /// [`Format::finish`].
    fn finish(&self, text: String, _written: &[&Snippet]) -> String {
        text
    }
    /// [`Format::refuse_comment`].
    fn refuse_comment(&self, _comment: &str) -> Option<String> {
        None
    }
    /// [`Format::refused_value`].
    fn refused_value(&self, _s: &Snippet) -> Option<String> {
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

/// The page with one group of `snippets`: replacing the first owned group not in
/// `claimed`, or appended to the body. Later such groups are kept as they stand.
pub fn place_tabs(
    tabs: &dyn Tabs,
    page: &Structure,
    snippets: &[Snippet],
    titles: &[&str],
    claimed: &[Range<usize>],
) -> Placed {
    let text = page.text();
    let found: Vec<Group> = owned(tabs, page.body(), titles)
        .into_iter()
        .filter(|g| !claimed.contains(&g.range))
        .collect();
    let start = page.body_start();
    let kept = found
        .iter()
        .skip(1)
        .map(|g| Kept {
            at: start + g.range.start,
            titles: g.tabs.iter().map(|(l, _)| l.clone()).collect(),
            written: Some(start + found[0].range.start),
        })
        .collect();
    if snippets.is_empty() {
        // Every language's template refused the request: no group to write.
        return Placed {
            text: text.to_string(),
            kept,
        };
    }
    let body = page.body();
    let nl = page.newline();
    let group = tabs.write(snippets, nl);
    let mut out = String::with_capacity(text.len() + group.len() + 128);
    out.push_str(&text[..start]);
    let mut new_body = String::with_capacity(body.len() + group.len());
    match found.first() {
        None => {
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
        }
        Some(g) => {
            new_body.push_str(&body[..g.range.start]);
            new_body.push_str(&group);
            if !body[..g.range.end].ends_with('\n') && g.range.end < body.len() {
                new_body.push_str(nl);
            }
            new_body.push_str(&body[g.range.end..]);
        }
    }
    if let Some(p) = tabs.prelude(&new_body, nl) {
        out.push_str(&p);
    }
    out.push_str(&new_body);
    Placed { text: out, kept }
}

/// The end of the line holding byte `at` (after its line ending).
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

pub(crate) use crate::page::lines_outside_fences;

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
        let key = text.find("right_code:").filter(|k| *k < yaml.end);
        Structure::new(text, yaml, body, key.map(|k| (k, "")))
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
        let once = f.place(&structure(text), s, &titles, &[]).text;
        let twice = f.place(&structure(&once), s, &titles, &[]).text;
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
        let formats: [Box<dyn Format>; 6] = [
            Box::new(docusaurus::Docusaurus(docusaurus::Settings::default())),
            Box::new(mkdocs::Mkdocs),
            Box::new(hugo::Hugo(hugo::Settings::default())),
            Box::new(vitepress::Vitepress),
            Box::new(starlight::Starlight),
            Box::new(slate()),
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
            f.place(&super::testing::structure(page), &[], &["Curl"], &[])
                .text,
            page
        );
    }

    fn all() -> Vec<Box<dyn Format>> {
        vec![
            Box::new(aviator::Aviator { liquid: false }),
            Box::new(kramdown::Kramdown { liquid: true }),
            Box::new(docusaurus::Docusaurus(docusaurus::Settings::default())),
            Box::new(mkdocs::Mkdocs),
            Box::new(hugo::Hugo(hugo::Settings::default())),
            Box::new(slate()),
        ]
    }

    /// A Slate format whose languages are the test snippets' (curl, python).
    fn slate() -> slate::Slate {
        let lang = |name: &str, fence: &str, title: &str| slate::Lang {
            name: name.into(),
            fence: fence.into(),
            title: title.into(),
        };
        slate::Slate(slate::Settings {
            unsafe_html: false,
            languages: vec![
                lang("curl", "bash", "Curl"),
                lang("python", "python", "Python (requests)"),
            ],
        })
    }

    /// `place_page` twice: the second run must change nothing.
    fn place_page_twice(
        f: &dyn Format,
        text: &str,
        front: Option<&[Snippet]>,
        comments: &[Vec<Snippet>],
    ) -> (String, Vec<Kept>) {
        let titles = ["Curl", "Python (requests)"];
        let (once, kept) = place_page(
            f,
            &super::testing::structure(text),
            front,
            comments,
            &titles,
        );
        let (twice, _) = place_page(
            f,
            &super::testing::structure(&once),
            front,
            comments,
            &titles,
        );
        assert_eq!(once, twice, "a second run changed the page");
        (once, kept)
    }

    fn one(code: &str) -> Vec<Snippet> {
        vec![super::testing::snip("curl", "Curl", "bash", code)]
    }

    #[test]
    fn each_comment_gets_its_group_right_after_it_in_every_format() {
        let page = "---\nmethod: get\n---\nIntro.\n\n<!-- docsnip {method: POST} -->\nBetween.\n\n{/* docsnip\nmethod: PUT\n*/}\n```md\n<!-- docsnip {method: GET} -->\n```\n";
        for f in all() {
            let (out, kept) = place_page_twice(
                f.as_ref(),
                page,
                Some(&one("front\n")),
                &[one("post\n"), one("put\n")],
            );
            assert!(kept.is_empty(), "{kept:?}");
            let (c1, post, c2, put) = (
                out.find("<!-- docsnip {method: POST}").unwrap(),
                out.find("post").unwrap(),
                out.find("{/* docsnip").unwrap(),
                out.find("put{").or(out.find("put\n")).unwrap(),
            );
            assert!(c1 < post && post < out.find("Between.").unwrap(), "{out}");
            assert!(c2 < put && put < out.find("```md").unwrap(), "{out}");
            assert_eq!(out.matches("front").count(), 1, "{out}");
            assert!(
                out.contains("```md\n<!-- docsnip {method: GET} -->\n```\n"),
                "{out}"
            );
        }
    }

    #[test]
    fn a_hand_pasted_group_after_a_comment_is_the_comment_s_and_others_are_kept() {
        // Kramdown: two hand-pasted Curl blocks; the second follows a comment.
        let page = "---\nmethod: get\n---\n~~~ bash\nold one\n~~~\n{: title=\"Curl\" }\n\n<!-- docsnip {method: POST} -->\n\n~~~ bash\nold two\n~~~\n{: title=\"Curl\" }\n\n~~~ bash\nthird\n~~~\n{: title=\"Curl\" }\n";
        let f = kramdown::Kramdown { liquid: false };
        let (out, kept) = place_page_twice(&f, page, Some(&one("front\n")), &[one("post\n")]);
        assert!(
            !out.contains("old one") && !out.contains("old two"),
            "{out}"
        );
        assert!(out.find("front").unwrap() < out.find("<!-- docsnip").unwrap());
        assert!(out.find("<!-- docsnip").unwrap() < out.find("post").unwrap());
        // The third block is no one's: kept, reported at its place in the input.
        assert!(out.contains("~~~ bash\nthird\n~~~\n"), "{out}");
        assert_eq!(
            kept,
            vec![Kept {
                at: page.find("~~~ bash\nthird").unwrap(),
                titles: vec!["Curl".into()],
                written: Some(page.find("~~~ bash\nold one").unwrap()),
            }]
        );
        let msg = kept[0].message(page);
        assert!(
            msg.contains("line 4, column 1") && msg.contains("<!-- docsnip"),
            "{msg}"
        );
    }

    #[test]
    fn kept_groups_are_reported_where_they_stand_in_the_input() {
        // A comment's group is written before the kept one: its offset is the input's.
        let page = "---\nmethod: get\n---\n<!-- docsnip {method: POST} -->\n\n=== \"Curl\"\n\n    ```bash\n    a\n    ```\n\nText.\n\n=== \"Curl\"\n\n    ```bash\n    b\n    ```\n\nMore.\n\n=== \"Curl\"\n\n    ```bash\n    c\n    ```\n";
        let (out, kept) = place_page_twice(
            &mkdocs::Mkdocs,
            page,
            Some(&one("front\n")),
            &[one("a long comment group\nof two lines\n")],
        );
        assert!(out.contains("    b\n") || out.contains("front"), "{out}");
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0].at, page.rfind("=== \"Curl\"").unwrap());
        assert_eq!(
            kept[0].written,
            page.find("=== \"Curl\"\n\n    ```bash\n    b")
        );
        // With no front-matter request, every group no comment claims is kept.
        let (_, kept) = place_page_twice(&mkdocs::Mkdocs, page, None, &[one("x\n")]);
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(kept.iter().all(|k| k.written.is_none()));
    }

    #[test]
    fn fences_outlast_the_code() {
        assert_eq!(fence_for("a\n```\n", '`'), "````");
        assert_eq!(fence_for("a\n", '`'), "```");
    }
}
