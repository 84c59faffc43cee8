//! Splicing generated blocks into a page: into the `right_code` front-matter value or the
//! body, replacing blocks with a language's title where they stand. Every line docsnip
//! does not replace is written back byte for byte.

use super::{Group, Kept, Placed, Placement};
use crate::page::{self, Container, Line, RightCode, Scanned, Structure};
use std::borrow::Cow;
use std::ops::Range;

/// A generated snippet, ready to be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The language's name (`curl`, `python`, …).
    pub name: String,
    pub title: String,
    pub fence: String,
    pub code: String,
}

/// The page with `snippets` placed as kramdown blocks: in `right_code` or the body.
pub fn place<'a>(page: &Structure<'a>, snippets: &[Snippet], placement: Placement) -> String {
    place_with(page, snippets, placement, false, &[]).text
}

/// [`place`]; with `liquid`, the blocks in the body are written so that Liquid leaves
/// them as they are (see `block_lines`). `right_code` is front-matter, which Jekyll
/// does not run Liquid on. Blocks in `claimed` (body ranges: the groups after docsnip
/// comments) are not touched; a later block with a title already written is kept
/// as it stands and listed in [`Placed::kept`].
pub fn place_with<'a>(
    page: &Structure<'a>,
    snippets: &[Snippet],
    placement: Placement,
    liquid: bool,
    claimed: &[Range<usize>],
) -> Placed {
    let nl = page.newline;
    let rc_lines_of = |s: &Snippet| -> Vec<Line<'a>> { block_lines(s, nl, false) };
    let body_lines_of = |s: &Snippet| -> Vec<Line<'a>> { block_lines(s, nl, liquid) };
    let lines_of = |s: &Snippet, in_rc: bool| -> Vec<Line<'a>> {
        if in_rc {
            rc_lines_of(s)
        } else {
            body_lines_of(s)
        }
    };
    let mut placed: Vec<Option<usize>> = vec![None; snippets.len()];
    let mut kept: Vec<Kept> = Vec::new();

    // Replace in place, in the right_code value, then in the body.
    let mut positions: Vec<Option<(bool, Range<usize>)>> = vec![None; snippets.len()];
    let mut rc_lines: Option<Container<'a>> = None;
    if let Some((_, RightCode::Block { value })) = &page.right_code {
        let (c, found) = replace(value, snippets, &mut placed, &mut kept, &[], &rc_lines_of);
        for (i, r) in found.into_iter().enumerate() {
            if let Some(r) = r {
                positions[i] = Some((true, r));
            }
        }
        rc_lines = Some(c);
    }
    let (mut body, found) = replace(
        &page.body,
        snippets,
        &mut placed,
        &mut kept,
        claimed,
        &body_lines_of,
    );
    for (i, r) in found.into_iter().enumerate() {
        if let Some(r) = r {
            positions[i] = Some((false, r));
        }
    }

    // A missing language goes next to its neighbours in language order: after the
    // one before it, else before the one after it; with none there, per `placement`.
    let mut new_right_code: Option<String> = None;
    let mut other_value: Option<String> = None;
    let any_placed = positions.iter().any(Option::is_some);
    let mut rest: Vec<Line<'a>> = Vec::new();
    for i in 0..snippets.len() {
        if positions[i].is_some() {
            continue;
        }
        if !any_placed {
            rest.push(blank(nl));
            rest.extend(lines_of(&snippets[i], placement == Placement::RightCode));
            continue;
        }
        let before = (0..i).rev().find_map(|j| positions[j].clone());
        let after_previous = before.is_some();
        let (in_rc, at, lines) = match before {
            Some((in_rc, r)) => {
                let mut l = vec![blank(nl)];
                l.extend(lines_of(&snippets[i], in_rc));
                (in_rc, r.end, l)
            }
            None => {
                let Some((in_rc, r)) = (i + 1..snippets.len()).find_map(|k| positions[k].clone())
                else {
                    continue;
                };
                let mut l = lines_of(&snippets[i], in_rc);
                l.push(blank(nl));
                (in_rc, r.start, l)
            }
        };
        let n = lines.len();
        let container = match (in_rc, rc_lines.as_mut()) {
            (true, Some(value)) => value,
            _ => &mut body,
        };
        insert_at(container, at, lines);
        for (c, r) in positions.iter_mut().flatten() {
            if *c == in_rc && r.start >= at {
                *r = r.start + n..r.end + n;
            }
        }
        let own = if after_previous {
            at + 1..at + n
        } else {
            at..at + n - 1
        };
        positions[i] = Some((in_rc, own));
    }
    if !rest.is_empty() {
        let mut new_lines = rest;
        match (&page.right_code, rc_lines.as_mut(), placement) {
            (_, _, Placement::Body) => append(&mut body, new_lines, nl),
            (_, Some(value), Placement::RightCode) => append(value, new_lines, nl),
            (Some((_, RightCode::Other { value, .. })), None, Placement::RightCode) => {
                let mut c = Container {
                    lines: page::lines(value)
                        .map(|r| Line {
                            text: Cow::Borrowed(&value[r]),
                            orig: None,
                            start: 0,
                        })
                        .collect(),
                    indent: 2,
                };
                append(&mut c, new_lines, nl);
                other_value = Some(c.lines.iter().map(|l| l.text.as_ref()).collect());
            }
            (_, None, Placement::RightCode) => {
                new_lines.remove(0);
                let c = Container {
                    lines: new_lines,
                    indent: 2,
                };
                new_right_code = Some(format!("right_code: |{nl}{}", c.render(page.page)));
            }
        }
    }

    // Write the page back.
    let mut out = String::with_capacity(page.page.len() + 4096);
    match &page.right_code {
        Some((entry, RightCode::Block { .. })) => {
            out.push_str(&page.page[..entry.start]);
            if let Some(value) = &rc_lines {
                value.render_into(page.page, &mut out);
            }
            out.push_str(&page.page[entry.end..page.yaml_end]);
        }
        Some((_, RightCode::Other { entry, value })) => {
            out.push_str(&page.page[..entry.start]);
            let text = other_value.as_deref().unwrap_or(value);
            let c = Container {
                lines: page::lines(text)
                    .map(|r| Line {
                        text: Cow::Borrowed(&text[r]),
                        orig: None,
                        start: 0,
                    })
                    .collect(),
                indent: 2,
            };
            out.push_str(&format!("right_code: |{nl}{}", c.render(page.page)));
            if !text.ends_with('\n') && !text.is_empty() {
                out.push_str(nl);
            }
            out.push_str(&page.page[entry.end..page.yaml_end]);
        }
        None => out.push_str(&page.page[..page.yaml_end]),
    }
    if let Some(r) = new_right_code {
        out.push_str(&r);
    }
    out.push_str(&page.page[page.yaml_end..page.body_start]);
    body.render_into(page.page, &mut out);
    Placed { text: out, kept }
}

/// The blocks with these titles (in `right_code`, then the body) as (title, code),
/// the code as it shows (see [`liquid_unwrap`]).
pub fn existing(page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
    let mut blocks = page.titled_blocks(titles);
    for (_, code) in &mut blocks {
        *code = liquid_unwrap(code).into_owned();
    }
    blocks
}

/// The runs of kramdown blocks in the body titled as configured languages, with only
/// blank lines between and no title twice: the groups of the kramdown formats.
pub fn groups(page: &Structure, titles: &[&str]) -> Vec<Group> {
    let body = page.body();
    let mut out: Vec<Group> = Vec::new();
    let mut last_end: Option<usize> = None;
    for (_, b) in &page.body.blocks {
        let Some(title) = b.title.as_deref().filter(|t| titles.contains(t)) else {
            last_end = None;
            continue;
        };
        let code = liquid_unwrap(&page.body.text[b.code.clone()]).into_owned();
        let tab = (title.to_string(), code);
        match out.last_mut() {
            Some(g)
                if last_end == Some(g.range.end)
                    && body[g.range.end..b.range.start].trim().is_empty()
                    && !g.tabs.iter().any(|(t, _)| t == title) =>
            {
                g.range.end = b.range.end;
                g.tabs.push(tab);
            }
            _ => out.push(Group {
                range: b.range.clone(),
                tabs: vec![tab],
            }),
        }
        last_end = Some(b.range.end);
    }
    out
}

/// One group of kramdown blocks for the body, a blank line between blocks.
pub fn group_text(snippets: &[Snippet], nl: &'static str, liquid: bool) -> String {
    let mut out = String::new();
    for (i, s) in snippets.iter().enumerate() {
        if i > 0 {
            out.push_str(nl);
        }
        for l in block_lines(s, nl, liquid) {
            out.push_str(&l.text);
        }
    }
    out
}

fn blank<'a>(nl: &'static str) -> Line<'a> {
    Line {
        text: Cow::Borrowed(nl),
        orig: None,
        start: 0,
    }
}

/// Replace the first block with each snippet's title (unless an earlier container
/// already had one; `placed` holds its page offset) and keep later ones as they stand
/// (listed in `kept`); blocks inside `claimed` (ranges of `scanned`'s text) are not
/// looked at. Returns each snippet's new line range.
fn replace<'a>(
    scanned: &Scanned<'a>,
    snippets: &[Snippet],
    placed: &mut [Option<usize>],
    kept: &mut Vec<Kept>,
    claimed: &[Range<usize>],
    lines_of: &dyn Fn(&Snippet) -> Vec<Line<'a>>,
) -> (Container<'a>, Vec<Option<Range<usize>>>) {
    let c = &scanned.container;
    let mut edits: Vec<(Range<usize>, Option<usize>)> = Vec::new();
    for (lines, b) in &scanned.blocks {
        if claimed
            .iter()
            .any(|r| r.start <= b.range.start && b.range.start < r.end)
        {
            continue;
        }
        let lines = lines.clone();
        let Some(i) = snippets
            .iter()
            .position(|s| Some(&s.title) == b.title.as_ref())
        else {
            continue;
        };
        let at = scanned.page_offset(b.range.start);
        if let Some(first) = placed[i] {
            kept.push(Kept {
                at,
                titles: vec![snippets[i].title.clone()],
                written: Some(first),
            });
        } else {
            placed[i] = Some(at);
            edits.push((lines, Some(i)));
        }
    }
    let mut positions = vec![None; snippets.len()];
    let mut out: Vec<Line<'a>> = Vec::with_capacity(c.lines.len() + 64);
    let mut at = 0;
    for (r, which) in edits {
        out.extend(c.lines[at..r.start].iter().cloned());
        if let Some(i) = which {
            let start = out.len();
            out.extend(lines_of(&snippets[i]));
            positions[i] = Some(start..out.len());
        }
        at = r.end;
    }
    out.extend(c.lines[at..].iter().cloned());
    let container = Container {
        lines: out,
        indent: c.indent,
    };
    (container, positions)
}

fn insert_at<'a>(c: &mut Container<'a>, at: usize, lines: Vec<Line<'a>>) {
    let tail = c.lines.split_off(at);
    c.lines.extend(lines);
    c.lines.extend(tail);
}

/// Append after the last non-blank line (trailing blank lines stay last).
fn append<'a>(c: &mut Container<'a>, mut lines: Vec<Line<'a>>, nl: &str) {
    let at = c
        .lines
        .iter()
        .rposition(|l| !l.text.trim().is_empty())
        .map_or(0, |i| i + 1);
    if at == 0 {
        lines.remove(0); // nothing before: no blank line needed
    } else if !c.lines[at - 1].text.ends_with('\n') {
        // The last line has no line ending (end of the page): give it one.
        let last = &mut c.lines[at - 1];
        last.text.to_mut().push_str(nl);
        last.orig = None;
    }
    insert_at(c, at, lines);
}

/// A snippet as kramdown lines: fence, code, fence, title. With `liquid` (a page body
/// that Jekyll runs Liquid on), the code is wrapped by [`liquid_raw`]: the fence and
/// title lines stay as they are, so kramdown still attaches the title to the block and
/// docsnip still finds it by its title.
fn block_lines<'a>(s: &Snippet, nl: &str, liquid: bool) -> Vec<Line<'a>> {
    let longest = s
        .code
        .lines()
        .map(|l| l.trim_start().chars().take_while(|c| *c == '~').count())
        .max()
        .unwrap_or(0);
    let fence = "~".repeat((longest + 1).max(3));
    // Built with push_str, not format!: this runs for every line of every snippet.
    let line = |parts: &[&str]| {
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>());
        for p in parts {
            text.push_str(p);
        }
        Line {
            text: Cow::Owned(text),
            orig: None,
            start: 0,
        }
    };
    let wrapped;
    let code = if liquid {
        wrapped = liquid_raw(&s.code);
        wrapped.as_str()
    } else {
        s.code.as_str()
    };
    let mut lines = Vec::with_capacity(code.len() / 24 + 4);
    lines.push(line(&[&fence, " ", &s.fence, nl]));
    for l in code.lines() {
        lines.push(line(&[l, nl]));
    }
    lines.push(line(&[&fence, nl]));
    lines.push(line(&["{: title=\"", &s.title, "\" }", nl]));
    lines
}

const RAW: &str = "{% raw %}";
const ENDRAW: &str = "{% endraw %}";
/// A `{` that Liquid would read as the start of a tag or output, written from outside
/// the raw region.
const BRACE: &str = "{% endraw %}{{ \"{\" }}{% raw %}";

/// `code` as Liquid text that renders to exactly `code`: `{% raw %}` before its first
/// line, `{% endraw %}` after its last, and every `{` that Liquid's tokenizer would read
/// as the start of a tag or an output (one followed by `{` or `%`, or ending the code)
/// written as `{{ "{" }}` between two raw regions. Inside, nothing else is special, so
/// a value holding `{% endraw %}`, `{{ page.title }}` or `{% include x %}` shows as
/// written.
pub fn liquid_raw(code: &str) -> String {
    let body = code.trim_end_matches(['\r', '\n']);
    let end = &code[body.len()..];
    let mut out = String::with_capacity(code.len() + RAW.len() + ENDRAW.len());
    out.push_str(RAW);
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && matches!(chars.peek(), Some('{' | '%') | None) {
            out.push_str(BRACE);
        } else {
            out.push(c);
        }
    }
    out.push_str(ENDRAW);
    out.push_str(end);
    out
}

/// The code a block shows: `code` itself, or, when it is in the form [`liquid_raw`]
/// writes, the code it renders to.
pub fn liquid_unwrap(code: &str) -> Cow<'_, str> {
    let body = code.trim_end_matches(['\r', '\n']);
    let end = &code[body.len()..];
    match body.strip_prefix(RAW).and_then(|b| b.strip_suffix(ENDRAW)) {
        Some(inner) => Cow::Owned(format!("{}{end}", inner.replace(BRACE, "{"))),
        None => Cow::Borrowed(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snip(title: &str, code: &str) -> Snippet {
        Snippet {
            name: title.to_lowercase(),
            title: title.into(),
            fence: "bash".into(),
            code: code.into(),
        }
    }

    fn layout(page: &str) -> Structure<'_> {
        let page::FrontMatter::Closed { yaml, body } = page::front_matter(page) else {
            panic!()
        };
        let key = page.find("right_code:").filter(|k| *k < yaml.end);
        Structure::new(page, yaml, body, key.map(|k| (k, "")))
    }

    #[test]
    fn appends_to_right_code_and_is_idempotent() {
        let page = "---\ntitle: /a\nright_code: |\n  ~~~ json\n  {}\n  ~~~\n  {: title=\"Request\" }\n\nposition: 1\n---\nbody {% include x.md %}\n";
        let s = [snip("Curl", "curl a\n"), snip("HTTPie", "http a\n")];
        let out = place(&layout(page), &s, Placement::RightCode);
        assert_eq!(
            out,
            "---\ntitle: /a\nright_code: |\n  ~~~ json\n  {}\n  ~~~\n  {: title=\"Request\" }\n\n  ~~~ bash\n  curl a\n  ~~~\n  {: title=\"Curl\" }\n\n  ~~~ bash\n  http a\n  ~~~\n  {: title=\"HTTPie\" }\n\nposition: 1\n---\nbody {% include x.md %}\n"
        );
        assert_eq!(place(&layout(&out), &s, Placement::RightCode), out);
    }

    #[test]
    fn replaces_in_the_body_where_they_stand_and_keeps_duplicates() {
        let page = "---\nmethod: get\n---\ntext\n\n~~~ bash\nold\n~~~\n{: title=\"Curl\" }\n\nmiddle\n\n~~~ bash\nold2\n~~~\n{: title=\"Curl\" }\n\nend\n";
        let s = [snip("Curl", "new\n"), snip("HTTPie", "h\n")];
        let out = place(&layout(page), &s, Placement::RightCode);
        assert_eq!(
            out,
            "---\nmethod: get\n---\ntext\n\n~~~ bash\nnew\n~~~\n{: title=\"Curl\" }\n\n~~~ bash\nh\n~~~\n{: title=\"HTTPie\" }\n\nmiddle\n\n~~~ bash\nold2\n~~~\n{: title=\"Curl\" }\n\nend\n"
        );
        let kept = place_with(&layout(page), &s, Placement::RightCode, false, &[]).kept;
        assert_eq!(
            kept,
            vec![Kept {
                at: page.find("~~~ bash\nold2").unwrap(),
                titles: vec!["Curl".into()],
                written: page.find("~~~ bash\nold\n"),
            }]
        );
        assert_eq!(place(&layout(&out), &s, Placement::RightCode), out);
    }

    #[test]
    fn creates_right_code_or_appends_to_body() {
        let page = "---\nmethod: get\n---\nhello";
        let s = [snip("Curl", "c\n")];
        assert_eq!(
            place(&layout(page), &s, Placement::RightCode),
            "---\nmethod: get\nright_code: |\n  ~~~ bash\n  c\n  ~~~\n  {: title=\"Curl\" }\n---\nhello"
        );
        let out = place(&layout(page), &s, Placement::Body);
        assert_eq!(
            out,
            "---\nmethod: get\n---\nhello\n\n~~~ bash\nc\n~~~\n{: title=\"Curl\" }\n"
        );
        assert_eq!(place(&layout(&out), &s, Placement::Body), out);
    }

    #[test]
    fn missing_languages_go_next_to_their_neighbours() {
        let page = "---\nmethod: get\nright_code: |\n  ~~~ bash\n  old\n  ~~~\n  {: title=\"B\" }\n---\n~~~ bash\nx\n~~~\n{: title=\"B\" }\n";
        let s = [snip("A", "a\n"), snip("B", "b\n"), snip("C", "c\n")];
        let out = place(&layout(page), &s, Placement::Body);
        assert_eq!(
            out,
            "---\nmethod: get\nright_code: |\n  ~~~ bash\n  a\n  ~~~\n  {: title=\"A\" }\n\n  ~~~ bash\n  b\n  ~~~\n  {: title=\"B\" }\n\n  ~~~ bash\n  c\n  ~~~\n  {: title=\"C\" }\n---\n~~~ bash\nx\n~~~\n{: title=\"B\" }\n"
        );
        assert_eq!(place(&layout(&out), &s, Placement::Body), out);
    }

    /// What Liquid makes of `liquid_raw`'s text, checking on the way that no raw region
    /// holds anything Liquid's tokenizer would read as a tag or output (`{{`, `{%`, or a
    /// `{` right before the `{% endraw %}`) and that nothing outside is Liquid but the
    /// tags and the `{{ "{" }}` outputs it writes.
    fn liquid_render(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('{') {
            let (before, at) = rest.split_at(i);
            out.push_str(before);
            if let Some(r) = at.strip_prefix(RAW) {
                let end = r.find(ENDRAW).expect("raw closed");
                let inner = &r[..end];
                assert!(
                    !inner.contains("{{") && !inner.contains("{%") && !inner.ends_with('{'),
                    "a Liquid token in a raw region: {inner:?}"
                );
                out.push_str(inner);
                rest = &r[end + ENDRAW.len()..];
            } else if let Some(r) = at.strip_prefix("{{ \"{\" }}") {
                out.push('{');
                rest = r;
            } else {
                assert!(
                    !at[1..].starts_with(['{', '%']),
                    "Liquid outside raw: {at:?}"
                );
                out.push('{');
                rest = &at[1..];
            }
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn liquid_raw_renders_to_the_code_and_unwraps() {
        for code in [
            "curl '{{ page.title }}'\n",
            "a {% raw %} b {% endraw %} c {%- endraw -%} {%endraw%}\n{% include x %}\n",
            "{{\n{\n{%\nend {\n",
            "ends with a brace {",
            "{% endraw %}",
            "plain\n\n",
            "",
        ] {
            let wrapped = liquid_raw(code);
            assert!(wrapped.starts_with(RAW), "{wrapped:?}");
            assert_eq!(liquid_render(&wrapped), code, "{wrapped:?}");
            assert_eq!(liquid_unwrap(&wrapped), code);
        }
        assert_eq!(
            liquid_raw("x {{ y }}\n"),
            "{% raw %}x {% endraw %}{{ \"{\" }}{% raw %}{ y }}{% endraw %}\n"
        );
        assert_eq!(
            liquid_unwrap("not {% raw %} wrapped\n"),
            "not {% raw %} wrapped\n"
        );
    }

    #[test]
    fn liquid_blocks_in_the_body_keep_fence_and_title_and_are_idempotent() {
        let page = "---\nmethod: get\nright_code: |\n  ~~~ bash\n  old\n  ~~~\n  {: title=\"A\" }\n---\nText {{ page.title }}\n\n~~~ bash\nold\n~~~\n{: title=\"B\" }\n";
        let s = [
            snip("A", "a {{ x }}\n"),
            snip("B", "b {% endraw %}\n"),
            snip("C", "c\n"),
        ];
        let out = place_with(&layout(page), &s, Placement::Body, true, &[]).text;
        assert_eq!(
            out,
            "---\nmethod: get\nright_code: |\n  ~~~ bash\n  a {{ x }}\n  ~~~\n  {: title=\"A\" }\n---\nText {{ page.title }}\n\n~~~ bash\n{% raw %}b {% endraw %}{{ \"{\" }}{% raw %}% endraw %}{% endraw %}\n~~~\n{: title=\"B\" }\n\n~~~ bash\n{% raw %}c{% endraw %}\n~~~\n{: title=\"C\" }\n"
        );
        assert_eq!(
            place_with(&layout(&out), &s, Placement::Body, true, &[]).text,
            out
        );
        // Without Liquid, the same page goes back to plain blocks.
        let plain = place(&layout(&out), &s, Placement::Body);
        assert!(plain.contains("~~~ bash\nb {% endraw %}\n~~~\n"), "{plain}");
    }

    #[test]
    fn crlf_and_long_fences() {
        let page = "---\r\nmethod: get\r\n---\r\nx\r\n";
        let s = [snip("Curl", "a\n~~~\nb\n")];
        let out = place(&layout(page), &s, Placement::Body);
        assert_eq!(
            out,
            "---\r\nmethod: get\r\n---\r\nx\r\n\r\n~~~~ bash\r\na\r\n~~~\r\nb\r\n~~~~\r\n{: title=\"Curl\" }\r\n"
        );
        assert_eq!(place(&layout(&out), &s, Placement::Body), out);
    }
}
