//! FortiGate configuration text (`show full-configuration` / backup file): system interface and
//! zone, firewall address/address6/addrgrp, service custom/group, vip, ippool, policy.
//!
//! Policies are evaluated in the order they appear (as FortiOS does), disabled ones skipped,
//! with the implicit deny at the end. Each policy becomes one IR rule per service entry (so a
//! policy for "HTTP" and "DNS" does not also allow udp/80). A VIP in `dstaddr` becomes a DNAT
//! rule before routing, and the policy matches the mapped address; `set nat enable` becomes
//! source NAT to the outgoing interface (or the named IP pool).

use super::Builder;
use super::tokens::tokenize;
use crate::error::NetcheckError;
use crate::ir::{Action, BaseChain, Chain, Hook, IfaceMatch, NatTarget, Policy, Ruleset};
use crate::loc::{SourceLoc, Unparsed};
use crate::space::{
    DPORT, DST, HBox, IntervalSet, PROTO, SPORT, SRC, parse_addr_range, parse_prefix, v4_space,
    v6_space,
};
use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

/// One `set key values…` line.
#[derive(Clone, Debug)]
struct Set {
    key: String,
    values: Vec<String>,
    line: usize,
    column: usize,
}

/// One `edit name … next` block.
#[derive(Clone, Debug, Default)]
struct Entry {
    name: String,
    line: usize,
    sets: Vec<Set>,
    lines: Vec<String>,
}

impl Entry {
    fn get(&self, key: &str) -> Option<&Set> {
        self.sets.iter().rev().find(|s| s.key == key)
    }
    fn values(&self, key: &str) -> Vec<String> {
        self.get(key).map(|s| s.values.clone()).unwrap_or_default()
    }
    fn first(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(|s| s.values.first())
            .map(String::as_str)
    }
}

/// Sections by path (`firewall policy`), each a list of entries.
type Sections = BTreeMap<String, Vec<Entry>>;

fn read_sections(file: &str, text: &str) -> Result<Sections, NetcheckError> {
    let syntax = |line: usize, column: usize, t: &str, m: &str| NetcheckError::Syntax {
        file: file.to_string(),
        line,
        column,
        text: t.to_string(),
        message: m.to_string(),
    };
    let mut sections: Sections = BTreeMap::new();
    // Stack of (section path, current entry). Nested `config` inside an `edit` is kept apart.
    let mut stack: Vec<(String, Option<Entry>)> = Vec::new();
    for (ln, raw) in text.lines().enumerate() {
        let line_no = ln + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let toks = tokenize(raw).map_err(|c| syntax(line_no, c, trimmed, "unterminated quote"))?;
        let Some(first) = toks.first() else { continue };
        match first.text.as_str() {
            "config" => {
                let path: Vec<&str> = toks[1..].iter().map(|t| t.text.as_str()).collect();
                if path.is_empty() {
                    return Err(syntax(
                        line_no,
                        first.column,
                        trimmed,
                        "config without a name",
                    ));
                }
                let parent = stack.last().map(|(p, _)| p.clone());
                let path = match parent {
                    // Multi-VDOM files wrap the configuration in `config vdom` / `edit NAME`
                    // (and `config global`): those sections are read as top level.
                    Some(p) if p == "vdom" || p == "global" => path.join(" "),
                    // Other nested sections get a qualified path so they never mix with top
                    // level.
                    Some(p) => format!("{p} > {}", path.join(" ")),
                    None => path.join(" "),
                };
                stack.push((path, None));
            }
            "edit" => {
                let Some((_, entry)) = stack.last_mut() else {
                    return Err(syntax(
                        line_no,
                        first.column,
                        trimmed,
                        "edit outside config",
                    ));
                };
                if entry.is_some() {
                    return Err(syntax(line_no, first.column, trimmed, "edit before next"));
                }
                let name = toks
                    .get(1)
                    .map(|t| t.text.clone())
                    .ok_or_else(|| syntax(line_no, first.column, trimmed, "edit without a name"))?;
                *entry = Some(Entry {
                    name,
                    line: line_no,
                    sets: Vec::new(),
                    lines: vec![trimmed.to_string()],
                });
            }
            "set" | "unset" | "append" | "select" | "unselect" => {
                let Some((_, entry)) = stack.last_mut() else {
                    return Err(syntax(line_no, first.column, trimmed, "set outside config"));
                };
                let key = toks
                    .get(1)
                    .map(|t| t.text.clone())
                    .ok_or_else(|| syntax(line_no, first.column, trimmed, "set without a key"))?;
                // Sections without entries (`config system global`) hold sets directly.
                let e = entry.get_or_insert_with(|| Entry {
                    name: String::new(),
                    line: line_no,
                    ..Entry::default()
                });
                e.lines.push(trimmed.to_string());
                let values: Vec<String> = toks[2..].iter().map(|t| t.text.clone()).collect();
                match first.text.as_str() {
                    "set" => e.sets.push(Set {
                        key,
                        values,
                        line: line_no,
                        column: first.column,
                    }),
                    "append" => {
                        if let Some(s) = e.sets.iter_mut().rev().find(|s| s.key == key) {
                            s.values.extend(values);
                        } else {
                            e.sets.push(Set {
                                key,
                                values,
                                line: line_no,
                                column: first.column,
                            });
                        }
                    }
                    "unset" => e.sets.retain(|s| s.key != key),
                    _ => {}
                }
            }
            "next" => {
                let Some((path, entry)) = stack.last_mut() else {
                    return Err(syntax(
                        line_no,
                        first.column,
                        trimmed,
                        "next outside config",
                    ));
                };
                let Some(mut e) = entry.take() else {
                    return Err(syntax(line_no, first.column, trimmed, "next without edit"));
                };
                e.lines.push("next".into());
                sections.entry(path.clone()).or_default().push(e);
            }
            "end" => {
                let Some((path, entry)) = stack.pop() else {
                    return Err(syntax(line_no, first.column, trimmed, "end without config"));
                };
                if let Some(e) = entry {
                    sections.entry(path).or_default().push(e);
                }
            }
            other => {
                return Err(syntax(
                    line_no,
                    first.column,
                    other,
                    "expected config, edit, set, unset, next or end",
                ));
            }
        }
    }
    if let Some((path, _)) = stack.last() {
        let last = text.lines().count();
        return Err(syntax(last, 1, path, "config section not closed with end"));
    }
    Ok(sections)
}

fn mask_len(mask: &str) -> Option<u32> {
    let m: Ipv4Addr = mask.parse().ok()?;
    let bits = u32::from(m);
    let len = bits.leading_ones();
    if bits.checked_shl(len).unwrap_or(0) != 0 {
        return None;
    }
    Some(len)
}

/// `10.0.0.0 255.255.255.0` or `10.0.0.0/24`.
fn subnet(values: &[String]) -> Option<IntervalSet> {
    match values {
        [a, m] => parse_prefix(&format!("{a}/{}", mask_len(m)?)),
        [a] => parse_prefix(a),
        _ => None,
    }
}

/// A resolved address object: its set and whether it could only be approximated.
#[derive(Clone, Debug)]
struct Addr {
    set: IntervalSet,
    approximate: bool,
}

struct Objects {
    addrs: HashMap<String, Addr>,
    services: HashMap<String, (Vec<HBox>, bool)>,
    vips: HashMap<String, Entry>,
    pools: HashMap<String, IntervalSet>,
    zones: HashMap<String, Vec<String>>,
}

fn builtin_service(name: &str) -> Option<Vec<HBox>> {
    let tcp = |lo: u128, hi: u128| {
        HBox::full()
            .with(PROTO, IntervalSet::point(6))
            .with(DPORT, IntervalSet::range(lo, hi))
    };
    let udp = |lo: u128, hi: u128| {
        HBox::full()
            .with(PROTO, IntervalSet::point(17))
            .with(DPORT, IntervalSet::range(lo, hi))
    };
    Some(match name.to_ascii_uppercase().as_str() {
        "ALL" => vec![HBox::full()],
        "ALL_TCP" => vec![tcp(1, 65535)],
        "ALL_UDP" => vec![udp(1, 65535)],
        "ALL_ICMP" | "PING" => vec![HBox::full().with(PROTO, IntervalSet::point(1))],
        "ALL_ICMP6" | "PING6" => vec![HBox::full().with(PROTO, IntervalSet::point(58))],
        "HTTP" => vec![tcp(80, 80)],
        "HTTPS" => vec![tcp(443, 443)],
        "SSH" => vec![tcp(22, 22)],
        "TELNET" => vec![tcp(23, 23)],
        "FTP" => vec![tcp(21, 21)],
        "SMTP" => vec![tcp(25, 25)],
        "SMTPS" => vec![tcp(465, 465)],
        "POP3" => vec![tcp(110, 110)],
        "POP3S" => vec![tcp(995, 995)],
        "IMAP" => vec![tcp(143, 143)],
        "IMAPS" => vec![tcp(993, 993)],
        "DNS" => vec![tcp(53, 53), udp(53, 53)],
        "NTP" => vec![tcp(123, 123), udp(123, 123)],
        "RDP" => vec![tcp(3389, 3389)],
        "SMB" => vec![tcp(445, 445)],
        "SAMBA" => vec![tcp(139, 139)],
        "LDAP" => vec![tcp(389, 389)],
        "LDAP_UDP" => vec![udp(389, 389)],
        "MS-SQL" => vec![tcp(1433, 1434)],
        "MYSQL" => vec![tcp(3306, 3306)],
        "SNMP" => vec![tcp(161, 162), udp(161, 162)],
        "SYSLOG" => vec![udp(514, 514)],
        "KERBEROS" => vec![tcp(88, 88), udp(88, 88)],
        _ => return None,
    })
}

/// `80`, `8000-8080`, `443:1024-65535` (destination[:source]).
fn port_range(text: &str) -> Option<(IntervalSet, Option<IntervalSet>)> {
    let one = |t: &str| -> Option<IntervalSet> {
        match t.split_once('-') {
            Some((a, b)) => Some(IntervalSet::range(a.parse().ok()?, b.parse().ok()?)),
            None => {
                let v: u128 = t.parse().ok()?;
                Some(IntervalSet::point(v))
            }
        }
    };
    match text.split_once(':') {
        Some((d, s)) => Some((one(d)?, Some(one(s)?))),
        None => Some((one(text)?, None)),
    }
}

fn custom_service(e: &Entry) -> Option<(Vec<HBox>, bool)> {
    let protocol = e
        .first("protocol")
        .unwrap_or("TCP/UDP/SCTP")
        .to_ascii_uppercase();
    let mut out = Vec::new();
    let mut approx = false;
    match protocol.as_str() {
        "TCP/UDP/SCTP" | "TCP/UDP/UDP-LITE/SCTP" => {
            for (key, proto) in [
                ("tcp-portrange", 6u128),
                ("udp-portrange", 17),
                ("sctp-portrange", 132),
                ("udplite-portrange", 136),
            ] {
                for r in e.values(key) {
                    let (d, s) = port_range(&r)?;
                    let mut b = HBox::full()
                        .with(PROTO, IntervalSet::point(proto))
                        .with(DPORT, d);
                    if let Some(s) = s {
                        b = b.with(SPORT, s);
                    }
                    out.push(b);
                }
            }
        }
        "ICMP" | "ICMP6" => {
            let p = if protocol == "ICMP" { 1 } else { 58 };
            out.push(HBox::full().with(PROTO, IntervalSet::point(p)));
            approx = e.get("icmptype").is_some();
        }
        "IP" => {
            let n: u128 = e.first("protocol-number").unwrap_or("0").parse().ok()?;
            out.push(if n == 0 {
                HBox::full()
            } else {
                HBox::full().with(PROTO, IntervalSet::point(n))
            });
        }
        _ => return None,
    }
    Some((out, approx))
}

fn build_objects(sections: &Sections, unparsed: &mut Vec<Unparsed>, file: &str) -> Objects {
    let mut objs = Objects {
        addrs: HashMap::new(),
        services: HashMap::new(),
        vips: HashMap::new(),
        pools: HashMap::new(),
        zones: HashMap::new(),
    };
    let mut note = |e: &Entry, reason: String| {
        unparsed.push(Unparsed {
            file: file.to_string(),
            line: e.line,
            column: 1,
            text: e.lines.join("; "),
            reason,
        });
    };
    objs.addrs.insert(
        "all".into(),
        Addr {
            set: v4_space(),
            approximate: false,
        },
    );
    objs.addrs.insert(
        "none".into(),
        Addr {
            set: IntervalSet::empty(),
            approximate: false,
        },
    );
    for (section, fam) in [
        ("firewall address", v4_space()),
        ("firewall address6", v6_space()),
    ] {
        for e in sections.get(section).into_iter().flatten() {
            let kind = e.first("type").unwrap_or(if section.ends_with('6') {
                "ipprefix"
            } else {
                "ipmask"
            });
            let set = match kind {
                "ipmask" => {
                    subnet(&e.values("subnet")).or_else(|| e.get("subnet").is_none().then(v4_space))
                }
                "ipprefix" => match e.first("ip6") {
                    Some(p) => parse_prefix(p),
                    None => Some(v6_space()),
                },
                "iprange" => match (e.first("start-ip"), e.first("end-ip")) {
                    (Some(a), Some(b)) => parse_addr_range(a, b),
                    _ => None,
                },
                _ => None,
            };
            let key = if section.ends_with('6') && e.name == "all" {
                "all6".to_string()
            } else {
                e.name.clone()
            };
            match set {
                Some(set) => {
                    objs.addrs.insert(
                        key,
                        Addr {
                            set,
                            approximate: false,
                        },
                    );
                }
                None => {
                    // fqdn, geography, dynamic …: any address of the family, approximated.
                    objs.addrs.insert(
                        key,
                        Addr {
                            set: fam.clone(),
                            approximate: true,
                        },
                    );
                }
            }
        }
    }
    objs.addrs.entry("all6".into()).or_insert(Addr {
        set: v6_space(),
        approximate: false,
    });
    // Groups may contain groups: resolve until nothing changes.
    let groups: Vec<&Entry> = ["firewall addrgrp", "firewall addrgrp6"]
        .iter()
        .flat_map(|s| sections.get(*s).into_iter().flatten())
        .collect();
    for _ in 0..8 {
        for g in &groups {
            let mut set = IntervalSet::empty();
            let mut approximate = false;
            let mut complete = true;
            for m in g.values("member") {
                match objs.addrs.get(&m) {
                    Some(a) => {
                        set = set.union(&a.set);
                        approximate |= a.approximate;
                    }
                    None => complete = false,
                }
            }
            if g.first("exclude") == Some("enable") {
                for m in g.values("exclude-member") {
                    match objs.addrs.get(&m) {
                        // Excluding an approximated member could remove too much: keep it.
                        Some(a) if !a.approximate => set = set.subtract(&a.set),
                        _ => approximate = true,
                    }
                }
            }
            if complete {
                objs.addrs.insert(g.name.clone(), Addr { set, approximate });
            }
        }
    }
    for e in sections
        .get("firewall service custom")
        .into_iter()
        .flatten()
    {
        match custom_service(e) {
            Some(s) => {
                objs.services.insert(e.name.clone(), s);
            }
            None => note(e, "service definition not understood".into()),
        }
    }
    let sgroups: Vec<&Entry> = sections
        .get("firewall service group")
        .into_iter()
        .flatten()
        .collect();
    for _ in 0..8 {
        for g in &sgroups {
            let mut boxes = Vec::new();
            let mut approx = false;
            let mut complete = true;
            for m in g.values("member") {
                match objs
                    .services
                    .get(&m)
                    .cloned()
                    .or_else(|| builtin_service(&m).map(|b| (b, false)))
                {
                    Some((b, a)) => {
                        boxes.extend(b);
                        approx |= a;
                    }
                    None => complete = false,
                }
            }
            if complete {
                objs.services.insert(g.name.clone(), (boxes, approx));
            }
        }
    }
    for e in sections.get("firewall vip").into_iter().flatten() {
        objs.vips.insert(e.name.clone(), e.clone());
    }
    for e in sections.get("firewall ippool").into_iter().flatten() {
        if let (Some(a), Some(b)) = (e.first("startip"), e.first("endip"))
            && let Some(r) = parse_addr_range(a, b)
        {
            objs.pools.insert(e.name.clone(), r);
        }
    }
    for e in sections.get("system zone").into_iter().flatten() {
        objs.zones.insert(e.name.clone(), e.values("interface"));
    }
    objs
}

fn ifaces(objs: &Objects, names: &[String]) -> Option<IfaceMatch> {
    if names.is_empty() || names.iter().any(|n| n == "any") {
        return None;
    }
    let mut out = Vec::new();
    for n in names {
        match objs.zones.get(n) {
            Some(members) => out.extend(members.iter().cloned()),
            None => out.push(n.clone()),
        }
    }
    Some(IfaceMatch {
        names: out,
        negated: false,
    })
}

/// Keys of a policy that do not change which packets it lets through.
const COSMETIC: &[&str] = &[
    "name",
    "uuid",
    "comments",
    "logtraffic",
    "logtraffic-start",
    "utm-status",
    "av-profile",
    "webfilter-profile",
    "dnsfilter-profile",
    "ips-sensor",
    "application-list",
    "ssl-ssh-profile",
    "profile-protocol-options",
    "inspection-mode",
    "global-label",
    "label",
    "policyid",
    "capture-packet",
    "send-deny-packet",
    "block-notification",
    "traffic-shaper",
    "traffic-shaper-reverse",
    "per-ip-shaper",
    "auto-asic-offload",
    "match-vip",
    "fsso",
    "profile-type",
    "emailfilter-profile",
    "file-filter-profile",
    "waf-profile",
    "voip-profile",
    "icap-profile",
    "cifs-profile",
    "videofilter-profile",
    "dlp-profile",
    "dlp-sensor",
    "tcp-session-without-syn",
    "anti-replay",
    "session-ttl",
    "vlan-cos-fwd",
    "vlan-cos-rev",
    "wccp",
    "disclaimer",
    "natip",
    "fixedport",
    "permit-any-host",
    "diffserv-forward",
    "diffserv-reverse",
    "timeout-send-rst",
];
/// Keys that narrow a policy in ways not modelled: the policy is treated conservatively.
const NARROWING: &[&str] = &[
    "users",
    "groups",
    "internet-service",
    "internet-service-name",
    "internet-service-id",
    "internet-service-group",
    "internet-service-src",
    "internet-service-src-name",
    "application",
    "app-category",
    "app-group",
    "url-category",
    "src-vendor-mac",
];

/// Parse a FortiGate configuration.
pub fn parse(file: &str, text: &str) -> Result<Ruleset, NetcheckError> {
    if text.trim().is_empty() {
        return Err(NetcheckError::EmptyFile {
            file: file.to_string(),
        });
    }
    let sections = read_sections(file, text)?;
    let mut rs = Ruleset::default();
    let objs = build_objects(&sections, &mut rs.unparsed, file);
    for s in [
        "firewall central-snat-map",
        "firewall vipgrp",
        "firewall policy46",
        "firewall policy64",
    ] {
        for e in sections.get(s).into_iter().flatten() {
            rs.unparsed.push(Unparsed {
                file: file.into(),
                line: e.line,
                column: 1,
                text: e.lines.join("; "),
                reason: format!("`config {s}` is not analysed"),
            });
        }
    }
    rs.chains.push(Chain {
        name: "firewall vip (DNAT)".into(),
        rules: Vec::new(),
    });
    rs.chains.push(Chain {
        name: "firewall policy".into(),
        rules: Vec::new(),
    });
    rs.chains.push(Chain {
        name: "policy NAT (SNAT)".into(),
        rules: Vec::new(),
    });
    let loc = |line: usize| SourceLoc::new(file, line, 1);
    for (chain, hook, policy) in [
        (0usize, Hook::Prerouting, Policy::Accept),
        (1, Hook::Forward, Policy::Drop),
        (2, Hook::Postrouting, Policy::Accept),
    ] {
        rs.base.push(BaseChain {
            chain,
            hook,
            priority: 0,
            policy,
            family: None,
            loc: loc(1),
        });
    }
    let policies: Vec<&Entry> = ["firewall policy", "firewall policy6"]
        .iter()
        .flat_map(|s| sections.get(*s).into_iter().flatten())
        .collect();
    for p in policies {
        if p.first("status") == Some("disable") {
            continue;
        }
        let text = p.lines.join("; ");
        let mut uncertain = false;
        let note = |set: &Set, reason: &str, unparsed: &mut Vec<Unparsed>| {
            unparsed.push(Unparsed {
                file: file.into(),
                line: set.line,
                column: set.column,
                text: format!("set {} {}", set.key, set.values.join(" ")),
                reason: reason.to_string(),
            });
        };
        for s in &p.sets {
            let k = s.key.as_str();
            let known = COSMETIC.contains(&k)
                || NARROWING.contains(&k)
                || matches!(
                    k,
                    "srcintf"
                        | "dstintf"
                        | "srcaddr"
                        | "dstaddr"
                        | "srcaddr6"
                        | "dstaddr6"
                        | "service"
                        | "action"
                        | "status"
                        | "nat"
                        | "ippool"
                        | "poolname"
                        | "schedule"
                        | "srcaddr-negate"
                        | "dstaddr-negate"
                        | "service-negate"
                        | "poolname6"
                        | "nat46"
                        | "nat64"
                );
            let narrowing = NARROWING.contains(&k)
                || (k == "schedule" && s.values.first().map(String::as_str) != Some("always"));
            if narrowing {
                uncertain = true;
            } else if !known {
                note(s, "policy setting not understood", &mut rs.unparsed);
                uncertain = true;
            }
        }
        let action = match p.first("action").unwrap_or("deny") {
            "accept" => Action::Accept,
            "deny" => Action::Drop,
            other => {
                if let Some(s) = p.get("action") {
                    note(
                        s,
                        &format!("action `{other}` not understood"),
                        &mut rs.unparsed,
                    );
                }
                uncertain = true;
                Action::Accept
            }
        };
        let iif = ifaces(&objs, &p.values("srcintf"));
        let oif = ifaces(&objs, &p.values("dstintf"));

        // Addresses (v4 and v6 lists together), resolving VIPs on the destination side.
        let mut resolve =
            |names: Vec<String>, negate: bool, vip_ok: bool, unparsed: &mut Vec<Unparsed>| {
                let mut set = IntervalSet::empty();
                let mut any_family = IntervalSet::empty();
                let mut vips = Vec::new();
                for n in names {
                    if vip_ok && let Some(v) = objs.vips.get(&n) {
                        vips.push(v.clone());
                        match v.first("mappedip").and_then(|m| match m.split_once('-') {
                            Some((a, b)) => parse_addr_range(a, b),
                            None => parse_prefix(m),
                        }) {
                            Some(m) => set = set.union(&m),
                            None => {
                                unparsed.push(Unparsed {
                                    file: file.into(),
                                    line: v.line,
                                    column: 1,
                                    text: v.lines.join("; "),
                                    reason: "VIP mapped address not understood".into(),
                                });
                                uncertain = true;
                                set = set.union(&v4_space());
                            }
                        }
                        any_family = any_family.union(&v4_space());
                        continue;
                    }
                    match objs.addrs.get(&n) {
                        Some(a) => {
                            set = set.union(&a.set);
                            uncertain |= a.approximate;
                            let fam = if a.set.is_subset_of(&v6_space()) {
                                v6_space()
                            } else {
                                v4_space()
                            };
                            any_family = any_family.union(&fam);
                        }
                        None => {
                            unparsed.push(Unparsed {
                                file: file.into(),
                                line: p.line,
                                column: 1,
                                text: n.clone(),
                                reason: "address object not defined".into(),
                            });
                            uncertain = true;
                            set = set.union(&v4_space()).union(&v6_space());
                            any_family = set.clone();
                        }
                    }
                }
                if negate {
                    set = any_family.subtract(&set);
                }
                (set, vips)
            };
        let mut src_names = p.values("srcaddr");
        src_names.extend(p.values("srcaddr6"));
        let mut dst_names = p.values("dstaddr");
        dst_names.extend(p.values("dstaddr6"));
        let (src, _) = resolve(
            src_names,
            p.first("srcaddr-negate") == Some("enable"),
            false,
            &mut rs.unparsed,
        );
        let (dst, vips) = resolve(
            dst_names,
            p.first("dstaddr-negate") == Some("enable"),
            true,
            &mut rs.unparsed,
        );
        let mut services: Vec<HBox> = Vec::new();
        for n in p.values("service") {
            match objs
                .services
                .get(&n)
                .cloned()
                .or_else(|| builtin_service(&n).map(|b| (b, false)))
            {
                Some((b, a)) => {
                    services.extend(b);
                    uncertain |= a;
                }
                None => {
                    rs.unparsed.push(Unparsed {
                        file: file.into(),
                        line: p.line,
                        column: 1,
                        text: n.clone(),
                        reason: "service not defined".into(),
                    });
                    uncertain = true;
                    services.push(HBox::full());
                }
            }
        }
        if p.first("service-negate") == Some("enable") {
            // The complement of a union of boxes is not one box: approximate by "any".
            uncertain = true;
            services = vec![HBox::full()];
        }
        let nat = p.first("nat") == Some("enable");
        let pool = if p.first("ippool") == Some("enable") {
            let mut set = IntervalSet::empty();
            for n in p.values("poolname") {
                match objs.pools.get(&n) {
                    Some(r) => set = set.union(r),
                    None => uncertain = true,
                }
            }
            Some(set)
        } else {
            None
        };
        let loc = SourceLoc::new(file, p.line, 1);
        for svc in &services {
            let mut b = Builder::new(loc.clone(), text.clone());
            b.header = svc.clone();
            b.restrict(SRC, &src);
            b.restrict(DST, &dst);
            b.iif = iif.clone();
            b.oif = oif.clone();
            b.uncertain = uncertain;
            if nat && action == Action::Accept {
                let mut n = b.clone();
                n.display = Some(format!("policy {} nat", p.name));
                let act = match &pool {
                    Some(set) if !set.is_empty() => Action::Snat(NatTarget {
                        addr: Some(set.clone()),
                        port: None,
                    }),
                    _ => Action::Masquerade,
                };
                rs.chains[2].rules.push(n.finish(act));
            }
            rs.chains[1].rules.push(b.finish(action.clone()));
        }
        for v in vips {
            let ext = v.first("extip").and_then(|e| match e.split_once('-') {
                Some((a, b)) => parse_addr_range(a, b),
                None => parse_prefix(e),
            });
            let mapped = v.first("mappedip").and_then(|m| match m.split_once('-') {
                Some((a, b)) => parse_addr_range(a, b),
                None => parse_prefix(m),
            });
            let vloc = SourceLoc::new(file, v.line, 1);
            let mut b = Builder::new(vloc, v.lines.join("; "));
            let (Some(ext), Some(mapped)) = (ext, mapped) else {
                continue;
            };
            b.restrict(DST, &ext);
            b.iif = ifaces(&objs, &v.values("extintf"));
            let mut port = None;
            if v.first("portforward") == Some("enable") {
                let proto = match v.first("protocol").unwrap_or("tcp") {
                    "udp" => 17,
                    "sctp" => 132,
                    _ => 6,
                };
                b.restrict(PROTO, &IntervalSet::point(proto));
                if let Some((d, _)) = v.first("extport").and_then(port_range) {
                    b.restrict(DPORT, &d);
                }
                port = v.first("mappedport").and_then(port_range).map(|(d, _)| d);
            }
            rs.chains[0].rules.push(b.finish(Action::Dnat(NatTarget {
                addr: Some(mapped),
                port,
            })));
        }
    }
    // Each VIP once (policies referencing the same VIP add duplicates).
    let mut seen = std::collections::HashSet::new();
    rs.chains[0].rules.retain(|r| seen.insert(r.loc.line));
    Ok(rs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_ranges() {
        assert_eq!(mask_len("255.255.255.0"), Some(24));
        assert_eq!(mask_len("255.0.255.0"), None);
        assert_eq!(mask_len("0.0.0.0"), Some(0));
        let (d, s) = port_range("443:1024-65535").unwrap();
        assert_eq!(d.first(), Some(443));
        assert_eq!(s.unwrap().count(), 64512);
    }

    #[test]
    fn sections_and_errors() {
        let t = "config firewall address\n    edit \"a\"\n        set subnet 10.0.0.0 255.0.0.0\n    next\nend\n";
        let s = read_sections("f", t).unwrap();
        assert_eq!(s["firewall address"][0].values("subnet").len(), 2);
        assert!(matches!(
            read_sections("f", "config firewall address\n    edit \"a\"\n"),
            Err(NetcheckError::Syntax { .. })
        ));
        assert!(matches!(
            read_sections("f", "next\n"),
            Err(NetcheckError::Syntax { line: 1, .. })
        ));
    }
}
