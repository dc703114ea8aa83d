//! Configuration parsers. Each produces a [`Ruleset`](crate::ir::Ruleset) in the common IR and
//! lists every statement it could not model as [`Unparsed`](crate::loc::Unparsed).

pub mod fortigate;
pub mod iptables;
pub mod nft_json;
mod nft_render;
mod tokens;
pub mod yamaha;

use crate::ir::{Action, IfaceMatch, Rule};
use crate::loc::SourceLoc;
use crate::space::{
    CT_ESTABLISHED, CT_INVALID, CT_NEW, CT_RELATED, CT_UNTRACKED, HBox, IntervalSet,
};

/// What the left side of a match refers to.
#[derive(Clone, Debug)]
pub(crate) enum Dim {
    /// A header axis, and the protocol set the field implies (`tcp dport` ⇒ tcp).
    Header(usize, Option<IntervalSet>),
    Iif,
    Oif,
    Family,
}

/// Accumulates one rule's conditions.
#[derive(Clone, Debug)]
pub(crate) struct Builder {
    pub header: HBox,
    pub iif: Option<IfaceMatch>,
    pub oif: Option<IfaceMatch>,
    pub uncertain: bool,
    pub loc: SourceLoc,
    pub text: String,
    pub display: Option<String>,
    /// Added by the parser to express the format's semantics (implicit deny, dispatch).
    pub implicit: bool,
}

impl Builder {
    pub fn new(loc: SourceLoc, text: String) -> Self {
        Builder {
            header: HBox::full(),
            iif: None,
            oif: None,
            uncertain: false,
            loc,
            text,
            display: None,
            implicit: false,
        }
    }

    pub fn restrict(&mut self, dim: usize, set: &IntervalSet) {
        self.header.restrict(dim, set);
    }

    pub fn finish(self, action: Action) -> Rule {
        Rule {
            header: self.header,
            iif: self.iif,
            oif: self.oif,
            action,
            uncertain: self.uncertain,
            loc: self.loc,
            text: self.text,
            display: self.display,
            implicit: self.implicit,
        }
    }
}

pub(crate) fn ct_state(name: &str) -> Option<u128> {
    Some(match name.to_ascii_lowercase().as_str() {
        "new" => CT_NEW,
        "established" => CT_ESTABLISHED,
        "related" => CT_RELATED,
        "invalid" => CT_INVALID,
        "untracked" => CT_UNTRACKED,
        _ => return None,
    })
}
