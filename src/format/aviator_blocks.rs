//! `aviator-blocks`: the current CloudCannon Aviator template
//! (github.com/CloudCannon/aviator-jekyll-template, read at 1063442). An endpoint
//! page's front-matter holds `left_code_blocks:` / `right_code_blocks:` lists of
//! `{code_block, title, language}`; the template's `index.html` shows a list only when
//! its first entry has code (`doc.right_code_blocks[0].code_block`), and renders each
//! entry through `_includes/syntax-highlight.html`:
//!
//! ````text
//! ``` {{ include.block.language }}
//! {{ include.block.code_block }}
//! ```
//! {: title="{{ include.block.title }}" }
//! ````
//!
//! captured and passed through `markdownify` (kramdown). Front-matter values are not run
//! through Liquid (the layout prints them with `{{ }}`, which does not render again), so
//! the code needs no Liquid escaping, but:
//! - a code line of three or more backticks alone closes the template's fence: such a
//!   snippet is refused ([`AviatorBlocks::refuse`]); a title holding `"`, `}` or `\`
//!   breaks the `{: title="…" }` attribute list, and a fence language holding white
//!   space or a backtick breaks the info string: refused too;
//! - the value is written as a YAML block scalar (`|-`, `|` or `|+` so that the template's
//!   own line break after it gives back the snippet's last line break; an indentation
//!   indicator when the code starts with white space); characters YAML 1.1 reads as line
//!   breaks or refuses never get here (the build refuses them for every format).
//!
//! The front-matter request's snippets are one run of entries in the list `placement:`
//! names (default right). docsnip's entries are those titled as configured languages:
//! the first run of them is replaced where it stands (in either list); with none, the
//! CloudCannon seed entry (empty `code_block` and `title`) is replaced, or the run goes
//! first in the list (request before the user's Response examples); seed entries that
//! lead a list before docsnip's run go (they would hide it). The user's other entries,
//! their order, their bytes and the comment lines between entries are kept; a later
//! entry titled as a language is kept and reported ([`Kept`]). A `*_code_blocks` value
//! that is not a list is an error ([`Format::refuse_front`]): docsnip does not replace it.
//!
//! A docsnip comment's request goes into the body, right after the comment, as kramdown
//! blocks, as the `aviator` and `kramdown` formats write them
//! ([`splice::group_text`]); the page body goes through Liquid, so they are
//! Liquid-safe when `liquid:` is on. (The stock template's `index.html` prints
//! `content_markdown`, not the body: a site holding several requests per page shows the
//! body, `{{ doc.content }}`, as `examples/sites/aviator-blocks` does.)

use super::splice::{self, Snippet};
use super::{Format, Group, Kept, Placed};
use crate::page::{self, Structure};
use crate::yaml::{self, Node, Value};
use std::ops::Range;

/// Which list the front-matter request's snippets go to (`placement: left|right`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    Left,
    #[default]
    Right,
}

impl Side {
    pub fn key(self) -> &'static str {
        match self {
            Side::Left => "left_code_blocks",
            Side::Right => "right_code_blocks",
        }
    }

    pub fn parse(name: &str) -> Option<Side> {
        match name {
            "left" => Some(Side::Left),
            "right" => Some(Side::Right),
            _ => None,
        }
    }
}

pub struct AviatorBlocks {
    pub side: Side,
    /// Whether the page body goes through Liquid (see [`splice::liquid_raw`]).
    pub liquid: bool,
}

/// One entry of a blocks list.
#[derive(Debug, Clone)]
struct Entry {
    /// Page range of its lines (block lists only; empty otherwise).
    range: Range<usize>,
    /// Page offset of the entry's content.
    at: usize,
    title: Option<String>,
    code: Option<String>,
    node: Node,
}

impl Entry {
    /// CloudCannon's seed entry: no code and no title.
    fn is_seed(&self) -> bool {
        self.code.as_deref().is_none_or(|c| c.trim().is_empty())
            && self.title.as_deref().is_none_or(str::is_empty)
    }
}

/// A `*_code_blocks` key of the front-matter.
#[derive(Debug, Clone)]
struct List {
    /// Page range from the key's line to the end of its last value line.
    entry: Range<usize>,
    /// Page offset of the key.
    key: usize,
    /// Written as a block sequence (`- code_block: …` lines): entries are spliced in
    /// place. Otherwise (null, flow list) the entry is written anew.
    block: bool,
    /// End of the key's line when nothing but a comment follows the key there.
    header_end: Option<usize>,
    /// Column of the entries' `-`.
    dash: usize,
    items: Vec<Entry>,
    /// The value is neither a list nor empty: docsnip leaves it alone.
    foreign: bool,
}

fn field<'a>(node: &'a Node, name: &str) -> Option<&'a Node> {
    node.as_map()?
        .iter()
        .find(|(k, _)| k.scalar_text() == Some(name))
        .map(|(_, v)| v)
}

/// The `left_code_blocks` and `right_code_blocks` lists of the page, in that order.
fn lists(page: &Structure) -> [Option<List>; 2] {
    let text = page.text();
    let yr = page.yaml_range();
    let Ok(root) = yaml::parse(&text[yr.clone()]) else {
        return [None, None];
    };
    let mut out = [None, None];
    let Some(map) = root.as_map() else {
        return out;
    };
    for (k, v) in map {
        let slot = match k.scalar_text() {
            Some("left_code_blocks") => 0,
            Some("right_code_blocks") => 1,
            _ => continue,
        };
        let key = yr.start + k.offset;
        if key != yr.start && !text[..key].ends_with('\n') {
            continue; // not a top-level block mapping key
        }
        out[slot] = Some(list(text, yr.clone(), key, v));
    }
    out
}

fn list(text: &str, yr: Range<usize>, key: usize, value: &Node) -> List {
    let key_end = text[key..yr.end].find('\n').map_or(yr.end, |i| key + i + 1);
    // The entry's lines: indented ones, and `-` lines in column 0 (a compact list);
    // blank and column-0 comment lines after the last of them are not its.
    let mut end = key_end;
    let mut first_item: Option<(usize, usize)> = None; // (line start, dash column)
    let mut dash_lines: Vec<usize> = Vec::new();
    for r in page::lines(&text[key_end..yr.end]) {
        let start = key_end + r.start;
        let line = page::content(&text[start..key_end + r.end]);
        let t = line.trim_start_matches(' ');
        if t.trim().is_empty() || (t.starts_with('#') && t.len() == line.len()) {
            continue;
        }
        let col = line.len() - t.len();
        let is_dash = t == "-" || t.starts_with("- ") || t.starts_with("-\t");
        if col == 0 && !is_dash {
            break;
        }
        if !t.starts_with('#') {
            if first_item.is_none() {
                first_item = Some((start, if is_dash { col } else { usize::MAX }));
            }
            if is_dash && first_item.is_some_and(|(_, d)| d == col) {
                dash_lines.push(start);
            }
        }
        end = key_end + r.end;
    }
    let header = page::content(&text[key..key_end]);
    let after = header.split_once(':').map_or("", |(_, v)| v).trim();
    let inline_empty = after.is_empty() || after.starts_with('#');
    let items: Vec<Node> = match &value.value {
        Value::Seq(items) => items.clone(),
        _ => Vec::new(),
    };
    let foreign = match &value.value {
        Value::Seq(_) | Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        _ => true,
    };
    let dash = first_item.map_or(usize::MAX, |(_, d)| d);
    let block = inline_empty
        && dash != usize::MAX
        && !items.is_empty()
        && dash_lines.len() == items.len()
        && dash_lines
            .iter()
            .zip(&items)
            .all(|(l, n)| *l <= yr.start + n.offset);
    let entries = items
        .iter()
        .enumerate()
        .map(|(i, n)| Entry {
            range: if block {
                dash_lines[i]..dash_lines.get(i + 1).copied().unwrap_or(end)
            } else {
                0..0
            },
            at: yr.start + n.offset,
            title: field(n, "title")
                .and_then(Node::scalar_text)
                .map(str::to_string),
            code: field(n, "code_block")
                .and_then(Node::scalar_text)
                .map(str::to_string),
            node: n.clone(),
        })
        .collect();
    List {
        entry: key..end,
        key,
        header_end: inline_empty.then_some(key_end),
        block,
        dash: if block { dash } else { 2 },
        items: entries,
        foreign,
    }
}

/// The code an entry shows: the template writes a line break after `code_block`.
fn shown(code: &str) -> String {
    let mut c = code.to_string();
    c.push('\n');
    c
}

/// The run of entries docsnip replaces in `items`: the first entry titled as a
/// language, and those right after it with other language titles.
fn run(items: &[Entry], titles: &[&str]) -> Option<Range<usize>> {
    let owned = |e: &Entry| e.title.as_deref().is_some_and(|t| titles.contains(&t));
    let first = items.iter().position(owned)?;
    let mut seen: Vec<&str> = Vec::new();
    let mut end = first;
    while end < items.len() && owned(&items[end]) {
        let t = items[end].title.as_deref().unwrap_or_default();
        if seen.contains(&t) {
            break;
        }
        seen.push(t);
        end += 1;
    }
    Some(first..end)
}

impl AviatorBlocks {
    /// The list the front-matter request's snippets go to (the one already holding
    /// docsnip's entries, else `placement:`'s), the other one, and the target's key.
    fn target(
        &self,
        page: &Structure,
        titles: &[&str],
    ) -> (Option<List>, Option<List>, &'static str) {
        let [left, right] = lists(page);
        let (mine, other) = match self.side {
            Side::Left => (left, right),
            Side::Right => (right, left),
        };
        let owns = |l: &Option<List>| {
            l.as_ref()
                .is_some_and(|l| !l.foreign && run(&l.items, titles).is_some())
        };
        let other_side = match self.side {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        };
        if !owns(&mine) && owns(&other) {
            (other, mine, other_side.key())
        } else {
            (mine, other, self.side.key())
        }
    }
}

impl Format for AviatorBlocks {
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for l in lists(page).iter().flatten() {
            for e in &l.items {
                if let (Some(t), Some(c)) = (&e.title, &e.code)
                    && titles.contains(&t.as_str())
                {
                    out.push((t.clone(), shown(c)));
                }
            }
        }
        out.extend(splice::existing(page, titles));
        out
    }

    fn owned_groups(&self, page: &Structure, titles: &[&str]) -> Vec<Group> {
        splice::groups(page, titles)
    }

    fn write_group(&self, page: &Structure, snippets: &[Snippet]) -> String {
        splice::group_text(snippets, page.newline(), self.liquid)
    }

    fn refuse_front(&self, page: &Structure, titles: &[&str]) -> Option<(usize, String)> {
        let (target, _, key) = self.target(page, titles);
        let l = target.filter(|l| l.foreign)?;
        Some((
            l.key,
            format!(
                "`{key}` is not a list, so docsnip cannot add its entries without replacing your value: make it a list of `{{code_block, title, language}}` entries (or empty it)"
            ),
        ))
    }

    fn refuse(&self, s: &Snippet) -> Option<String> {
        if let Some((i, _)) = s.code.split('\n').enumerate().find(|(_, l)| {
            let t = l.trim_start_matches(' ');
            l.len() - t.len() <= 3
                && t.starts_with("```")
                && t.trim_start_matches('`')
                    .trim_matches([' ', '\t', '\r'])
                    .is_empty()
        }) {
            return Some(format!(
                "its line {} is a fence of backticks, which closes the ``` fence the Aviator template writes around `code_block` (_includes/syntax-highlight.html): the reader would see the code cut there; change the value that puts it there, or use `format: aviator`",
                i + 1
            ));
        }
        if let Some(c) = s
            .title
            .chars()
            .find(|c| matches!(c, '"' | '}' | '\\') || c.is_control())
        {
            return Some(format!(
                "its title `{}` holds {c:?}, which breaks the `{{: title=\"…\" }}` the Aviator template writes: choose a title without it in docsnip.yml",
                s.title
            ));
        }
        if s.fence.chars().any(|c| c.is_whitespace() || c == '`') {
            return Some(format!(
                "its fence language `{}` holds white space or a backtick, which the template's ``` line cannot hold",
                s.fence
            ));
        }
        None
    }

    fn place(
        &self,
        page: &Structure,
        snippets: &[Snippet],
        titles: &[&str],
        claimed: &[Range<usize>],
    ) -> Placed {
        let text = page.text();
        let nl = page.newline();
        let (target, rest, target_key) = self.target(page, titles);
        let the_run = target
            .as_ref()
            .filter(|l| !l.foreign)
            .and_then(|l| run(&l.items, titles));
        let written = target.as_ref().map_or(page.yaml_range().end, |l| {
            the_run.as_ref().map_or(l.key, |r| l.items[r.start].at)
        });
        let owned = |e: &Entry| e.title.as_deref().is_some_and(|t| titles.contains(&t));
        let mut kept: Vec<Kept> = Vec::new();
        let mut keep = |e: &Entry| {
            kept.push(Kept {
                at: e.at,
                titles: vec![e.title.clone().unwrap_or_default()],
                written: Some(written),
            })
        };
        if let Some(l) = &target {
            for (i, e) in l.items.iter().enumerate() {
                if owned(e) && !the_run.as_ref().is_some_and(|r| r.contains(&i)) {
                    keep(e);
                }
            }
        }
        if let Some(l) = &rest {
            l.items.iter().filter(|e| owned(e)).for_each(&mut keep);
        }
        // Blocks of the older template's `right_code` value, which this template does not
        // show: kept, and said.
        for t in titles {
            if let Some((_, starts)) = page.right_code_block(t) {
                kept.push(Kept {
                    at: starts.first().copied().unwrap_or(written),
                    titles: vec![t.to_string()],
                    written: Some(written),
                });
            }
        }
        for g in splice::groups(page, titles) {
            if !claimed.contains(&g.range) {
                kept.push(Kept {
                    at: page.body_start() + g.range.start,
                    titles: g.tabs.iter().map(|(t, _)| t.clone()).collect(),
                    written: Some(written),
                });
            }
        }
        kept.sort_by_key(|k| k.at);
        if snippets.is_empty() {
            return Placed {
                text: text.to_string(),
                kept,
            };
        }
        let mut out = String::with_capacity(text.len() + 4096);
        match &target {
            Some(l) if l.foreign => {
                // Not a list: left as it is, and the snippets go nowhere. Say so.
                kept.push(Kept {
                    at: l.key,
                    titles: snippets.iter().map(|s| s.title.clone()).collect(),
                    written: None,
                });
                return Placed {
                    text: text.to_string(),
                    kept,
                };
            }
            Some(l) => {
                // The entries replaced: docsnip's run; else CloudCannon's (first) seed
                // entry; else none (the snippets go first). Seed entries
                // leading the list before docsnip's run go: the template shows a list
                // only when its first entry has code, so they would hide it.
                let replaced: Range<usize> = match &the_run {
                    Some(r) => r.clone(),
                    None => l
                        .items
                        .iter()
                        .position(Entry::is_seed)
                        .map_or(0..0, |i| i..i + 1),
                };
                let lead = match &the_run {
                    Some(r) => l.items[..r.start]
                        .iter()
                        .take_while(|e| e.is_seed())
                        .count(),
                    None => 0,
                };
                if l.block {
                    let group: String = snippets.iter().map(|s| item(s, l.dash, nl)).collect();
                    let at = if replaced.is_empty() {
                        l.items[0].range.start..l.items[0].range.start
                    } else {
                        l.items[replaced.start].range.start..l.items[replaced.end - 1].range.end
                    };
                    // Blank and comment lines ending an entry that goes are kept.
                    let tail = |e: &Entry| {
                        &text[e.range.end - trailing_kept(&text[e.range.clone()])..e.range.end]
                    };
                    let from = l
                        .items
                        .get(lead)
                        .map_or(at.start, |e| e.range.start.min(at.start));
                    out.push_str(&text[..l.items.first().map_or(at.start, |e| e.range.start)]);
                    l.items[..lead].iter().for_each(|e| out.push_str(tail(e)));
                    out.push_str(&text[from..at.start]);
                    out.push_str(&group);
                    l.items[replaced].iter().for_each(|e| out.push_str(tail(e)));
                    out.push_str(&text[at.end..]);
                } else if let (true, Some(h)) = (l.items.is_empty(), l.header_end) {
                    // `key:` alone (maybe with comment lines): the entries go after it.
                    out.push_str(&text[..h]);
                    out.extend(snippets.iter().map(|s| item(s, 2, nl)));
                    out.push_str(&text[h..]);
                } else {
                    // Null or a flow list: written anew as a block list.
                    let mut entry = format!("{target_key}:{nl}");
                    let ours = || snippets.iter().map(|s| item(s, 2, nl)).collect::<String>();
                    if replaced.is_empty() {
                        entry.push_str(&ours());
                    }
                    for (i, e) in l.items.iter().enumerate().skip(lead) {
                        if i == replaced.start && !replaced.is_empty() {
                            entry.push_str(&ours());
                        }
                        if !replaced.contains(&i) {
                            entry.push_str(&any_item(&e.node, 2, nl));
                        }
                    }
                    out.push_str(&text[..l.entry.start]);
                    out.push_str(&entry);
                    out.push_str(&text[l.entry.end..]);
                }
            }
            None => {
                let end = page.yaml_range().end;
                out.push_str(&text[..end]);
                if end > 0 && !text[..end].ends_with('\n') && end != page.yaml_range().start {
                    out.push_str(nl);
                }
                out.push_str(target_key);
                out.push(':');
                out.push_str(nl);
                for s in snippets {
                    out.push_str(&item(s, 2, nl));
                }
                out.push_str(&text[end..]);
            }
        }
        Placed { text: out, kept }
    }
}

/// Length of the run of blank and comment-only lines that ends `text`.
fn trailing_kept(text: &str) -> usize {
    let mut keep = 0;
    let ranges: Vec<Range<usize>> = page::lines(text).collect();
    for r in ranges.iter().rev() {
        let t = text[r.clone()].trim();
        if t.is_empty() || t.starts_with('#') {
            keep += r.len();
        } else {
            break;
        }
    }
    keep
}

/// One list entry for a snippet, its `-` in column `dash`, lines ending in `nl`.
fn item(s: &Snippet, dash: usize, nl: &str) -> String {
    let mut out = String::with_capacity(s.code.len() + 64);
    out.extend(std::iter::repeat_n(' ', dash));
    out.push_str("- code_block: ");
    block_scalar(&mut out, &s.code, dash + 4, nl);
    let inner: String = " ".repeat(dash + 2);
    for (k, v) in [("title", &s.title), ("language", &s.fence)] {
        out.push_str(&inner);
        out.push_str(k);
        out.push_str(": ");
        out.push_str(&scalar(v));
        out.push_str(nl);
    }
    out
}

/// `code` as a block scalar (header, line break, lines indented by `indent`) whose value,
/// followed by the template's own line break, is `code`: the last line break is left
/// out (`|-`), or kept with those before it (`|`, `|+`).
fn block_scalar(out: &mut String, code: &str, indent: usize, nl: &str) {
    let value = code.strip_suffix('\n').unwrap_or(code);
    if value.is_empty() {
        out.push_str("\"\"");
        out.push_str(nl);
        return;
    }
    let body = value.trim_end_matches('\n');
    let breaks = value.len() - body.len();
    out.push('|');
    if body.starts_with([' ', '\t', '\n']) {
        // The indentation is the parent's (the entry's keys, `indent - 2`) plus 2.
        out.push('2');
    }
    out.push_str(match breaks {
        0 => "-",
        1 => "",
        _ => "+",
    });
    out.push_str(nl);
    for l in body.split('\n') {
        if !l.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(l);
        }
        out.push_str(nl);
    }
    for _ in 1..breaks {
        out.push_str(nl);
    }
}

/// A scalar for a title or language: plain when that is read back as the same string
/// by YAML 1.1 and 1.2, else double-quoted.
fn scalar(v: &str) -> String {
    let plain = v.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || " ()._+/-".contains(c))
        && !v.ends_with(' ')
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain { v.to_string() } else { quoted(v) }
}

/// A YAML double-quoted scalar: `\`, `"` and every character YAML 1.1 could read as a
/// line break or refuses, escaped.
fn quoted(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ) =>
            {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Any value in flow style (double-quoted strings, numbers and booleans as written).
fn flow(n: &Node) -> String {
    match &n.value {
        Value::Null => "null".into(),
        Value::Bool(_, raw) | Value::Number(raw) => raw.clone(),
        Value::String(s) => quoted(s),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", flow(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A user's entry of a list that is written anew (it was a flow list), its meaning kept.
fn any_item(n: &Node, dash: usize, nl: &str) -> String {
    let pad = " ".repeat(dash);
    match n.as_map() {
        Some(m) if !m.is_empty() => {
            let mut out = String::new();
            for (i, (k, v)) in m.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(if i == 0 { "- " } else { "  " });
                out.push_str(&flow(k));
                out.push_str(": ");
                match (&v.value, k.scalar_text()) {
                    (Value::String(s), Some("code_block")) => {
                        let mut code = s.clone();
                        code.push('\n');
                        block_scalar(&mut out, &code, dash + 4, nl);
                        continue;
                    }
                    _ => out.push_str(&flow(v)),
                }
                out.push_str(nl);
            }
            out
        }
        _ => format!("{pad}- {}{nl}", flow(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{snip, two};

    fn structure(text: &str) -> Structure<'_> {
        let page::FrontMatter::Closed { yaml, body } = page::front_matter(text) else {
            panic!("no front-matter")
        };
        Structure::new(text, yaml, body, None)
    }

    fn fmt(side: Side) -> AviatorBlocks {
        AviatorBlocks { side, liquid: true }
    }

    const TITLES: [&str; 2] = ["Curl", "Python (requests)"];

    fn place_twice(f: &AviatorBlocks, text: &str, s: &[Snippet]) -> (String, Vec<Kept>) {
        let p = f.place(&structure(text), s, &TITLES, &[]);
        let again = f.place(&structure(&p.text), s, &TITLES, &[]);
        assert_eq!(p.text, again.text, "a second run changed the page");
        // What docsnip reads back is what it wrote.
        let back = f.existing(&structure(&p.text), &TITLES);
        for s in s {
            assert!(
                back.iter().any(|(t, c)| *t == s.title
                    && (*c == s.code || (!s.code.ends_with('\n') && *c == shown(&s.code)))),
                "{} not read back: {back:?}\n{}",
                s.title,
                p.text
            );
        }
        (p.text, p.kept)
    }

    /// The list's entries as YAML reads them: (title, code_block).
    fn entries(text: &str, key: &str) -> Vec<(String, String)> {
        let s = structure(text);
        let root = yaml::parse(&text[s.yaml_range()]).unwrap();
        let Some(Value::Seq(items)) = field(&root, key).map(|n| n.value.clone()) else {
            return Vec::new();
        };
        items
            .iter()
            .map(|n| {
                (
                    field(n, "title")
                        .and_then(Node::scalar_text)
                        .unwrap_or("")
                        .to_string(),
                    field(n, "code_block")
                        .and_then(Node::scalar_text)
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn a_new_list_goes_to_the_placement_side() {
        let page = "---\ntitle: /books\ntype: get\n---\nText.\n";
        let (out, kept) = place_twice(&fmt(Side::Right), page, &two());
        assert!(kept.is_empty());
        assert_eq!(
            out,
            "---\ntitle: /books\ntype: get\nright_code_blocks:\n  - code_block: |-\n      curl 'https://x/{{< a >}}'\n    title: Curl\n    language: bash\n  - code_block: |-\n      import requests\n\n      x = \"{a}\"\n    title: Python (requests)\n    language: python\n---\nText.\n"
        );
        let (out, _) = place_twice(&fmt(Side::Left), page, &two());
        assert!(
            out.contains("\nleft_code_blocks:\n  - code_block: |-\n"),
            "{out}"
        );
        assert!(!out.contains("right_code_blocks"), "{out}");
    }

    #[test]
    fn the_cloudcannon_seed_entry_is_replaced_not_followed() {
        let page = "---\ntitle: x\nright_code_blocks:\n  - code_block:\n    title:\n    language:\nother: 1\n---\n";
        let (out, _) = place_twice(&fmt(Side::Right), page, &two());
        let e = entries(&out, "right_code_blocks");
        assert_eq!(e.len(), 2, "{out}");
        assert_eq!(e[0].0, "Curl");
        assert!(out.ends_with("language: python\nother: 1\n---\n"), "{out}");
    }

    #[test]
    fn user_blocks_keep_their_bytes_and_order_and_ours_replace_where_they_stand() {
        let page = "---\nleft_code_blocks:\n  - code_block: |-\n      $.post(\"x\")\n    title: jQuery\n    language: javascript\nright_code_blocks:\n  - code_block: |-\n      {\n        \"id\": 3\n      }\n    title: Response   # shown first\n    language: json\n  - code_block: old\n    title: Curl\n    language: bash\n  # a comment\n  - code_block: |-\n      {\"error\": true}\n    title: Error\n    language: json\n---\nBody\n";
        let (out, kept) = place_twice(&fmt(Side::Right), page, &two());
        assert!(kept.is_empty(), "{kept:?}");
        assert!(out.starts_with("---\nleft_code_blocks:\n  - code_block: |-\n      $.post(\"x\")\n    title: jQuery\n    language: javascript\nright_code_blocks:\n  - code_block: |-\n      {\n        \"id\": 3\n      }\n    title: Response   # shown first\n    language: json\n  - code_block: |-\n      curl"), "{out}");
        assert!(
            out.contains("  # a comment\n  - code_block: |-\n      {\"error\": true}\n"),
            "{out}"
        );
        let titles: Vec<String> = entries(&out, "right_code_blocks")
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(titles, ["Response", "Curl", "Python (requests)", "Error"]);
        // With placement left, the existing right-hand entries are still replaced there.
        let (out2, _) = place_twice(&fmt(Side::Left), page, &two());
        assert_eq!(out2, out);
    }

    #[test]
    fn without_our_entries_the_request_goes_before_the_responses() {
        let page = "---\nright_code_blocks:\n- code_block: '{}'\n  title: Response\n  language: json\n---\n";
        let (out, _) = place_twice(&fmt(Side::Right), page, &two());
        assert!(
            out.starts_with("---\nright_code_blocks:\n- code_block: |-\n    curl"),
            "{out}"
        );
        let titles: Vec<String> = entries(&out, "right_code_blocks")
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(titles, ["Curl", "Python (requests)", "Response"]);
    }

    #[test]
    fn flow_and_empty_lists_are_written_anew_with_their_meaning() {
        for (page, want) in [
            (
                "---\nright_code_blocks:\n---\n",
                vec!["Curl", "Python (requests)"],
            ),
            (
                "---\nright_code_blocks: []\n---\n",
                vec!["Curl", "Python (requests)"],
            ),
            (
                "---\nright_code_blocks: [{code_block: \"a\\nb\", title: Response, language: json}]\n---\n",
                vec!["Curl", "Python (requests)", "Response"],
            ),
        ] {
            let (out, _) = place_twice(&fmt(Side::Right), page, &two());
            let e = entries(&out, "right_code_blocks");
            assert_eq!(
                e.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
                want,
                "{out}"
            );
            if want.len() == 3 {
                assert_eq!(e[2].1, "a\nb");
            }
        }
    }

    #[test]
    fn a_second_entry_of_a_title_is_kept_and_reported() {
        let page = "---\nright_code_blocks:\n  - code_block: a\n    title: Curl\n  - code_block: r\n    title: Response\n  - code_block: b\n    title: Curl\n---\n";
        let f = fmt(Side::Right);
        let p = f.place(&structure(page), &two(), &TITLES, &[]);
        assert_eq!(p.kept.len(), 1);
        assert_eq!(p.kept[0].at, page.find("code_block: b").unwrap());
        assert!(p.text.contains("  - code_block: b\n    title: Curl\n"));
        assert!(!p.text.contains("code_block: a\n"));
    }

    #[test]
    fn hostile_code_reads_back_exactly() {
        let codes = [
            "  indented first\nx\n",
            "\tTab first\n",
            "\nleading blank\n",
            "trailing spaces   \n   \n",
            "two breaks\n\n",
            "three\n\n\n",
            "no break",
            "--- not a document end\n...\n# not a comment\n",
            "{{ page.title }} {% raw %} \"quotes\" 'single' : colon - dash\n",
            "~~~\nkramdown fence\n~~~~\n",
        ];
        for code in codes {
            let s = [snip("curl", "Curl", "bash", code)];
            let (out, _) = place_twice(&fmt(Side::Right), "---\na: 1\n---\n", &s);
            let e = entries(&out, "right_code_blocks");
            // The template writes a line break after the value.
            let want = code.strip_suffix('\n').unwrap_or(code);
            assert_eq!(e[0].1, want, "{out}");
        }
        // CRLF pages stay CRLF.
        let (out, _) = place_twice(&fmt(Side::Right), "---\r\na: 1\r\n---\r\n", &two());
        assert_eq!(
            out.matches('\n').count(),
            out.matches("\r\n").count(),
            "{out:?}"
        );
    }

    #[test]
    fn what_the_template_cannot_show_is_refused() {
        let f = fmt(Side::Right);
        assert!(
            f.refuse(&snip("curl", "Curl", "bash", "a\n```\n"))
                .unwrap()
                .contains("line 2")
        );
        assert!(
            f.refuse(&snip("curl", "Curl", "bash", "a\n   ````  \n"))
                .is_some()
        );
        assert!(
            f.refuse(&snip("curl", "Curl", "bash", "a\n    ```\n"))
                .is_none()
        );
        assert!(
            f.refuse(&snip("curl", "Curl", "bash", "a ```\n```x\n"))
                .is_none()
        );
        assert!(f.refuse(&snip("curl", "Cu\"rl", "bash", "a\n")).is_some());
        assert!(f.refuse(&snip("curl", "Curl", "ba sh", "a\n")).is_some());
    }

    #[test]
    fn a_seed_entry_before_ours_goes_since_it_would_hide_them() {
        for page in [
            "---\nright_code_blocks:\n  - code_block:\n    title:\n    language:\n  # c\n  - code_block: old\n    title: Curl\n  - code_block: r\n    title: Response\n---\n",
            "---\nright_code_blocks: [{code_block: null, title: null}, {code_block: old, title: Curl}, {code_block: r, title: Response}]\n---\n",
        ] {
            let (out, _) = place_twice(&fmt(Side::Right), page, &two());
            let titles: Vec<String> = entries(&out, "right_code_blocks")
                .into_iter()
                .map(|e| e.0)
                .collect();
            assert_eq!(titles, ["Curl", "Python (requests)", "Response"], "{out}");
        }
        // A seed after a user's entry hides nothing: replaced only when there is no run.
        let page = "---\nright_code_blocks:\n  - code_block: r\n    title: Response\n  - code_block:\n    title:\n---\n";
        let (out, _) = place_twice(&fmt(Side::Right), page, &two());
        let titles: Vec<String> = entries(&out, "right_code_blocks")
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(titles, ["Response", "Curl", "Python (requests)"], "{out}");
    }

    #[test]
    fn blocks_of_an_old_right_code_value_are_kept_and_reported() {
        let page =
            "---\nright_code: |\n  ~~~ bash\n  curl old\n  ~~~\n  {: title=\"Curl\" }\n---\n";
        let p = fmt(Side::Right).place(
            &crate::format::testing::structure(page),
            &two(),
            &TITLES,
            &[],
        );
        assert!(p.text.contains("  ~~~ bash\n  curl old\n"), "{}", p.text);
        assert!(
            p.text
                .contains("right_code_blocks:\n  - code_block: |-\n      curl"),
            "{}",
            p.text
        );
        assert_eq!(p.kept.len(), 1, "{:?}", p.kept);
        assert_eq!(p.kept[0].at, page.find("curl old").unwrap());
        assert_eq!(p.kept[0].titles, ["Curl"]);
    }

    #[test]
    fn a_value_that_is_not_a_list_is_refused_not_replaced() {
        let f = fmt(Side::Right);
        let page = "---\nright_code_blocks: {code_block: x}\n---\n";
        let (at, why) = f.refuse_front(&structure(page), &TITLES).unwrap();
        assert_eq!(at, 4);
        assert!(why.contains("`right_code_blocks` is not a list"), "{why}");
        // The other list, when it holds docsnip's entries, is used instead.
        let page =
            "---\nright_code_blocks: 3\nleft_code_blocks:\n- code_block: a\n  title: Curl\n---\n";
        assert!(f.refuse_front(&structure(page), &TITLES).is_none());
        for page in [
            "---\nright_code_blocks:\n---\n",
            "---\nright_code_blocks: ''\n---\n",
            "---\na: 1\n---\n",
        ] {
            assert!(
                f.refuse_front(&structure(page), &TITLES).is_none(),
                "{page}"
            );
        }
    }

    #[test]
    fn comment_groups_go_in_the_body_and_the_front_request_in_the_list() {
        let page = "---\nmethod: get\n---\nIntro.\n\n<!-- docsnip {method: POST} -->\n\nMore.\n";
        let f = fmt(Side::Right);
        let titles = ["Curl"];
        let (out, kept) = crate::format::place_page(
            &f,
            &structure(page),
            Some(&[snip("curl", "Curl", "bash", "front\n")]),
            &[vec![snip("curl", "Curl", "bash", "post {{ x }}\n")]],
            &titles,
        );
        assert!(kept.is_empty(), "{kept:?}");
        assert!(
            out.starts_with(
                "---\nmethod: get\nright_code_blocks:\n  - code_block: |-\n      front\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("<!-- docsnip {method: POST} -->\n\n~~~ bash\n{% raw %}post "),
            "{out}"
        );
        let (again, _) = crate::format::place_page(
            &f,
            &structure(&out),
            Some(&[snip("curl", "Curl", "bash", "front\n")]),
            &[vec![snip("curl", "Curl", "bash", "post {{ x }}\n")]],
            &titles,
        );
        assert_eq!(again, out);
    }
}
