//! `slate`: Slate and Shins pages (`source/index.html.md`): one long page of many
//! endpoints, a request's group being consecutive fenced blocks (blank lines between),
//! one per language, whose tab is chosen by the fence language:
//!
//! ````text
//! ```bash--curl
//! curl …
//! ```
//!
//! ```python--python
//! import requests
//! ```
//! ````
//!
//! Each docsnip language has its own fence key, `FENCE--NAME` (`bash--curl`,
//! `bash--httpie`, `python--python`, `javascript--node`, …): Shins and Slate both
//! highlight by the part before `--` and show the block under the tab of its whole key
//! (`tab-bash--curl`), so two clients sharing a fence language still get their own tabs.
//! The front-matter's `language_tabs:` list decides which tabs exist and their labels:
//! docsnip keeps it in step with the languages it writes (`- bash--curl: Curl`), and
//! keeps every other entry (a `json` tab, a hand-written `shell`) where it stands.
//! The reader's choice is kept across the page's groups (one tab bar per page) and,
//! by Shins, in the page's address (`?bash--curl`).
//!
//! Several requests on a page: each `<!-- docsnip {…} -->` comment, on ONE line (Shins
//! copies every line holding `<!--` into the built page, so the opening line of a
//! multi-line comment would hide the rest of it), gets the group right after it.
//!
//! What cannot reach the reader byte for byte is refused ([`Format::refuse`]):
//! - in every mode: a CR (Shins strips them); a code line that is exactly `---`
//!   (Shins splits the page at every such line: the rest of the page is lost); a line
//!   holding `<!--` (copied raw into the page's HTML); a line starting with `!INCLUDE `
//!   or an `include::…[]` line (replaced by a file's text, even inside code);
//! - by default, as Shins sanitises the Markdown (without `--unsafe`): a `<` that
//!   starts a tag or comment (`<x`, `</`, `<!`, `<?`, `<3`: anything but a space, a
//!   tab, the line's end, `=` or another `<` after it), a `&` that starts a character
//!   reference (`&name;`, `&#…`, or one of HTML's legacy names without `;`: `&copy`,
//!   `&not`, `&para`, … which the sanitiser decodes even in `&param=1`), and `$1$`,
//!   `$2$`, `$3$` (Shins's own placeholders). With `slate: {unsafe: true}` in
//!   docsnip.yml (a site built with `shins --unsafe`, or Slate's Ruby build) these are
//!   written as they are.
//! - in every mode, code starting with `!` or `~`: Slate's Ruby build (its
//!   `lib/multilang.rb`) reads them as block options and drops two characters;
//! - a language whose fence or name is not made of ASCII letters, digits, `_` and
//!   (fence: single) `-`: the key is a CSS class the tab script selects.
//!
//! [`Format::refuse`]: super::Format::refuse

use super::{Group, Tabs, fence_for};
use crate::format::splice::Snippet;
use crate::page;

/// A configured language: what its key and tab label are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lang {
    pub name: String,
    pub fence: String,
    pub title: String,
}

/// `slate:` in docsnip.yml, and the site's languages (set by the build).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// The site builds with `shins --unsafe` (no sanitiser), or with Slate's Ruby.
    pub unsafe_html: bool,
    /// The configured languages, in order (their keys are the tabs docsnip owns).
    pub languages: Vec<Lang>,
}

pub struct Slate(pub Settings);

/// A language's fence key: `FENCE--NAME`.
pub fn key(fence: &str, name: &str) -> String {
    format!("{fence}--{name}")
}

/// HTML's character reference names that decode without a `;` (the sanitiser's parser
/// decodes them, and longer words starting with them, in text).
const LEGACY: &[&str] = &[
    "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil",
    "ETH", "Eacute", "Ecirc", "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT",
    "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash", "Otilde", "Ouml", "QUOT", "REG", "THORN",
    "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc", "acute", "aelig", "agrave",
    "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent", "copy", "curren", "deg",
    "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14", "frac34", "gt",
    "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr", "micro",
    "middot", "nbsp", "not", "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash",
    "otilde", "ouml", "para", "plusmn", "pound", "quot", "raquo", "reg", "sect", "shy", "sup1",
    "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc", "ugrave", "uml", "uuml",
    "yacute", "yen", "yuml",
];

/// What Shins does to a line of code in every mode, if anything.
fn line_refusal(line: &str) -> Option<String> {
    if line == "---" {
        return Some(
            "a code line is `---`, where Shins splits the page (everything after it is lost)"
                .into(),
        );
    }
    if line.contains("<!--") {
        return Some("a code line holds `<!--`; Shins copies every line holding it into the built page as raw HTML".into());
    }
    if line.starts_with("!INCLUDE ") || (line.starts_with("include::") && line.ends_with("[]")) {
        return Some(format!(
            "a code line starts with `{}`, which Shins replaces with a file's text even inside code",
            if line.starts_with('!') {
                "!INCLUDE "
            } else {
                "include::"
            }
        ));
    }
    None
}

/// What Shins's sanitiser changes in `code` (without `--unsafe`), if anything: the
/// offending text.
pub fn sanitised(code: &str) -> Option<&str> {
    let b = code.as_bytes();
    for (i, c) in code.char_indices() {
        match c {
            '<' => {
                let next = b.get(i + 1).copied();
                if !matches!(next, None | Some(b' ' | b'\t' | b'\n' | b'=' | b'<')) {
                    let end = code[i + 1..]
                        .find(|c: char| c.is_whitespace() || c == '<' || c == '>')
                        .map_or(code.len(), |e| i + 1 + e);
                    let end = if code[end..].starts_with('>') {
                        end + 1
                    } else {
                        end
                    };
                    return Some(&code[i..end]);
                }
            }
            '&' => {
                let rest = &code[i + 1..];
                let name_len = rest
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(rest.len());
                let named = name_len > 0
                    && rest.as_bytes()[0].is_ascii_alphabetic()
                    && rest[name_len..].starts_with(';');
                let hit = if rest.starts_with('#') {
                    Some(2)
                } else if named {
                    Some(name_len + 2)
                } else {
                    LEGACY
                        .iter()
                        .filter(|n| rest.starts_with(*n))
                        .map(|n| n.len() + 1)
                        .max()
                };
                if let Some(n) = hit {
                    let end = (i + n).min(code.len());
                    let end = (end..=code.len())
                        .find(|e| code.is_char_boundary(*e))
                        .unwrap_or(code.len());
                    return Some(&code[i..end]);
                }
            }
            '$' => {
                for p in ["$1$", "$2$", "$3$"] {
                    if code[i..].starts_with(p) {
                        return Some(&code[i..i + 3]);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Why Shins cannot show this snippet as written, if it cannot.
fn refusal(s: &Snippet, unsafe_html: bool) -> Option<String> {
    let ident = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && !t.contains("--")
            && !t.starts_with('-')
            && !t.ends_with('-')
    };
    if !ident(&s.fence) || !ident(&s.name) {
        return Some(format!(
            "the Slate tab key `{}` is not a CSS class name Slate's tab script can select: the language's name and fence must be ASCII letters, digits, `_` and single `-`",
            key(&s.fence, &s.name)
        ));
    }
    if s.title.chars().any(char::is_control) {
        return Some(format!(
            "the tab label {:?} holds a control character, which a `language_tabs` label cannot show",
            s.title
        ));
    }
    if s.code.contains('\r') {
        return Some("the snippet holds a CR, which Shins strips from the page".into());
    }
    if s.code.starts_with(['!', '~']) {
        return Some(format!(
            "the snippet starts with `{}`, which Slate's Ruby build (lib/multilang.rb) takes for a block option: it drops the code's first two characters",
            &s.code[..1]
        ));
    }
    if let Some(why) = s.code.lines().find_map(line_refusal) {
        return Some(why);
    }
    if !unsafe_html && let Some(what) = sanitised(&s.code) {
        return Some(format!(
            "the snippet holds `{what}`, which Shins's sanitiser rewrites (a tag, a character reference or a placeholder of its own); if the site builds with `shins --unsafe` (or Slate's Ruby), set `slate: {{unsafe: true}}` in docsnip.yml, else change this value"
        ));
    }
    None
}

/// The text of the request's values [`refusal`] is about, as YAML would hold it: the
/// line's `<!--`, `!INCLUDE`, `include::` or `---`, or the sanitised text's start (`<b`,
/// `&amp;`, `$2$`; `<` alone when the next character is the snippet's own quoting).
fn refused_value(s: &Snippet, unsafe_html: bool) -> Option<String> {
    // As `refusal` checks: the language (its key, its label) and CR first, which no
    // value's text shows.
    let why = refusal(s, unsafe_html)?;
    if why.starts_with("the Slate tab key")
        || why.starts_with("the tab label")
        || s.code.contains('\r')
    {
        return None;
    }
    let line = s.code.lines().find(|l| line_refusal(l).is_some());
    if let Some(l) = line {
        return Some(
            ["<!--", "!INCLUDE", "include::", "---"]
                .into_iter()
                .find(|n| l.contains(n))?
                .to_string(),
        );
    }
    if unsafe_html {
        return None;
    }
    let what = sanitised(&s.code)?;
    Some(if let Some(rest) = what.strip_prefix('<') {
        match rest.chars().next() {
            Some(c) if c.is_alphanumeric() || matches!(c, '/' | '!' | '?') => {
                format!("<{c}")
            }
            _ => "<".to_string(),
        }
    } else {
        what.to_string()
    })
}

impl Slate {
    /// The label of the configured language whose key is `info`'s first word.
    fn label(&self, info: &str) -> Option<String> {
        let word = info.split_whitespace().next()?;
        self.0
            .languages
            .iter()
            .find(|l| key(&l.fence, &l.name) == word)
            .map(|l| l.title.clone())
    }

    /// The `language_tabs:` front-matter of `text` listing the `written` languages.
    fn language_tabs(&self, text: String, written: &[&Snippet]) -> String {
        if written.is_empty() {
            return text;
        }
        let nl = page::newline(&text);
        // Written languages in the configured order, once each.
        let order = |s: &Snippet| {
            self.0
                .languages
                .iter()
                .position(|l| l.name == s.name)
                .unwrap_or(usize::MAX)
        };
        let mut langs: Vec<&Snippet> = written.to_vec();
        langs.sort_by_key(|s| order(s));
        langs.dedup_by(|a, b| a.name == b.name && a.fence == b.fence);
        let mut owned: Vec<String> = self
            .0
            .languages
            .iter()
            .map(|l| key(&l.fence, &l.name))
            .collect();
        owned.extend(langs.iter().map(|s| key(&s.fence, &s.name)));
        let entries = |indent: &str| -> Vec<String> {
            langs
                .iter()
                .map(|s| {
                    format!(
                        "{indent}- {}: {}{nl}",
                        key(&s.fence, &s.name),
                        yaml_text(&s.title)
                    )
                })
                .collect()
        };
        let (yaml, at_start) = match page::front_matter(&text) {
            page::FrontMatter::Closed { yaml, .. } => (yaml, false),
            page::FrontMatter::None => (0..0, true),
            page::FrontMatter::Unclosed => return text,
        };
        if at_start {
            let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
            let mut out = String::with_capacity(text.len() + 256);
            out.push_str(&text[..bom]);
            out.push_str(&format!("---{nl}language_tabs:{nl}"));
            out.extend(entries("  "));
            out.push_str(&format!("---{nl}"));
            out.push_str(&text[bom..]);
            return out;
        }
        let lines: Vec<std::ops::Range<usize>> = page::lines(&text[yaml.clone()])
            .map(|r| yaml.start + r.start..yaml.start + r.end)
            .collect();
        let Some(k) = lines.iter().position(|r| {
            let l = &text[r.clone()];
            l.starts_with("language_tabs:")
                || l.starts_with("\"language_tabs\":")
                || l.starts_with("'language_tabs':")
        }) else {
            let mut out = String::with_capacity(text.len() + 256);
            out.push_str(&text[..yaml.end]);
            if !text[..yaml.end].ends_with('\n') {
                out.push_str(nl);
            }
            out.push_str(&format!("language_tabs:{nl}"));
            out.extend(entries("  "));
            out.push_str(&text[yaml.end..]);
            return out;
        };
        let key_line = page::content(&text[lines[k].clone()]);
        let after = &key_line[key_line.find(':').map_or(key_line.len(), |i| i + 1)..];
        let value = strip_comment(after).trim();
        // The list's lines: indented ones and `- ` items at the key's column.
        let mut end = k + 1;
        while end < lines.len() {
            let l = page::content(&text[lines[end].clone()]);
            if l.trim().is_empty() || l.starts_with([' ', '\t']) || l.starts_with('-') {
                end += 1;
            } else {
                break;
            }
        }
        // Trailing blank lines are not the list's.
        while end > k + 1
            && page::content(&text[lines[end - 1].clone()])
                .trim()
                .is_empty()
        {
            end -= 1;
        }
        // Items: (key, lines as written).
        let mut items: Vec<(Option<String>, String)> = Vec::new();
        let mut indent = String::from("  ");
        if value.starts_with('[') && value.ends_with(']') {
            for e in split_flow(&value[1..value.len() - 1]) {
                let e = e.trim();
                if !e.is_empty() {
                    items.push((Some(entry_key(e)), format!("  - {e}{nl}")));
                }
            }
        }
        let mut first_item = true;
        for r in &lines[k + 1..end] {
            let raw = &text[r.clone()];
            let l = page::content(raw);
            let t = l.trim_start();
            if let Some(rest) = t
                .strip_prefix('-')
                .filter(|r| r.is_empty() || r.starts_with([' ', '\t']))
            {
                if first_item {
                    indent = l[..l.len() - t.len()].to_string();
                    first_item = false;
                }
                items.push((Some(entry_key(rest.trim())), raw.to_string()));
            } else if t.is_empty() || t.starts_with('#') || items.is_empty() {
                items.push((None, raw.to_string()));
            } else if let Some(last) = items.last_mut() {
                last.1.push_str(raw); // an item's continuation
            }
        }
        let mut list = String::new();
        let mut placed = false;
        for (k, raw) in &items {
            match k {
                Some(k) if owned.contains(k) => {
                    if !placed {
                        list.extend(entries(&indent));
                        placed = true;
                    }
                }
                _ => list.push_str(raw),
            }
        }
        if !placed {
            let mut with = entries(&indent).concat();
            with.push_str(&list);
            list = with;
        }
        let key_out = if value.starts_with('[') || !value.is_empty() {
            format!("language_tabs:{nl}")
        } else {
            text[lines[k].clone()].to_string()
        };
        let from = lines[k].start;
        let to = lines[end - 1].end;
        let mut out = String::with_capacity(text.len() + 256);
        out.push_str(&text[..from]);
        out.push_str(&key_out);
        out.push_str(&list);
        out.push_str(&text[to..]);
        out
    }
}

/// A YAML value without its trailing ` # comment` (outside quotes).
fn strip_comment(v: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in v.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev == ' ' || prev == '\t' => return &v[..i],
            _ => {}
        }
        prev = c;
    }
    v
}

/// A flow sequence's entries (no nesting beyond one `{…}` mapping per entry).
fn split_flow(v: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut from) = (0, None, 0);
    for (i, c) in v.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&v[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(&v[from..]);
    out
}

/// The tab key of a `language_tabs` entry: `shell`, `bash--curl: Curl`, `{x: X}`.
fn entry_key(e: &str) -> String {
    let e = strip_comment(e).trim();
    let e = e
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(e)
        .trim();
    let k = match e.find(": ") {
        Some(i) => &e[..i],
        None => e.strip_suffix(':').unwrap_or(e),
    };
    k.trim().trim_matches(['"', '\'']).to_string()
}

/// `text` as a YAML scalar: plain when it reads back as itself, else double-quoted.
fn yaml_text(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, ' ' | '(' | ')' | '.' | '_' | '+' | '/')
        })
        && text.trim() == text
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "yes" | "no" | "true" | "false" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

impl Tabs for Slate {
    fn refuse(&self, s: &Snippet) -> Option<String> {
        refusal(s, self.0.unsafe_html)
    }

    fn groups(&self, body: &str) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        let mut last_end: Option<usize> = None;
        for b in page::fenced_blocks(body) {
            let Some(label) = self.label(&b.info) else {
                last_end = None;
                continue;
            };
            let code = body[b.code.clone()].to_string();
            match (last_end, groups.last_mut()) {
                (Some(e), Some(g)) if body[e..b.range.start].trim().is_empty() => {
                    g.range.end = b.range.end;
                    g.tabs.push((label, code));
                }
                _ => groups.push(Group {
                    range: b.range.clone(),
                    tabs: vec![(label, code)],
                }),
            }
            last_end = Some(b.range.end);
        }
        groups
    }

    fn write(&self, snippets: &[Snippet], nl: &str) -> String {
        let mut out = String::new();
        for (i, s) in snippets.iter().enumerate() {
            if i > 0 {
                out.push_str(nl);
            }
            let fence = fence_for(&s.code, '`');
            out.push_str(&format!("{fence}{}{nl}", key(&s.fence, &s.name)));
            for l in s.code.lines() {
                out.push_str(l);
                out.push_str(nl);
            }
            out.push_str(&fence);
            out.push_str(nl);
        }
        out
    }

    fn finish(&self, text: String, written: &[&Snippet]) -> String {
        self.language_tabs(text, written)
    }

    fn refused_value(&self, s: &Snippet) -> Option<String> {
        refused_value(s, self.0.unsafe_html)
    }

    fn refuse_comment(&self, comment: &str) -> Option<String> {
        let first = comment.lines().next().unwrap_or("");
        (comment.trim_end().lines().count() > 1 && first.contains("<!--")).then(|| {
            "Shins copies every line holding `<!--` into the built page, so this comment's opening line would hide the rest of the page: write it on one line, as a YAML flow mapping: `<!-- docsnip {method: POST, request: {path: /orders, json: {sku: A1}}} -->`".to_string()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{place_twice, snip, structure};
    use super::*;
    use crate::format::{Format, place_page};

    fn langs() -> Vec<Lang> {
        [
            ("curl", "bash", "Curl"),
            ("httpie", "bash", "HTTPie"),
            ("python", "python", "Python (requests)"),
        ]
        .into_iter()
        .map(|(n, f, t)| Lang {
            name: n.into(),
            fence: f.into(),
            title: t.into(),
        })
        .collect()
    }

    fn slate() -> Slate {
        Slate(Settings {
            unsafe_html: false,
            languages: langs(),
        })
    }

    fn three() -> Vec<Snippet> {
        vec![
            snip("curl", "Curl", "bash", "curl https://x/a\n"),
            snip("httpie", "HTTPie", "bash", "http https://x/a\n"),
            snip("python", "Python (requests)", "python", "import requests\n"),
        ]
    }

    fn place_page_twice(
        text: &str,
        front: Option<&[Snippet]>,
        comments: &[Vec<Snippet>],
    ) -> String {
        let titles = ["Curl", "HTTPie", "Python (requests)"];
        let f = slate();
        let (once, kept) = place_page(&f, &structure(text), front, comments, &titles);
        assert!(kept.is_empty(), "{kept:?}");
        let (twice, _) = place_page(&f, &structure(&once), front, comments, &titles);
        assert_eq!(once, twice, "a second run changed the page");
        once
    }

    #[test]
    fn appends_one_group_and_lists_its_tabs() {
        let page = "---\ntitle: API\nlanguage_tabs: # tabs\n  - json: JSON\ntoc_footers:\n  - x\n---\n# Orders\n\nText.\n";
        let out = place_page_twice(page, Some(&three()), &[]);
        insta::assert_snapshot!(out);
        assert!(out.starts_with("---\ntitle: API\nlanguage_tabs: # tabs\n  - bash--curl: Curl\n  - bash--httpie: HTTPie\n  - python--python: Python (requests)\n  - json: JSON\ntoc_footers:\n  - x\n---\n"), "{out}");
        assert!(out.ends_with("Text.\n\n```bash--curl\ncurl https://x/a\n```\n\n```bash--httpie\nhttp https://x/a\n```\n\n```python--python\nimport requests\n```\n"), "{out}");
    }

    #[test]
    fn many_requests_each_after_its_comment() {
        let page = "---\ntitle: API\nlanguage_tabs:\n  - shell\n  - bash--curl: cURL\n  - ruby: Ruby\n---\n# Orders\n\n## Create\n\n<!-- docsnip {method: POST, request: {path: /orders}} -->\n\n```bash--curl\nold\n```\n\n```ruby\nkept ruby\n```\n\n## List\n\n<!-- docsnip {method: GET, request: {path: /orders}} -->\n\nText after.\n";
        let post = vec![three()[0].clone(), three()[2].clone()];
        let get = vec![three()[0].clone()];
        let out = place_page_twice(page, None, &[post, get]);
        insta::assert_snapshot!(out);
        assert!(out.contains("  - shell\n  - bash--curl: Curl\n  - python--python: Python (requests)\n  - ruby: Ruby\n"), "{out}");
        assert!(!out.contains("old"), "{out}");
        assert!(out.contains("```\n\n```ruby\nkept ruby\n```\n"), "{out}");
        assert_eq!(out.matches("```bash--curl\n").count(), 2, "{out}");
    }

    #[test]
    fn a_page_without_front_matter_gets_one() {
        let page = "<!-- docsnip {method: GET} -->\n";
        let titles = ["Curl"];
        let f = slate();
        let s = crate::page::Structure::new(page, 0..0, 0, None);
        let (out, _) = place_page(&f, &s, None, &[vec![three()[0].clone()]], &titles);
        assert_eq!(
            out,
            "---\nlanguage_tabs:\n  - bash--curl: Curl\n---\n<!-- docsnip {method: GET} -->\n\n```bash--curl\ncurl https://x/a\n```\n"
        );
    }

    #[test]
    fn flow_lists_become_block_lists_keeping_user_tabs() {
        let f = slate();
        let s = three();
        let out = f.language_tabs(
            "---\nlanguage_tabs: [shell, {bash--httpie: H}, 'json']\n---\nx\n".into(),
            &[&s[1]],
        );
        assert_eq!(
            out,
            "---\nlanguage_tabs:\n  - shell\n  - bash--httpie: HTTPie\n  - 'json'\n---\nx\n"
        );
    }

    #[test]
    fn groups_are_runs_of_keyed_blocks() {
        let body = "```bash--curl\na\n```\n\n```python--python\nb\n```\n```json\n{}\n```\n\n```bash--httpie\nc\n```\n\nText.\n\n```bash--curl\nd\n```\n";
        let g = slate().groups(body);
        assert_eq!(g.len(), 3, "{g:?}");
        assert_eq!(
            g[0].tabs,
            vec![
                ("Curl".into(), "a\n".into()),
                ("Python (requests)".into(), "b\n".into())
            ]
        );
        assert_eq!(
            &body[g[0].range.clone()],
            "```bash--curl\na\n```\n\n```python--python\nb\n```\n"
        );
        assert_eq!(g[1].tabs, vec![("HTTPie".into(), "c\n".into())]);
        let out = place_twice(
            &slate(),
            "---\nmethod: get\n---\n```bash--curl\nold\n```\n",
            &three(),
        );
        assert!(!out.contains("old"), "{out}");
    }

    #[test]
    fn refuses_what_shins_changes() {
        let s = |code: &str| snip("curl", "Curl", "bash", code);
        for ok in [
            "curl 'a?x=1&b=2' -d 'a < b' -d 'a <= b >= c' -d '<< x' -d '&;' -d '& x'\n",
            "a > b\n> c\n--- \n-----\n{{ x }} \u{2028}\t\n",
        ] {
            assert_eq!(refusal(&s(ok), false), None, "{ok:?}");
        }
        for bad in [
            "a\rb\n",
            "x\n---\ny\n",
            "<!--more-->\n",
            "!INCLUDE /etc/passwd\n",
            "include::a.md[]\n",
        ] {
            assert!(refusal(&s(bad), false).is_some(), "{bad:?}");
            assert!(refusal(&s(bad), true).is_some(), "{bad:?}");
        }
        for (bad, what) in [
            ("a<b\n", "<b"),
            ("<3\n", "<3"),
            ("</code>\n", "</code>"),
            ("<script>alert(1)</script>\n", "<script>"),
            ("x &amp; y\n", "&amp;"),
            ("a=1&param=2\n", "&para"),
            ("&region=eu\n", "&reg"),
            ("&#13;\n", "&#"),
            ("&Foo;\n", "&Foo;"),
            ("echo '$2$'\n", "$2$"),
        ] {
            assert_eq!(sanitised(bad), Some(what), "{bad:?}");
            assert!(refusal(&s(bad), false).unwrap().contains(what), "{bad:?}");
            assert_eq!(refusal(&s(bad), true), None, "{bad:?}");
        }
        assert!(refusal(&snip("c++", "C++", "cpp", "x\n"), false).is_some());
        for lead in ["!x\n", "~ x\n"] {
            assert!(
                refusal(&s(lead), true).unwrap().contains("multilang.rb"),
                "{lead:?}"
            );
        }
        assert!(refusal(&snip("a", "A", "b--c", "x\n"), false).is_some());
    }

    #[test]
    fn refused_values_are_named_as_yaml_holds_them() {
        let s = |code: &str| snip("curl", "Curl", "bash", code);
        for (code, value) in [
            ("x <b>y</b>\n", Some("<b")),
            ("curl -d '<'\n", Some("<")),
            ("a=1&param=2\n", Some("&para")),
            ("a\n---\nb\n", Some("---")),
            ("x <!--more-->\n", Some("<!--")),
            ("!INCLUDE /etc/x\n", Some("!INCLUDE")),
            ("a\rb <b>\n", None),
            ("fine\n", None),
        ] {
            assert_eq!(refused_value(&s(code), false).as_deref(), value, "{code:?}");
        }
        assert_eq!(refused_value(&s("x <b>\n"), true), None);
        assert_eq!(
            refused_value(&snip("c++", "C++", "cpp", "<b>\n"), false),
            None
        );
    }

    #[test]
    fn multi_line_comments_are_refused() {
        let f = slate();
        assert!(Format::refuse_comment(&f, "<!-- docsnip\nmethod: GET\n-->\n").is_some());
        assert!(Format::refuse_comment(&f, "<!-- docsnip {method: GET} -->\n").is_none());
    }
}
