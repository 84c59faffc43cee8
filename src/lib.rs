//! docsnip: generate API request snippets from endpoint front-matter.
//!
//! Data flows one way:
//! page bytes -> [`page`] (front-matter span, body, fenced blocks, docsnip comments: one
//! more request each, [`page::comment`]) -> [`frontmatter`] (typed endpoint, spans; the
//! front-matter's and each comment's; YAML lives only in [`yaml`]) + [`config`] -> [`request`]
//! (the normalized request; credentials replaced by [`secrets`]) -> [`render`] (Tera;
//! escaping filters in [`escape`]; each language's folder read by [`language`]) ->
//! [`format`](mod@format) (one file per toolchain: find and write its snippet groups, one
//! per request, by the shared rule [`format::place_page`]; the
//! kramdown ones through [`format::splice`], which splices blocks into `right_code` or the
//! body) -> [`build`] (walk, parallel, stage, move into OUT). [`diag`] prints
//! `PATH:LINE:COL` diagnostics.
//!
//! [`verify`] is a wing of its own: it runs snippets against its [`verify::echo`] server
//! and compares what arrived ([`verify::compare`](mod@verify::compare)); [`verify::process`] runs one program
//! under a timeout, [`verify::runtimes`] finds the executables, [`verify::tree`] walks a
//! site ([`verify::batch`] compiles many snippets at once, [`verify::cache`] keeps passes,
//! [`verify::forkserver`] preloads Python), and [`verify::as_written`] runs a page's own
//! blocks in [`verify::sandbox`]. [`import`] goes the other way once: a page's hand-pasted
//! curl command becomes its `method:` + `request:` front-matter.

pub mod build;
pub mod config;
pub mod diag;
pub mod escape;
pub mod format;
pub mod frontmatter;
pub mod import;
pub mod language;
pub mod page;
pub mod render;
pub mod request;
pub mod secrets;
pub mod verify;
pub mod yaml;
