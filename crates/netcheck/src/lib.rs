//! # mamori-netcheck — three-tier separation verifier (規程第6条第2号)
//!
//! Proves from real firewall configurations that the three tiers hold:
//! ア マイナンバー利用事務系 talks to nothing but declared 特定通信; イ LGWAN接続系 and
//! インターネット接続系 meet only through declared 無害化 relays; ウ the internet tier reaches the
//! Internet only through the 自治体情報セキュリティクラウド. Every violation names a concrete
//! packet, its path and the exact rule (file:line) that lets it through.
//!
//! ## Pieces
//! - [`inventory`]: the TOML inventory (see `examples/inventory.toml`), validated into zones,
//!   devices, routes, relays, 特定通信 and α′ cloud destinations.
//! - [`model`]: zone kinds, model variants (α, β, β′, α′) and the tier rules with their articles.
//! - [`parse`]: nftables JSON (`nft -j list ruleset`), iptables-save / ip6tables-save, FortiGate
//!   configuration text and YAMAHA RTX configuration into the device-independent [`ir`].
//! - [`engine`]: reachability and the tier checks; [`report`]: text (ja/en), JSON, SARIF 2.1.0.
//!
//! ## Why an interval-box algebra and not BDDs
//! The engine represents header sets as unions of disjoint boxes, each box a product of exact
//! interval sets over (source, destination, protocol, source port, destination port, conntrack
//! state) — see [`space`]. Every firewall match we read is one box (a CIDR, a range, a port list,
//! a state list), so first-match evaluation is exact box subtraction and intersection, and
//! concrete example packets fall out of any box directly. It is as sound and exact as a BDD over
//! the same header bits for what it reads; its cost can grow with heavily overlapping rules,
//! where a BDD (oxidd) backend would be the next step. Nothing is widened except what the
//! parsers mark `uncertain` (rate limits, ICMP types, marks, unknown statements), which is
//! over-approximated on the side of reachability, so "no path" is never claimed wrongly.
//!
//! ## Semantics and limits (documented, not hidden)
//! - Connections are analysed at their first packet (conntrack state NEW); replies of an
//!   allowed connection are part of it.
//! - By default any host may send off-zone traffic to any router on its segment
//!   (`host_routing = "any-router"`, sound against hosts with their own routes); with
//!   `"declared"` only the zone's gateways and host routes are used. Devices route by longest
//!   prefix over their connected zones and declared routes.
//! - Replies of an allowed connection are assumed to follow it back (stateful firewalls).
//! - Traffic addressed to a firewall itself (INPUT) or sent by it (OUTPUT) is not analysed.
//! - IPv4 and IPv6 share one address axis (IPv4 as `::ffff:0:0/96`).
//! - Host sources are genuine (no spoofing of other zones' addresses; rp_filter assumed).
//!
//! ## Ground truth
//! `tests/netns_ground_truth.rs` builds the example topology in network namespaces, loads the
//! nftables/iptables fixtures with the real tools and compares thousands of TCP/UDP probes with
//! the engine's predictions; FortiGate and YAMAHA fixtures are compared with those netfilter
//! fixtures in `tests/translations.rs`. `examples/synth_bench.rs` times synthetic networks.

pub mod engine;
pub mod error;
pub mod inventory;
pub mod ir;
pub mod loc;
pub mod model;
pub mod parse;
pub mod report;
pub mod space;

pub use error::NetcheckError;
pub use inventory::{ConfigFormat, FsLoader, Loader, MemLoader, Network};
pub use model::{ModelVariant, TierRule, ZoneKind, parse_model};
pub use report::{Report, Verdict};

use std::path::Path;
use std::str::FromStr;

/// Output formats of `mamori net check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
}

impl FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(OutputFormat::Text),
            "json" => Ok(OutputFormat::Json),
            "sarif" => Ok(OutputFormat::Sarif),
            other => Err(format!("unknown format `{other}` (text, json, sarif)")),
        }
    }
}

impl Report {
    /// The report in the requested format (text in `lang`).
    pub fn render(&self, format: OutputFormat, lang: mamori_core::Lang) -> String {
        match format {
            OutputFormat::Text => self.to_text(lang),
            OutputFormat::Json => self.to_json(),
            OutputFormat::Sarif => self.to_sarif(),
        }
    }
}

/// Parse one configuration file into the IR.
pub fn parse_config(
    file: &str,
    text: &str,
    format: ConfigFormat,
) -> Result<ir::Ruleset, NetcheckError> {
    match format {
        ConfigFormat::NftablesJson => parse::nft_json::parse(file, text),
        ConfigFormat::IptablesSave => {
            parse::iptables::parse(file, text, parse::iptables::Flavor::V4)
        }
        ConfigFormat::Ip6tablesSave => {
            parse::iptables::parse(file, text, parse::iptables::Flavor::V6)
        }
        ConfigFormat::Fortigate => parse::fortigate::parse(file, text),
        ConfigFormat::Yamaha => parse::yamaha::parse(file, text),
    }
}

/// Verify an inventory file and the configurations it names (paths relative to its directory).
pub fn check(
    inventory_path: &Path,
    model_override: Option<ModelVariant>,
) -> Result<Report, NetcheckError> {
    let base = inventory_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let name = inventory_path.display().to_string();
    let loader = FsLoader::new(base);
    let file_name = inventory_path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    let text = loader.load(&file_name).map_err(|e| match e {
        NetcheckError::Io { reason, .. } => NetcheckError::Io {
            path: name.clone(),
            reason,
        },
        other => other,
    })?;
    check_with_loader(&name, &text, &loader, model_override)
}

/// Verify an inventory given as text; configuration files come from `loader` (e.g. uploads).
pub fn check_with_loader(
    inventory_name: &str,
    inventory_text: &str,
    loader: &dyn Loader,
    model_override: Option<ModelVariant>,
) -> Result<Report, NetcheckError> {
    let mut net = inventory::parse_inventory(inventory_name, inventory_text, loader)?;
    if let Some(m) = model_override {
        net.model = m;
    }
    let mut rulesets = Vec::with_capacity(net.devices.len());
    for d in &net.devices {
        let mut rs = ir::Ruleset::default();
        for c in &d.configs {
            let text = loader.load(&c.path)?;
            rs.merge(parse_config(&c.path, &text, c.format)?);
        }
        rulesets.push(rs);
    }
    Ok(verify(&net, &rulesets))
}

/// Interface names used by rules that match no interface of the device in the inventory: a
/// naming mismatch would make those rules silently never match, so each is listed (the result
/// becomes Incomplete).
pub fn undeclared_interfaces(net: &Network, rulesets: &[ir::Ruleset]) -> Vec<loc::Unparsed> {
    let mut out = Vec::new();
    for (dev, rs) in net.devices.iter().zip(rulesets) {
        let mut seen = std::collections::BTreeSet::new();
        for chain in &rs.chains {
            for rule in chain.rules.iter().filter(|r| !r.implicit) {
                for m in [&rule.iif, &rule.oif].into_iter().flatten() {
                    for name in &m.names {
                        let probe = ir::IfaceMatch {
                            names: vec![name.clone()],
                            negated: false,
                        };
                        let known = dev.interfaces.iter().any(|i| probe.matches(&i.name));
                        if !known && seen.insert(name.clone()) {
                            out.push(loc::Unparsed {
                                file: rule.loc.file.clone(),
                                line: rule.loc.line,
                                column: rule.loc.column,
                                text: name.clone(),
                                reason: format!(
                                    "interface `{name}` is used by the configuration but device `{}` has no such interface in the inventory",
                                    dev.name
                                ),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// Verify parsed rulesets (one per device, in inventory order). A device without a ruleset is
/// treated as forwarding everything (what a Linux router without rules does) and listed as
/// unread, so the result is Incomplete.
pub fn verify(net: &Network, rulesets: &[ir::Ruleset]) -> Report {
    if rulesets.len() < net.devices.len() {
        let mut padded = rulesets.to_vec();
        for d in &net.devices[rulesets.len()..] {
            padded.push(ir::Ruleset {
                unparsed: vec![loc::Unparsed {
                    file: d
                        .configs
                        .first()
                        .map(|c| c.path.clone())
                        .unwrap_or_default(),
                    line: 0,
                    column: 0,
                    text: d.name.clone(),
                    reason: "no ruleset was given for this device".into(),
                }],
                ..ir::Ruleset::default()
            });
        }
        return verify(net, &padded);
    }
    let delivered = engine::reach(net, rulesets);
    let raw = engine::group(engine::check(net, &delivered));
    let warnings = engine::lint::warnings(net, rulesets);
    let mut report = report::build(net, rulesets, raw, warnings, delivered.len());
    let missing = undeclared_interfaces(net, rulesets);
    if !missing.is_empty() {
        report.unparsed.extend(missing);
        report.verdict = Verdict::Incomplete;
        report.exit_code = report.exit_code();
    }
    report
}
