//! The verification result: verdict, violations with example packets and the rules that let
//! them through, warnings, and everything the parsers could not read.
//!
//! ## JSON (`to_json`), schema `mamori-netcheck/1`
//! Stable: fields are only ever added; a change of meaning gets a new `schema` value.
//! ```text
//! schema        "mamori-netcheck/1"
//! organisation  string
//! model         "alpha" | "beta" | "beta-prime" | "alpha-prime"
//! verdict       "holds" | "violated" | "incomplete"
//! exit_code     0 | 1 | 2
//! checked_at    string, optional (set by the caller)
//! violations[]  rule ("MynumberIsolation" | "LgwanInternetSplit" | "SecurityCloudConcentration"),
//!               rule_id ("article-6-2-a" | "-b" | "-c"), article_ja ("第6条第2号ア"), article_en,
//!               from / to {name, kind}, example {src, dst, protocol, protocol_number,
//!               src_port?, dst_port?}, delivered_as? (same shape, after NAT),
//!               path[] {device, in_interface, out_interface?, hook, chain?,
//!                       kind ("rule" | "policy" | "no_chain"),
//!                       rule? {file, line, column, pointer?, text, display?}, approximate},
//!               approximate (a step is an approximated rule: may be a false alarm)
//! warnings[]    kind ("shadowed_rule" | "any_to_any"), device, chain, rule {…}, covered_by[]?
//! unparsed[]    file, line, column, text, reason
//! stats         zones, devices, rules, delivered_flows
//! ```
//! zone kinds: mynumber, lgwan, internet, lgwan_network, security_cloud, internet_outside,
//! external. `pointer` is the JSON pointer and handle for nftables JSON rules.

mod sarif;
mod text;

use crate::engine::RawViolation;
use crate::engine::eval::{Decision, Flow};
use crate::inventory::Network;
use crate::ir::{Hook, Ruleset};
use crate::loc::{SourceLoc, Unparsed};
use crate::model::{ModelVariant, TierRule, ZoneKind};
use crate::space::{
    DPORT, DST, ExamplePacket, HBox, IntervalSet, PROTO, SPORT, SRC, addr_to_u128, example_of,
};
use mamori_core::Lang;
use serde::Serialize;

pub const JSON_SCHEMA: &str = "mamori-netcheck/1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The model holds for every path (exit 0).
    Holds,
    /// At least one path breaks a tier rule (exit 1).
    Violated,
    /// Some input could not be read completely (exit 2). Violations listed may be real or
    /// artefacts of the conservative treatment of what was not understood.
    Incomplete,
}

/// A rule as written in its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    #[serde(flatten)]
    pub loc: SourceLoc,
    /// Exactly as in the file.
    pub text: String,
    /// Readable form when the file's is not (nftables JSON rendered in nft syntax).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A rule accepted the packet (or jumped / rewrote it).
    Rule,
    /// The chain's default policy accepted it.
    Policy,
    /// The device has no chain on the forward hook: netfilter forwards everything.
    NoChain,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathStep {
    pub device: String,
    pub in_interface: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_interface: Option<String>,
    pub hook: Hook,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    pub kind: StepKind,
    /// The rule (or the policy line) that let the packet through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleRef>,
    /// The rule has conditions not modelled exactly; it may not really match.
    pub approximate: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneRef {
    pub name: String,
    pub kind: ZoneKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: TierRule,
    pub rule_id: &'static str,
    pub article_ja: String,
    pub article_en: String,
    pub from: ZoneRef,
    pub to: ZoneRef,
    /// A concrete packet as its sender writes it.
    pub example: ExamplePacket,
    /// The same packet as delivered, when NAT rewrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_as: Option<ExamplePacket>,
    pub path: Vec<PathStep>,
    /// True when a step of the path is an approximated rule.
    pub approximate: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The rule can never match: earlier rules cover everything it matches.
    ShadowedRule,
    /// An accept rule for any source and any destination on a device between tiers.
    AnyToAny,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub device: String,
    pub chain: String,
    pub rule: RuleRef,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub covered_by: Vec<RuleRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub zones: usize,
    pub devices: usize,
    pub rules: usize,
    pub delivered_flows: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub organisation: String,
    pub model: ModelVariant,
    pub verdict: Verdict,
    pub exit_code: i32,
    /// Set by the caller (time is never read inside this library).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    pub violations: Vec<Violation>,
    pub warnings: Vec<Warning>,
    pub unparsed: Vec<Unparsed>,
    pub stats: Stats,
}

impl Report {
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Holds => 0,
            Verdict::Violated => 1,
            Verdict::Incomplete => 2,
        }
    }

    /// Record when the check ran (for evidence), e.g. an RFC 3339 timestamp.
    pub fn with_checked_at(mut self, when: impl Into<String>) -> Self {
        self.checked_at = Some(when.into());
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    pub fn to_text(&self, lang: Lang) -> String {
        text::render(self, lang)
    }

    pub fn to_sarif(&self) -> String {
        sarif::render(self)
    }

    pub fn violations_of(&self, rule: TierRule) -> impl Iterator<Item = &Violation> {
        self.violations.iter().filter(move |v| v.rule == rule)
    }
}

pub(crate) fn rule_ref(rs: &Ruleset, chain: usize, rule: usize) -> Option<RuleRef> {
    let r = rs.chains.get(chain)?.rules.get(rule)?;
    Some(RuleRef {
        loc: r.loc.clone(),
        text: r.text.clone(),
        display: r.display.clone(),
    })
}

fn path_of(net: &Network, rulesets: &[Ruleset], flow: &Flow) -> Vec<PathStep> {
    flow.trace
        .iter()
        .map(|s| {
            let device = &net.devices[s.device];
            let rs = &rulesets[s.device];
            let chain = rs.chains.get(s.chain);
            let (kind, rule) = match s.decision {
                Decision::Rule(r) => (StepKind::Rule, rule_ref(rs, s.chain, r)),
                Decision::Policy if chain.is_none() => (StepKind::NoChain, None),
                Decision::Policy => {
                    let base = rs.base.iter().find(|b| b.chain == s.chain);
                    (
                        StepKind::Policy,
                        base.map(|b| RuleRef {
                            loc: b.loc.clone(),
                            text: format!(
                                "{} policy {}",
                                chain.map(|c| c.name.as_str()).unwrap_or(""),
                                match b.policy {
                                    crate::ir::Policy::Accept => "accept",
                                    crate::ir::Policy::Drop => "drop",
                                }
                            ),
                            display: None,
                        }),
                    )
                }
            };
            PathStep {
                device: device.name.clone(),
                in_interface: device.interfaces[s.in_iface].name.clone(),
                out_interface: s.out_iface.map(|o| device.interfaces[o].name.clone()),
                hook: s.hook,
                chain: chain.map(|c| c.name.clone()),
                kind,
                rule,
                approximate: s.uncertain,
            }
        })
        .collect()
}

/// Concrete sender/delivered packets for a residual box of endpoints.
fn examples(
    v: &RawViolation,
    device_addrs: &IntervalSet,
) -> Option<(ExamplePacket, Option<ExamplePacket>)> {
    // Packets from or to a firewall's own address are possible (spoofed) but a host address
    // makes a clearer example.
    let mut nicer = v.residual.clone();
    for d in [SRC, DST] {
        let without = nicer.dims[d].subtract(device_addrs);
        if !without.is_empty() {
            nicer.dims[d] = without;
        }
    }
    let delivered = example_of(&nicer)?;
    if !v.flow.has_rewrite() {
        return Some((delivered, None));
    }
    // Sender's view: the same source and protocol; the destination as the sender wrote it
    // (before DNAT) where it was rewritten, otherwise the delivered one.
    let point = |v: u128| IntervalSet::point(v);
    let mut sent: HBox = v.flow.sent();
    sent.dims[SRC] = point(addr_to_u128(delivered.src));
    sent.dims[PROTO] = point(u128::from(delivered.protocol_number));
    if let Some(p) = delivered.src_port {
        sent.dims[SPORT] = point(u128::from(p));
    }
    if v.flow.orig[1].is_none() {
        sent.dims[DST] = point(addr_to_u128(delivered.dst));
    }
    if let (None, Some(p)) = (&v.flow.orig[3], delivered.dst_port) {
        sent.dims[DPORT] = point(u128::from(p));
    }
    let sender = example_of(&sent)?;
    if sender == delivered {
        Some((delivered, None))
    } else {
        Some((sender, Some(delivered)))
    }
}

pub(crate) fn build(
    net: &Network,
    rulesets: &[Ruleset],
    raw: Vec<RawViolation>,
    warnings: Vec<Warning>,
    delivered_flows: usize,
) -> Report {
    let zone_ref = |z: usize| ZoneRef {
        name: net.zones[z].name.clone(),
        kind: net.zones[z].kind,
    };
    let device_addrs = IntervalSet::from_ranges(
        net.devices
            .iter()
            .flat_map(|d| d.interfaces.iter())
            .flat_map(|i| i.addresses.iter().map(|&a| (a, a)))
            .collect(),
    );
    let mut violations: Vec<Violation> = raw
        .iter()
        .filter_map(|v| {
            let (example, delivered_as) = examples(v, &device_addrs)?;
            let path = path_of(net, rulesets, &v.flow);
            Some(Violation {
                rule: v.rule,
                rule_id: v.rule.id(),
                article_ja: v.rule.article().ja,
                article_en: v.rule.article().en,
                from: zone_ref(v.src_zone),
                to: zone_ref(v.dst_zone),
                example,
                delivered_as,
                approximate: path.iter().any(|s| s.approximate),
                path,
            })
        })
        .collect();
    violations.sort_by(|a, b| {
        (a.rule, &a.from.name, &a.to.name).cmp(&(b.rule, &b.from.name, &b.to.name))
    });
    violations.dedup();
    let unparsed: Vec<Unparsed> = rulesets.iter().flat_map(|r| r.unparsed.clone()).collect();
    let verdict = if !unparsed.is_empty() {
        Verdict::Incomplete
    } else if !violations.is_empty() {
        Verdict::Violated
    } else {
        Verdict::Holds
    };
    let mut report = Report {
        schema: JSON_SCHEMA,
        organisation: net.organisation.clone(),
        model: net.model,
        verdict,
        exit_code: 0,
        checked_at: None,
        violations,
        warnings,
        unparsed,
        stats: Stats {
            zones: net.zones.len(),
            devices: net.devices.len(),
            rules: rulesets
                .iter()
                .map(|r| r.chains.iter().map(|c| c.rules.len()).sum::<usize>())
                .sum(),
            delivered_flows,
        },
    };
    report.exit_code = report.exit_code();
    report
}
