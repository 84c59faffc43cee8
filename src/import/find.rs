//! Finds every curl command a page shows: in the blocks of every format docsnip writes
//! (kramdown blocks in the body or `right_code`, Docusaurus `<Tabs>`, MkDocs `=== "…"`
//! tabs, Hugo tab shortcodes, Slate runs of `bash--curl`-keyed blocks), in Aviator's
//! `left_code_blocks`/`right_code_blocks`, and in plain fenced blocks, `$ ` prompts
//! included.

use crate::build::Site;
use crate::format::{Tabs, docusaurus, hugo, mkdocs, slate};
use crate::page::{self, Structure};
use crate::yaml::Node;
use std::ops::Range;

/// Fence languages whose text is a shell command line.
const SHELL_FENCES: [&str; 12] = [
    "",
    "bash",
    "sh",
    "shell",
    "console",
    "curl",
    "zsh",
    "shell-session",
    "shellsession",
    "terminal",
    "cmd",
    "bash-session",
];

/// Fence languages whose text is a program in another language (a curl line there is
/// not a command the page runs).
const PROGRAM_FENCES: [&str; 22] = [
    "python",
    "py",
    "javascript",
    "js",
    "jsx",
    "ts",
    "typescript",
    "go",
    "java",
    "php",
    "ruby",
    "rb",
    "rust",
    "rs",
    "csharp",
    "cs",
    "kotlin",
    "swift",
    "dockerfile",
    "powershell",
    "ps1",
    "yaml",
];

/// One block of code on the page.
#[derive(Debug, Clone)]
pub struct CodeBlock {
    pub code: String,
    /// Page offset of the start of each line of `code`.
    pub lines: Vec<usize>,
    /// Page offset of the start of the line where the block, or the tab group holding
    /// it, starts: a request comment for it goes right before this line.
    pub group: usize,
    /// The block is in the front-matter (`right_code`, `*_code_blocks`): no comment
    /// can stand before it.
    pub in_front_matter: bool,
    /// Its kramdown title or tab label.
    pub label: Option<String>,
    /// The fence's language (first word of the info string), lower case.
    pub lang: String,
    /// For a fenced block of the body outside any tab group and without a title: the
    /// page ranges of the whole block and of its code (import may split it in one
    /// block per command).
    pub fence: Option<(Range<usize>, Range<usize>)>,
}

impl CodeBlock {
    /// The page offset of a byte offset into `code`.
    pub fn page(&self, offset: usize) -> usize {
        let offset = offset.min(self.code.len());
        let line = self.code[..offset].matches('\n').count();
        let line_start = self.code[..offset].rfind('\n').map_or(0, |i| i + 1);
        self.lines
            .get(line)
            .map_or(self.group, |s| s + (offset - line_start))
    }

    /// Whether the block can hold a shell command: a shell's fence language, none, or
    /// one that is no programming language (`text`, `no-highlight`, …).
    pub fn is_shell(&self) -> bool {
        SHELL_FENCES.contains(&self.lang.as_str()) || !PROGRAM_FENCES.contains(&self.lang.as_str())
    }
}

/// One curl command found in a block.
#[derive(Debug, Clone)]
pub struct Found {
    /// Index into the page's blocks.
    pub block: usize,
    /// The command's bytes in the block's code (prompt excluded).
    pub range: Range<usize>,
}

/// Page offsets of each line of `code`, found in order in `text[within]` (code taken
/// out of a tab is dedented, so each line is looked up by its text).
fn locate(text: &str, within: Range<usize>, code: &str) -> Vec<usize> {
    let mut at = within.start;
    let mut out = Vec::new();
    for line in code.split_inclusive('\n') {
        let l = line.trim();
        let found = if l.is_empty() {
            None
        } else {
            text[at..within.end.max(at)].find(l).map(|i| at + i)
        };
        match found {
            Some(p) => {
                // The dedented line starts `indent` bytes before its trimmed text.
                let indent = line.len() - line.trim_start().len();
                out.push(p.saturating_sub(indent).max(at));
                at = p + l.len();
            }
            None => out.push(at),
        }
    }
    out
}

fn first_word(info: &str) -> String {
    let word = info
        .split(|c: char| c.is_whitespace() || c == '{' || c == ',')
        .next()
        .unwrap_or("");
    // A Slate/Shins tab key (`bash--curl`, `python--python`): highlighted as its fence.
    let word = word.split_once("--").map_or(word, |(fence, _)| fence);
    word.to_ascii_lowercase()
}

/// Every code block of the page, in page order. `root` is the parsed front-matter.
pub fn blocks(text: &str, layout: &Structure, root: Option<&Node>, site: &Site) -> Vec<CodeBlock> {
    let mut out = Vec::new();
    let body = layout.body_start();
    let body_text = layout.body();
    // Kramdown blocks in `right_code`.
    for (title, info, _) in layout.all_titled_blocks() {
        if let Some((code, lines)) = layout.right_code_block(&title)
            && !out
                .iter()
                .any(|b: &CodeBlock| b.in_front_matter && b.label.as_deref() == Some(&title))
        {
            out.push(CodeBlock {
                group: lines.first().copied().unwrap_or(0),
                code,
                lines,
                in_front_matter: true,
                label: Some(title),
                lang: first_word(&info),
                fence: None,
            });
        }
    }
    // Aviator's `left_code_blocks` / `right_code_blocks` lists.
    if let Some(map) = root.and_then(Node::as_map) {
        for (k, v) in map {
            if !matches!(
                k.scalar_text(),
                Some("left_code_blocks" | "right_code_blocks")
            ) {
                continue;
            }
            let crate::yaml::Value::Seq(items) = &v.value else {
                continue;
            };
            for item in items {
                let Some(fields) = item.as_map() else {
                    continue;
                };
                let field = |name: &str| {
                    fields
                        .iter()
                        .find(|(k, _)| k.scalar_text() == Some(name))
                        .map(|(_, v)| v)
                };
                let Some(code_node) = field("code_block") else {
                    continue;
                };
                let Some(code) = code_node.scalar_text() else {
                    continue;
                };
                let start = text[..body]
                    .find(code.lines().next().unwrap_or(""))
                    .unwrap_or(0);
                let start = text[..body]
                    .get(code_node.offset..)
                    .and_then(|t| t.find(code.lines().next().unwrap_or("")))
                    .map_or(start, |i| code_node.offset + i);
                let lines = locate(text, start..body, code);
                out.push(CodeBlock {
                    group: start,
                    lines,
                    code: code.to_string(),
                    in_front_matter: true,
                    label: field("title")
                        .and_then(|t| t.scalar_text())
                        .map(str::to_string),
                    lang: field("language")
                        .and_then(|t| t.scalar_text())
                        .map(first_word)
                        .unwrap_or_default(),
                    fence: None,
                });
            }
        }
    }
    // Tab groups of every format docsnip writes.
    let mut groups: Vec<crate::format::Group> = Vec::new();
    let readers: Vec<Box<dyn Tabs>> = vec![
        Box::new(docusaurus::Docusaurus(docusaurus::Settings::default())),
        Box::new(mkdocs::Mkdocs),
        Box::new(hugo::Hugo(site.config.format.hugo.clone())),
        Box::new(hugo::Hugo(hugo::Settings::default())),
        Box::new(slate::Slate(site.config.format.slate.clone())),
    ];
    for r in &readers {
        for g in r.groups(body_text) {
            if !groups.iter().any(|h| h.range == g.range) {
                groups.push(g);
            }
        }
    }
    let titles: Vec<&str> = site.languages.iter().map(|l| l.title.as_str()).collect();
    // A group of snippet tabs (every label a configured title) is one group; in any other
    // (an "Admin API" tab beside a "Config file" tab), a fenced block is its own group.
    let group_of = |at: usize| {
        groups
            .iter()
            .filter(|g| g.range.contains(&at))
            .min_by_key(|g| g.range.start)
            .filter(|g| g.tabs.iter().all(|(l, _)| titles.contains(&l.as_str())))
    };
    let in_tab = |at: usize| {
        groups
            .iter()
            .filter(|g| g.range.contains(&at))
            .min_by_key(|g| g.range.start)
    };
    // Plain fenced blocks of the body (including those inside tabs).
    let fenced = page::fenced_blocks(body_text);
    let mut body_blocks: Vec<(usize, CodeBlock)> = Vec::new();
    for b in &fenced {
        let code = body_text[b.code.clone()].to_string();
        let group = group_of(b.range.start);
        let label = b.title.clone().or_else(|| {
            in_tab(b.range.start).and_then(|g| {
                g.tabs
                    .iter()
                    .find(|(_, c)| c.trim() == code.trim())
                    .map(|(l, _)| l.clone())
            })
        });
        let mut lines = Vec::new();
        let mut at = body + b.code.start;
        for l in code.split_inclusive('\n') {
            lines.push(at);
            at += l.len();
        }
        body_blocks.push((
            body + b.range.start,
            CodeBlock {
                group: body + group.map_or(b.range.start, |g| g.range.start),
                lines,
                code,
                in_front_matter: false,
                fence: (group.is_none() && b.title.is_none()).then(|| {
                    (
                        body + b.range.start..body + b.range.end,
                        body + b.code.start..body + b.code.end,
                    )
                }),
                label,
                lang: first_word(&b.info),
            },
        ));
    }
    // Tabs whose code no fenced block of the body shows (MkDocs' indented tabs, Hugo's
    // raw tab content).
    for g in &groups {
        for (label, code) in &g.tabs {
            let shown = fenced.iter().any(|b| {
                g.range.contains(&b.range.start) && body_text[b.code.clone()].trim() == code.trim()
            });
            if shown || code.trim().is_empty() || !page::fenced_blocks(code).is_empty() {
                continue;
            }
            let within = body + g.range.start..body + g.range.end;
            let lines = locate(text, within.clone(), code);
            body_blocks.push((
                lines.first().copied().unwrap_or(within.start),
                CodeBlock {
                    group: within.start,
                    lines,
                    code: code.clone(),
                    in_front_matter: false,
                    label: Some(label.clone()),
                    lang: String::new(),
                    fence: None,
                },
            ));
        }
    }
    body_blocks.sort_by_key(|(at, _)| *at);
    out.extend(body_blocks.into_iter().map(|(_, b)| b));
    out
}

/// The curl commands of a block's code: each command line (the text after a `$ `
/// prompt in a console transcript) up to a newline, `;`, `&`, `|` or an output
/// redirection outside quotes, whose first word is `curl`.
pub fn commands(code: &str) -> Vec<Range<usize>> {
    let console = code
        .lines()
        .any(|l| l.trim_start().starts_with("$ ") || l.trim() == "$");
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // At a line start.
        let line_end = code[i..].find('\n').map_or(b.len(), |e| i + e + 1);
        let mut start = i;
        while start < line_end && matches!(b[start], b' ' | b'\t') {
            start += 1;
        }
        if console {
            match code[start..line_end].strip_prefix("$ ") {
                Some(_) => start += 2,
                None => {
                    i = line_end;
                    continue;
                }
            }
        }
        // One logical line: commands split by operators.
        let mut cmd_start = start;
        let mut j = start;
        let mut quote: Option<u8> = None;
        let mut redirected = false;
        let mut word_start = true;
        let push = |s: usize, e: usize, out: &mut Vec<Range<usize>>| {
            let t = code[s..e].trim_start();
            let s = e - t.len();
            if t == "curl"
                || t.starts_with("curl ")
                || t.starts_with("curl\t")
                || t.starts_with("curl\\")
            {
                out.push(s..e);
            }
        };
        loop {
            if j >= b.len() {
                if !redirected {
                    push(cmd_start, j, &mut out);
                }
                i = j;
                break;
            }
            let c = b[j];
            match quote {
                Some(b'\'') => {
                    if c == b'\'' {
                        quote = None;
                    }
                    j += 1;
                    continue;
                }
                Some(_) => {
                    if c == b'\\' {
                        j += 2;
                    } else {
                        if c == b'"' {
                            quote = None;
                        }
                        j += 1;
                    }
                    continue;
                }
                None => {}
            }
            match c {
                b'\\' => {
                    j += 2;
                    word_start = false;
                }
                b'\'' | b'"' => {
                    quote = Some(c);
                    j += 1;
                    word_start = false;
                }
                b'#' if word_start => {
                    let end = code[j..].find('\n').map_or(b.len(), |e| j + e);
                    if !redirected {
                        push(cmd_start, j, &mut out);
                    }
                    redirected = true;
                    j = end;
                }
                b'\n' => {
                    if !redirected {
                        push(cmd_start, j, &mut out);
                    }
                    i = j + 1;
                    break;
                }
                b'|' | b';' | b'&' => {
                    if !redirected {
                        push(cmd_start, j, &mut out);
                    }
                    redirected = false;
                    while j < b.len() && matches!(b[j], b'|' | b';' | b'&') {
                        j += 1;
                    }
                    cmd_start = j;
                    word_start = true;
                }
                b'>' if closes_placeholder(&code[cmd_start..j]) => {
                    word_start = false;
                    j += 1;
                }
                b'>' => {
                    // An output redirection: the request is the same. `2>` leaves out its digit.
                    let mut e = j;
                    if e > cmd_start
                        && b[e - 1].is_ascii_digit()
                        && (e - 1 == cmd_start || matches!(b[e - 2], b' ' | b'\t'))
                    {
                        e -= 1;
                    }
                    if !redirected {
                        push(cmd_start, e, &mut out);
                    }
                    redirected = true;
                    j += 1;
                }
                b' ' | b'\t' => {
                    word_start = true;
                    j += 1;
                }
                _ => {
                    word_start = false;
                    j += 1;
                }
            }
        }
    }
    // A trailing line break or blank is not part of the command.
    out.into_iter()
        .map(|r| {
            // Nor a continuation backslash before a pipe or a redirection on the next line.
            let mut t = code[r.clone()].trim_end();
            while let Some(u) = t.strip_suffix('\\') {
                t = u.trim_end();
            }
            r.start..r.start + t.len()
        })
        .collect()
}

/// Whether a `>` after `before` closes a `<NAME>` placeholder in the same word.
fn closes_placeholder(before: &str) -> bool {
    let word = before.rsplit([' ', '\t', '\n']).next().unwrap_or("");
    word.rfind('<').is_some_and(|i| {
        let name = &word[i + 1..];
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    })
}

/// Every curl command of the page's blocks.
pub fn curl_commands(blocks: &[CodeBlock]) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        for range in commands(&b.code) {
            out.push(Found { block: i, range });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(code: &str) -> Vec<&str> {
        commands(code).into_iter().map(|r| &code[r]).collect()
    }

    #[test]
    fn commands_in_scripts_and_transcripts() {
        assert_eq!(cmds("curl https://x/a\n"), ["curl https://x/a"]);
        assert_eq!(
            cmds("curl -X POST \\\n  -d 'a\nb' https://x/a | jq .\necho hi\ncurl https://x/b\n"),
            [
                "curl -X POST \\\n  -d 'a\nb' https://x/a",
                "curl https://x/b"
            ]
        );
        assert_eq!(
            cmds("$ curl 'https://x/a?b=1'\n{\"curl https://no\": 1}\n$ ls\n"),
            ["curl 'https://x/a?b=1'"]
        );
        assert_eq!(
            cmds("export T=1 && curl https://x/a > out.json\n"),
            ["curl https://x/a"]
        );
        assert_eq!(cmds("curl https://x/a 2>/dev/null"), ["curl https://x/a"]);
        assert_eq!(cmds("curl https://x/a \\\n  | jq ."), ["curl https://x/a"]);
        assert_eq!(
            cmds("curl https://x/<ID> -H a:<B>"),
            ["curl https://x/<ID> -H a:<B>"]
        );
        assert_eq!(
            cmds("# curl https://x/a\ncurl https://x/b # note"),
            ["curl https://x/b"]
        );
        assert!(cmds("curly https://x\nhttp GET x").is_empty());
    }
}
