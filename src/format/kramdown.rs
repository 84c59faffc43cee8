//! `kramdown`: kramdown blocks (fence + `{: title="…" }`) in the page body, for any
//! Jekyll/kramdown site. A block whose title is a configured language's is that
//! language's snippet, in `right_code` or the body; new ones go to the body. The block
//! writer is `block_lines` in [`crate::format::splice`].

use super::splice::{self, Snippet};
use super::{Format, Group, Placed, Placement};
use crate::page::Structure;
use std::ops::Range;

pub struct Kramdown {
    /// Whether the page body goes through Liquid (see [`splice::liquid_raw`]).
    pub liquid: bool,
}

impl Format for Kramdown {
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
        splice::existing(page, titles)
    }

    fn owned_groups(&self, page: &Structure, titles: &[&str]) -> Vec<Group> {
        splice::groups(page, titles)
    }

    fn write_group(&self, page: &Structure, snippets: &[Snippet]) -> String {
        splice::group_text(snippets, page.newline(), self.liquid)
    }

    fn place(
        &self,
        page: &Structure,
        snippets: &[Snippet],
        _titles: &[&str],
        claimed: &[Range<usize>],
    ) -> Placed {
        splice::place_with(page, snippets, Placement::Body, self.liquid, claimed)
    }
}
