//! docsnip: generate API request snippets from endpoint front-matter.
//!
//! Data flows one way:
//! page bytes -> [`page`] (front-matter span, body, fenced blocks) -> [`frontmatter`]
//! (typed endpoint, spans; YAML lives only in [`yaml`]) + [`config`] -> [`request`]
//! (the normalized request; credentials replaced by [`secrets`]) -> [`render`] (Tera; escaping filters in [`escape`]) ->
//! [`format`](mod@format) (find and write the toolchain's snippet groups; the kramdown ones via
//! [`place`], which splices blocks into `right_code` or the body) -> [`build`] (walk, parallel,
//! stage, move into OUT). [`verify`] runs snippets against the [`echo`] server;
//! [`diag`] prints `PATH:LINE:COL` diagnostics. [`import`] goes the other way once:
//! a page's hand-pasted curl command becomes its `method:` + `request:` front-matter.

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
