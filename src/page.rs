//! Page structure: where the front-matter is, and which fenced blocks carry a
//! kramdown title line. Everything is byte ranges into the original text, so the page can
//! be spliced, never re-rendered.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
use std::ops::Range;

pub mod comment;
mod structure;
pub use comment::Comment;
pub use structure::Structure;
pub(crate) use structure::{Container, Line, RightCode, Scanned};

/// Where a page's front-matter is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontMatter {
    /// The page does not start with a `---` line.
    None,
    /// It starts with `---` but no closing line follows (Jekyll copies such a page as is).
    Unclosed,
    Closed {
        /// The YAML text between the delimiter lines (each of its lines ends in a newline).
        yaml: Range<usize>,
        /// Where the body starts: just after the closing delimiter line.
        body: usize,
    },
}

/// The lines of `text` as byte ranges, each including its line ending.
pub fn lines(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        let r = start..end;
        start = end;
        Some(r)
    })
}

/// The lines of `text` as (start, line without its ending), skipping those inside
/// fenced code blocks (which hold examples of the syntax, not groups or comments).
pub(crate) fn lines_outside_fences(text: &str) -> Vec<(usize, &str)> {
    let fences: Vec<Range<usize>> = fenced_blocks(text).into_iter().map(|b| b.range).collect();
    lines(text)
        .filter(|r| !fences.iter().any(|f| f.start <= r.start && r.start < f.end))
        .map(|r| (r.start, content(&text[r])))
        .collect()
}

/// A line without its line ending (`\n` or `\r\n`).
pub fn content(line: &str) -> &str {
    let l = line.strip_suffix('\n').unwrap_or(line);
    l.strip_suffix('\r').unwrap_or(l)
}

/// The line ending a page uses: that of its first line, `\n` when it has none.
pub fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

fn is_delimiter(line: &str, marks: &[&str]) -> bool {
    let l = content(line).trim_end_matches([' ', '\t']);
    marks.contains(&l)
}

/// Find the front-matter the way Jekyll does: a first line `---` (after an optional
/// UTF-8 byte order mark), up to the next line that is `---` or `...`.
pub fn front_matter(text: &str) -> FrontMatter {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut it = lines(&text[start..]).map(|r| r.start + start..r.end + start);
    match it.next() {
        Some(first)
            if is_delimiter(&text[first.clone()], &["---"])
                && text[first.clone()].ends_with('\n') =>
        {
            let yaml_start = first.end;
            for r in it {
                if is_delimiter(&text[r.clone()], &["---", "..."]) {
                    return FrontMatter::Closed {
                        yaml: yaml_start..r.start,
                        body: r.end,
                    };
                }
            }
            FrontMatter::Unclosed
        }
        _ => FrontMatter::None,
    }
}

/// A fenced code block, with the kramdown attribute line that follows it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// From the start of the opening fence's line to the end of the block: the end of
    /// the title line (with its line ending) when there is one, else of the closing fence.
    pub range: Range<usize>,
    /// The `title="…"` of a `{: … }` line directly after the closing fence.
    pub title: Option<String>,
    /// The fence's info string (`bash`, `json`, …).
    pub info: String,
    /// The code between the fences.
    pub code: Range<usize>,
}

/// Every fenced code block of `markdown` that starts its own line (not inside a block
/// quote or a list item's text), in order, found with pulldown-cmark.
pub fn fenced_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<(Range<usize>, String, Option<Range<usize>>)> = None;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                current = Some((range, info.to_string(), None));
            }
            Event::Text(_) => {
                if let Some((_, _, code)) = current.as_mut() {
                    let c = code.get_or_insert(range.clone());
                    c.end = range.end;
                }
            }
            Event::End(pulldown_cmark::TagEnd::CodeBlock) => {
                let Some((outer, info, code)) = current.take() else {
                    continue;
                };
                let line_start = markdown[..outer.start].rfind('\n').map_or(0, |i| i + 1);
                if !markdown[line_start..outer.start]
                    .chars()
                    .all(|c| c == ' ' || c == '\t')
                {
                    continue;
                }
                // The block ends at the end of its closing fence's line.
                let mut end = outer.end;
                if end > 0 && !markdown[..end].ends_with('\n') {
                    end = markdown[end..]
                        .find('\n')
                        .map_or(markdown.len(), |i| end + i + 1);
                }
                let code = code.unwrap_or_else(|| {
                    let after_open = markdown[outer.start..]
                        .find('\n')
                        .map_or(outer.end, |i| outer.start + i + 1);
                    after_open.min(end)..after_open.min(end)
                });
                let mut title = None;
                if let Some(next) = lines(&markdown[end..]).next()
                    && let Some(t) = ial_title(content(&markdown[end..end + next.end]))
                {
                    title = Some(t);
                    end += next.end;
                }
                blocks.push(Block {
                    range: line_start..end,
                    title,
                    info: info.trim().to_string(),
                    code,
                });
            }
            _ => {}
        }
    }
    blocks
}

/// The title of a kramdown inline attribute list line such as `{: title="Curl" }`.
pub fn ial_title(line: &str) -> Option<String> {
    let inner = line.trim().strip_prefix("{:")?.strip_suffix('}')?;
    let at = inner.find("title=")?;
    if at > 0 && !inner[..at].ends_with([' ', '\t']) {
        return None;
    }
    let rest = &inner[at + "title=".len()..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    let close = value.find(quote)?;
    Some(value[..close].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_closed_unclosed_and_missing_front_matter() {
        let t = "---\ntitle: x\n---\nbody\n";
        assert_eq!(
            front_matter(t),
            FrontMatter::Closed {
                yaml: 4..13,
                body: 17
            }
        );
        assert_eq!(front_matter("---\ntitle: x\n"), FrontMatter::Unclosed);
        assert_eq!(front_matter("# hi\n---\n"), FrontMatter::None);
        assert_eq!(front_matter("---"), FrontMatter::None);
        let crlf = "---\r\na: 1\r\n---\r\nb\r\n";
        assert_eq!(
            front_matter(crlf),
            FrontMatter::Closed {
                yaml: 5..11,
                body: 16
            }
        );
        let bom = "\u{feff}---\n---\n";
        assert_eq!(
            front_matter(bom),
            FrontMatter::Closed {
                yaml: 7..7,
                body: 11
            }
        );
        assert_eq!(
            front_matter("---\na: 1\n...\nx"),
            FrontMatter::Closed {
                yaml: 4..9,
                body: 13
            }
        );
    }

    #[test]
    fn titled_blocks_include_their_title_line() {
        let md = "intro\n\n~~~ bash\ncurl x\n~~~\n{: title=\"Curl\" }\n\n  ~~~ json\n  {}\n  ~~~\n  {: title='Request' }\nafter\n```py\nx\n```\n";
        let b = fenced_blocks(md);
        assert_eq!(b.len(), 3);
        assert_eq!(
            &md[b[0].range.clone()],
            "~~~ bash\ncurl x\n~~~\n{: title=\"Curl\" }\n"
        );
        assert_eq!(b[0].title.as_deref(), Some("Curl"));
        assert_eq!(&md[b[0].code.clone()], "curl x\n");
        assert_eq!(b[0].info, "bash");
        assert_eq!(b[1].title.as_deref(), Some("Request"));
        assert_eq!(&md[b[1].code.clone()], "{}\n");
        assert_eq!(
            &md[b[1].range.clone()],
            "  ~~~ json\n  {}\n  ~~~\n  {: title='Request' }\n"
        );
        assert_eq!(b[2].title, None);
        assert_eq!(&md[b[2].range.clone()], "```py\nx\n```\n");
    }

    #[test]
    fn block_at_end_without_newline_and_empty_block() {
        let md = "~~~ bash\n~~~\n{: title=\"Curl\" }";
        let b = fenced_blocks(md);
        assert_eq!(b[0].range, 0..md.len());
        assert_eq!(b[0].code, 9..9);
        assert_eq!(b[0].title.as_deref(), Some("Curl"));
    }

    #[test]
    fn ial_titles() {
        assert_eq!(
            ial_title("{: title=\"Python (requests)\" }").as_deref(),
            Some("Python (requests)")
        );
        assert_eq!(ial_title("{: .x title=\"A\"}").as_deref(), Some("A"));
        assert_eq!(ial_title("{: subtitle=\"A\"}"), None);
        assert_eq!(ial_title("title=\"A\""), None);
    }
}
