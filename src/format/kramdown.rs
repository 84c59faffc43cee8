//! `kramdown`: kramdown blocks (fence + `{: title="…" }`) in the page body, for any
//! Jekyll/kramdown site. A block whose title is a configured language's is that
//! language's snippet, in `right_code` or the body; new ones go to the body. The block
//! writer is `block_lines` in [`crate::format::splice`].

use super::Format;
use super::Placement;
use super::splice::{self, Snippet};
use crate::page::Structure;

pub struct Kramdown {
    /// Whether the page body goes through Liquid (see [`splice::liquid_raw`]).
    pub liquid: bool,
}

impl Format for Kramdown {
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
        let mut blocks = page.titled_blocks(titles);
        for (_, code) in &mut blocks {
            *code = splice::liquid_unwrap(code).into_owned();
        }
        blocks
    }

    fn place(&self, page: &Structure, snippets: &[Snippet], _titles: &[&str]) -> String {
        splice::place_with(page, snippets, Placement::Body, self.liquid)
    }
}
