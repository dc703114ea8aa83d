//! The device-independent rule representation every parser produces.
//!
//! A rule's header conditions form one box of the header space (see [`crate::space`]); interface
//! names are kept apart because the engine evaluates a chain for a known (in, out) interface pair.

use crate::loc::{SourceLoc, Unparsed};
use crate::space::{HBox, IntervalSet};
use serde::Serialize;

/// Netfilter hooks on the forwarding path, in packet order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Hook {
    Ingress,
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
}

impl Hook {
    pub fn parse(name: &str) -> Option<Hook> {
        Some(match name.to_ascii_lowercase().as_str() {
            "ingress" => Hook::Ingress,
            "prerouting" => Hook::Prerouting,
            "input" => Hook::Input,
            "forward" => Hook::Forward,
            "output" => Hook::Output,
            "postrouting" => Hook::Postrouting,
            _ => return None,
        })
    }
}

/// Interface-name condition; `*` at the end is a wildcard (iptables `+` is normalised to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfaceMatch {
    pub names: Vec<String>,
    pub negated: bool,
}

impl IfaceMatch {
    pub fn matches(&self, iface: &str) -> bool {
        let hit = self.names.iter().any(|pat| match pat.strip_suffix('*') {
            Some(prefix) => iface.starts_with(prefix),
            None => pat == iface,
        });
        hit != self.negated
    }

    /// True when every interface this condition accepts is accepted by `self` (used for
    /// shadowing; conservative: only identical conditions count).
    pub fn same_as(&self, other: &IfaceMatch) -> bool {
        self == other
    }
}

/// Address/port rewrite target. `None` leaves the field unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatTarget {
    pub addr: Option<IntervalSet>,
    pub port: Option<IntervalSet>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Accept,
    Drop,
    Reject,
    /// Non-terminal statements (counter, log, comment): matching continues.
    Continue,
    Jump(usize),
    Goto(usize),
    Return,
    Dnat(NatTarget),
    Snat(NatTarget),
    /// Source rewritten to the outgoing interface's address.
    Masquerade,
    /// Delivered to the firewall itself (transparent proxy); leaves the forwarding path.
    Redirect,
}

impl Action {
    pub fn is_terminal(&self) -> bool {
        !matches!(self, Action::Continue | Action::Jump(_))
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub header: HBox,
    pub iif: Option<IfaceMatch>,
    pub oif: Option<IfaceMatch>,
    pub action: Action,
    /// The rule has a condition or statement the engine does not model exactly; it is treated
    /// as possibly matching and never as removing traffic (sound over-approximation).
    pub uncertain: bool,
    pub loc: SourceLoc,
    /// The rule exactly as in the file.
    pub text: String,
    /// A readable rendering when the file's form is not (nftables JSON → nft syntax).
    pub display: Option<String>,
    /// Not written in the file: added to express the format's semantics (YAMAHA's implicit
    /// discard, interface dispatch). Never reported as shadowed or too broad.
    pub implicit: bool,
}

#[derive(Clone, Debug)]
pub struct Chain {
    /// Qualified name, e.g. `inet filter forward` or `filter FORWARD`.
    pub name: String,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    Accept,
    Drop,
}

/// A chain attached to a hook.
#[derive(Clone, Debug)]
pub struct BaseChain {
    pub chain: usize,
    pub hook: Hook,
    pub priority: i32,
    pub policy: Policy,
    /// The header restriction of the table family (IPv4 only, IPv6 only, or none for `inet`).
    pub family: Option<IntervalSet>,
    pub loc: SourceLoc,
}

/// Everything read from one device's configuration files.
#[derive(Clone, Debug, Default)]
pub struct Ruleset {
    pub chains: Vec<Chain>,
    pub base: Vec<BaseChain>,
    pub unparsed: Vec<Unparsed>,
}

impl Ruleset {
    /// Merge another file's ruleset (e.g. ip6tables-save next to iptables-save).
    pub fn merge(&mut self, other: Ruleset) {
        let offset = self.chains.len();
        for mut chain in other.chains {
            for rule in &mut chain.rules {
                match &mut rule.action {
                    Action::Jump(t) | Action::Goto(t) => *t += offset,
                    _ => {}
                }
            }
            self.chains.push(chain);
        }
        for mut b in other.base {
            b.chain += offset;
            self.base.push(b);
        }
        self.unparsed.extend(other.unparsed);
    }

    /// Base chains on one hook in evaluation order.
    pub fn base_on(&self, hook: Hook) -> Vec<&BaseChain> {
        let mut v: Vec<&BaseChain> = self.base.iter().filter(|b| b.hook == hook).collect();
        v.sort_by_key(|b| b.priority);
        v
    }
}
