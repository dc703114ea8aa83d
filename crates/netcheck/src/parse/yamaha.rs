//! YAMAHA RTX configuration (`show config`): `ip filter`, `ip filter dynamic`,
//! `ip INTERFACE secure filter in|out … [dynamic …]`, the same for `ipv6`, `pp select` /
//! `tunnel select` contexts, and `nat descriptor` (masquerade, static port mapping).
//!
//! Semantics (RTX command reference): the filters of a list are tried in order, the first that
//! matches decides, a packet matching none is discarded; an interface without a list passes
//! everything. `restrict` is treated as `pass`. With `*` or several protocols, port lists only
//! apply to TCP/UDP packets; other protocols match regardless of ports. Static NAT mappings are
//! applied before the receiving interface's `in` filters, masquerade after the `out` filters.
//!
//! Dynamic filters open connections of their application; the manual does not state whether
//! they are tried before or after the static list, so they are applied as possible passes
//! (approximate), which is sound for either order.

use super::Builder;
use crate::error::NetcheckError;
use crate::ir::{Action, BaseChain, Chain, Hook, IfaceMatch, NatTarget, Policy, Ruleset};
use crate::loc::{SourceLoc, Unparsed};
use crate::space::{
    CT, CT_NEW, DPORT, DST, HBox, IntervalSet, PROTO, SPORT, SRC, parse_addr_range, parse_prefix,
    v4_space, v6_space,
};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Fam {
    V4,
    V6,
}

impl Fam {
    fn space(self) -> IntervalSet {
        match self {
            Fam::V4 => v4_space(),
            Fam::V6 => v6_space(),
        }
    }
}

/// A static filter: its boxes (one rule may need several), action, uncertainty, location.
#[derive(Clone, Debug)]
struct Filter {
    boxes: Vec<HBox>,
    pass: bool,
    uncertain: bool,
    loc: SourceLoc,
    text: String,
}

/// The port named in YAMAHA mnemonics (static filters).
fn port_name(name: &str) -> Option<Vec<(u16, u16)>> {
    let p = |v: u16| vec![(v, v)];
    Some(match name {
        "ftp" => vec![(20, 21)],
        "ftpdata" => p(20),
        "telnet" => p(23),
        "smtp" => p(25),
        "domain" | "dns" => p(53),
        "gopher" => p(70),
        "finger" => p(79),
        "www" | "http" => p(80),
        "pop3" => p(110),
        "sunrpc" => p(111),
        "ident" => p(113),
        "nntp" => p(119),
        "ntp" => p(123),
        "ms-rpc" => p(135),
        "netbios_ns" => p(137),
        "netbios_dgm" => p(138),
        "netbios_ssn" => p(139),
        "imap" => p(143),
        "snmp" => p(161),
        "snmptrap" => p(162),
        "bgp" => p(179),
        "imap3" => p(220),
        "ldap" => p(389),
        "https" => p(443),
        "ms-ds" => p(445),
        "ike" => p(500),
        "rlogin" => p(513),
        "rwho" | "syslog" => p(514),
        "rsh" => p(514),
        "printer" => p(515),
        "rip" => p(520),
        "ripng" => p(521),
        "ms-sql" => p(1433),
        "radius" => p(1812),
        "l2tp" => p(1701),
        "pptp" => p(1723),
        "nfs" => p(2049),
        "ssh" => p(22),
        "tftp" => p(69),
        "bootps" | "dhcps" => p(67),
        "bootpc" | "dhcpc" => p(68),
        "echo" => p(7),
        "discard" => p(9),
        "daytime" => p(13),
        "chargen" => p(19),
        "time" => p(37),
        "whois" => p(43),
        "submission" => p(587),
        "sip" => p(5060),
        _ => return None,
    })
}

/// `*`, `80`, `1024-65535`, `1024-`, `-1023`, `www`, `80,443,ftp`.
fn port_list(text: &str) -> Option<IntervalSet> {
    if text == "*" {
        return Some(IntervalSet::range(0, 65535));
    }
    let mut out = Vec::new();
    for part in text.split(',') {
        if let Some(v) = port_name(part) {
            out.extend(v.into_iter().map(|(a, b)| (u128::from(a), u128::from(b))));
            continue;
        }
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (
                if a.is_empty() {
                    0
                } else {
                    a.parse::<u16>().ok()?
                },
                if b.is_empty() {
                    65535
                } else {
                    b.parse::<u16>().ok()?
                },
            ),
            None => {
                let v = part.parse::<u16>().ok()?;
                (v, v)
            }
        };
        out.push((u128::from(lo), u128::from(hi)));
    }
    Some(IntervalSet::from_ranges(out))
}

/// `*`, `192.168.0.1`, `192.168.0.0/24`, `192.168.0.1-192.168.0.9`, `192.168.0.*`, lists.
fn addr_list(text: &str, fam: Fam) -> Option<IntervalSet> {
    if text == "*" {
        return Some(fam.space());
    }
    let mut set = IntervalSet::empty();
    for part in text.split(',') {
        let s = if let Some(prefix) = part.strip_suffix(".*") {
            // Old wildcard octet form: 192.168.0.*
            let octets = prefix.split('.').count();
            let len = 8 * octets;
            let zeros = vec!["0"; 4 - octets.min(4)].join(".");
            parse_prefix(&format!("{prefix}.{zeros}/{len}"))?
        } else if let Some((a, b)) = part.split_once('-')
            && !part.contains('/')
        {
            parse_addr_range(a, b)?
        } else {
            parse_prefix(part)?
        };
        set = set.union(&s);
    }
    Some(set.intersect(&fam.space()))
}

/// Protocol list to (protocols with ports, protocols without, exact?).
fn protocols(text: &str) -> Option<(IntervalSet, bool, Option<u128>)> {
    // Returns (protocol set, ports apply to tcp/udp only?, ct restriction).
    if text == "*" {
        return Some((IntervalSet::range(0, 255), true, None));
    }
    let mut set = IntervalSet::empty();
    let mut ct = None;
    let mut several = false;
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() > 1 {
        several = true;
    }
    for p in parts {
        let n: u128 = match p {
            "tcp" | "tcpfin" | "tcprst" => 6,
            "tcpsyn" => {
                ct = Some(CT_NEW);
                6
            }
            "established" => {
                // TCP packets with ACK: never the first packet of a connection.
                ct = Some(u128::MAX);
                6
            }
            "udp" => 17,
            "icmp" | "icmp-error" | "icmp-info" => 1,
            "icmp6" | "ipv6-icmp" => 58,
            "gre" => 47,
            "esp" => 50,
            "ah" => 51,
            other => other.parse().ok()?,
        };
        set = set.union(&IntervalSet::point(n));
    }
    Some((set, several, ct))
}

/// Build the boxes of a static filter from its fields after the action.
fn filter_boxes(fields: &[&str], fam: Fam) -> Result<(Vec<HBox>, bool), String> {
    let get = |i: usize| fields.get(i).copied().unwrap_or("*");
    // Host names (FQDN filters) are resolved by the router at run time: any address,
    // approximated.
    let is_name = |t: &str| t.chars().any(|c| c.is_ascii_alphabetic()) && !t.contains(':');
    let mut fqdn = false;
    let mut addr = |t: &str, what: &str| -> Result<IntervalSet, String> {
        match addr_list(t, fam) {
            Some(s) => Ok(s),
            None if is_name(t) => {
                fqdn = true;
                Ok(fam.space())
            }
            None => Err(format!("{what} `{t}` not understood")),
        }
    };
    let src = addr(get(0), "source")?;
    let dst = addr(get(1), "destination")?;
    let proto_text = get(2);
    let (protos, several, ct) =
        protocols(proto_text).ok_or_else(|| format!("protocol `{proto_text}` not understood"))?;
    let mut uncertain = fqdn
        || proto_text.contains("tcpfin")
        || proto_text.contains("tcprst")
        || proto_text.contains("icmp-error")
        || proto_text.contains("icmp-info")
        || proto_text.contains("tcpflag");
    let base = HBox::full().with(SRC, src).with(DST, dst);
    let base = match ct {
        Some(CT_NEW) => base.with(CT, IntervalSet::point(CT_NEW)),
        Some(_) => base.with(
            CT,
            IntervalSet::point(CT_NEW).complement(crate::space::DIM_MAX[CT]),
        ),
        None => base,
    };
    let sports = port_list(get(3)).ok_or_else(|| format!("ports `{}` not understood", get(3)))?;
    let dports = port_list(get(4)).ok_or_else(|| format!("ports `{}` not understood", get(4)))?;
    let all_ports = IntervalSet::range(0, 65535);
    let ported = sports != all_ports || dports != all_ports;
    let icmp_only = protos == IntervalSet::point(1) || protos == IntervalSet::point(58);
    let mut boxes = Vec::new();
    if icmp_only {
        // With `icmp` alone the port fields are ICMP type and code: not modelled.
        uncertain |= ported;
        boxes.push(base.with(PROTO, protos));
    } else if !ported {
        boxes.push(base.with(PROTO, protos));
    } else if proto_text == "*" || several {
        // Ports apply to TCP/UDP only; other listed protocols match whatever the ports.
        let tcp_udp = IntervalSet::from_ranges(vec![(6, 6), (17, 17)]);
        let with_ports = protos.intersect(&tcp_udp);
        let without = protos.subtract(&tcp_udp);
        if !with_ports.is_empty() {
            boxes.push(
                base.clone()
                    .with(PROTO, with_ports)
                    .with(SPORT, sports)
                    .with(DPORT, dports),
            );
        }
        if !without.is_empty() {
            boxes.push(base.with(PROTO, without));
        }
    } else {
        boxes.push(
            base.with(PROTO, protos)
                .with(SPORT, sports)
                .with(DPORT, dports),
        );
    }
    Ok((boxes, uncertain))
}

/// Application mnemonics of dynamic filters: (protocol, destination ports).
fn dynamic_app(name: &str) -> Option<Vec<(u128, u128, u128)>> {
    let tcp = |a: u128, b: u128| (6u128, a, b);
    let udp = |a: u128, b: u128| (17u128, a, b);
    Some(match name {
        "tcp" => vec![tcp(0, 65535)],
        "udp" => vec![udp(0, 65535)],
        // In dynamic filters `www` covers HTTP and HTTPS.
        "www" => vec![tcp(80, 80), tcp(443, 443)],
        "http" => vec![tcp(80, 80)],
        "https" => vec![tcp(443, 443)],
        "domain" | "dns" => vec![udp(53, 53), tcp(53, 53)],
        "ftp" => vec![tcp(21, 21)],
        "tftp" => vec![udp(69, 69)],
        "smtp" => vec![tcp(25, 25)],
        "submission" => vec![tcp(587, 587)],
        "pop3" => vec![tcp(110, 110)],
        "imap" => vec![tcp(143, 143)],
        "telnet" => vec![tcp(23, 23)],
        "ssh" => vec![tcp(22, 22)],
        "ntp" => vec![udp(123, 123)],
        "snmp" => vec![udp(161, 161)],
        "syslog" => vec![udp(514, 514)],
        "ldap" => vec![tcp(389, 389)],
        "ms-sql" => vec![tcp(1433, 1433)],
        "ms-ds" => vec![tcp(445, 445)],
        "netbios_ns" => vec![udp(137, 137)],
        "netbios_dgm" => vec![udp(138, 138)],
        "netbios_ssn" => vec![tcp(139, 139)],
        "ping" => vec![(1, 0, 65535)],
        "ping6" => vec![(58, 0, 65535)],
        _ => return None,
    })
}

/// `nat descriptor masquerade static`: outer port → inner address and port.
struct StaticMap {
    inner: IntervalSet,
    proto: u128,
    outer_port: Option<u128>,
    inner_port: Option<u128>,
    loc: SourceLoc,
    text: String,
}

struct ListRef {
    iface: String,
    fam: Fam,
    inbound: bool,
    statics: Vec<String>,
    dynamics: Vec<String>,
    loc: SourceLoc,
}

/// Parse a YAMAHA RTX configuration.
pub fn parse(file: &str, text: &str) -> Result<Ruleset, NetcheckError> {
    if text.trim().is_empty() {
        return Err(NetcheckError::EmptyFile {
            file: file.to_string(),
        });
    }
    let mut rs = Ruleset::default();
    let mut statics: HashMap<(Fam, String), Filter> = HashMap::new();
    let mut dynamics: HashMap<(Fam, String), Filter> = HashMap::new();
    let mut lists: Vec<ListRef> = Vec::new();
    // nat descriptor number → (type, outer address, static mappings, line)
    let mut nat_type: HashMap<String, String> = HashMap::new();
    let mut nat_outer: HashMap<String, IntervalSet> = HashMap::new();
    let mut nat_static: BTreeMap<String, Vec<StaticMap>> = BTreeMap::new();
    let mut nat_on: Vec<(String, String, SourceLoc)> = Vec::new();
    let mut context: Option<String> = None;
    let syntax = |line: usize, column: usize, t: &str, m: &str| NetcheckError::Syntax {
        file: file.to_string(),
        line,
        column,
        text: t.to_string(),
        message: m.to_string(),
    };

    for (ln, raw) in text.lines().enumerate() {
        let line_no = ln + 1;
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        let loc = SourceLoc::new(file, line_no, indent + 1);
        let unparsed = |rs: &mut Ruleset, reason: &str| {
            rs.unparsed.push(Unparsed {
                file: file.into(),
                line: line_no,
                column: indent + 1,
                text: line.to_string(),
                reason: reason.to_string(),
            });
        };
        match w.as_slice() {
            ["pp", "select", n] | ["tunnel", "select", n] => {
                context = if *n == "none" {
                    None
                } else {
                    Some(format!("{}{n}", w[0]))
                };
            }
            [fam @ ("ip" | "ipv6"), "filter", "dynamic", num, rest @ ..] => {
                let fam = if *fam == "ip" { Fam::V4 } else { Fam::V6 };
                let (src, dst) = (
                    rest.first().copied().unwrap_or("*"),
                    rest.get(1).copied().unwrap_or("*"),
                );
                let (Some(s), Some(d)) = (addr_list(src, fam), addr_list(dst, fam)) else {
                    return Err(syntax(
                        line_no,
                        indent + 1,
                        line,
                        "dynamic filter addresses not understood",
                    ));
                };
                let base = HBox::full().with(SRC, s).with(DST, d);
                let mut boxes = Vec::new();
                let mut uncertain = true;
                match rest.get(2).copied() {
                    Some("filter") => {
                        // Trigger filters: their protocol and ports (addresses are ignored).
                        for f in rest[3..]
                            .iter()
                            .take_while(|t| !matches!(**t, "in" | "out"))
                        {
                            match statics.get(&(fam, (*f).to_string())) {
                                Some(st) => {
                                    for b in &st.boxes {
                                        let mut x = b.clone();
                                        x.dims[SRC] = base.dims[SRC].clone();
                                        x.dims[DST] = base.dims[DST].clone();
                                        boxes.push(x);
                                    }
                                }
                                None => {
                                    unparsed(
                                        &mut rs,
                                        "dynamic filter refers to an undefined filter",
                                    );
                                    boxes.push(base.clone());
                                }
                            }
                        }
                    }
                    Some(app) => match dynamic_app(app) {
                        Some(list) => {
                            for (p, lo, hi) in list {
                                let mut b = base.clone().with(PROTO, IntervalSet::point(p));
                                if p == 6 || p == 17 {
                                    b = b.with(DPORT, IntervalSet::range(lo, hi));
                                }
                                boxes.push(b);
                            }
                        }
                        None => {
                            unparsed(&mut rs, "dynamic filter application not understood");
                            boxes.push(base.clone());
                            uncertain = true;
                        }
                    },
                    None => boxes.push(base.clone()),
                }
                dynamics.insert(
                    (fam, (*num).to_string()),
                    Filter {
                        boxes,
                        pass: true,
                        uncertain,
                        loc,
                        text: line.to_string(),
                    },
                );
            }
            [fam @ ("ip" | "ipv6"), "filter", num, action, fields @ ..]
                if num.chars().all(|c| c.is_ascii_digit()) =>
            {
                let fam = if *fam == "ip" { Fam::V4 } else { Fam::V6 };
                let pass = match *action {
                    "pass" | "pass-log" | "pass-nolog" | "restrict" | "restrict-log"
                    | "restrict-nolog" => true,
                    "reject" | "reject-log" | "reject-nolog" => false,
                    other => {
                        let col = line.find(other).unwrap_or(0) + indent + 1;
                        return Err(syntax(
                            line_no,
                            col,
                            other,
                            "filter action must be pass, reject or restrict",
                        ));
                    }
                };
                let (boxes, uncertain) = filter_boxes(fields, fam).map_err(|m| {
                    let col = fields
                        .first()
                        .and_then(|f| line.find(f))
                        .map_or(indent + 1, |c| c + indent + 1);
                    syntax(line_no, col, line, &m)
                })?;
                statics.insert(
                    (fam, (*num).to_string()),
                    Filter {
                        boxes,
                        pass,
                        uncertain,
                        loc,
                        text: line.to_string(),
                    },
                );
            }
            [fam @ ("ip" | "ipv6"), "filter", ..] => {
                // source-route, directed-broadcast, set …: not part of forwarding decisions,
                // except filter sets (RADIUS) which we do not model.
                if w.get(2) == Some(&"set") {
                    unparsed(&mut rs, "filter sets are not analysed");
                }
                let _ = fam;
            }
            [
                fam @ ("ip" | "ipv6"),
                iface,
                "secure",
                "filter",
                dir @ ("in" | "out"),
                rest @ ..,
            ] => {
                let fam = if *fam == "ip" { Fam::V4 } else { Fam::V6 };
                let iface = if *iface == "pp" || *iface == "tunnel" {
                    match &context {
                        Some(c) => c.clone(),
                        None => {
                            return Err(syntax(
                                line_no,
                                indent + 1,
                                line,
                                "pp/tunnel filter outside `pp select` / `tunnel select`",
                            ));
                        }
                    }
                } else {
                    (*iface).to_string()
                };
                let split = rest.iter().position(|t| *t == "dynamic");
                let (st, dy) = match split {
                    Some(i) => (&rest[..i], &rest[i + 1..]),
                    None => (rest, &[][..]),
                };
                lists.push(ListRef {
                    iface,
                    fam,
                    inbound: *dir == "in",
                    statics: st.iter().map(|s| (*s).to_string()).collect(),
                    dynamics: dy.iter().map(|s| (*s).to_string()).collect(),
                    loc,
                });
            }
            ["nat", "descriptor", "type", n, t] => {
                nat_type.insert((*n).to_string(), (*t).to_string());
            }
            ["nat", "descriptor", "address", "outer", n, addr] => {
                if let Some(a) = match addr.split_once('-') {
                    Some((a, b)) => parse_addr_range(a, b),
                    None => parse_prefix(addr),
                } {
                    nat_outer.insert((*n).to_string(), a);
                }
            }
            [
                "nat",
                "descriptor",
                "masquerade",
                "static",
                n,
                _id,
                inner,
                proto,
                port,
            ] => {
                let inner_set = parse_prefix(inner).ok_or_else(|| {
                    syntax(line_no, indent + 1, line, "inner address not understood")
                })?;
                let p: u128 = match *proto {
                    "tcp" => 6,
                    "udp" => 17,
                    other => other.parse().map_err(|_| {
                        syntax(line_no, indent + 1, line, "protocol not understood")
                    })?,
                };
                // `outer=inner` port forms: 8080=80
                let (outer_port, inner_port) = match port.split_once('=') {
                    Some((o, i)) => (port_list(o), port_list(i)),
                    None => (port_list(port), port_list(port)),
                };
                let (Some(op), Some(ip)) = (outer_port, inner_port) else {
                    return Err(syntax(line_no, indent + 1, line, "port not understood"));
                };
                let single = |set: IntervalSet| set.first().filter(|_| set.count() == 1);
                nat_static
                    .entry((*n).to_string())
                    .or_default()
                    .push(StaticMap {
                        inner: inner_set,
                        proto: p,
                        outer_port: single(op),
                        inner_port: single(ip),
                        loc,
                        text: line.to_string(),
                    });
            }
            ["ip", iface, "nat", "descriptor", nums @ ..] => {
                let iface = if *iface == "pp" || *iface == "tunnel" {
                    context.clone().unwrap_or_else(|| (*iface).to_string())
                } else {
                    (*iface).to_string()
                };
                for n in nums {
                    nat_on.push((iface.clone(), (*n).to_string(), loc.clone()));
                }
            }
            _ if line.contains("secure filter") => {
                unparsed(&mut rs, "secure filter form not understood");
            }
            ["nat", "descriptor", "static", ..]
            | ["nat", "descriptor", "masquerade", "static", ..] => {
                unparsed(&mut rs, "static NAT form not understood");
            }
            _ => {}
        }
    }

    // Chains: one per (interface, family, direction) list; base chains dispatch to them.
    let mut dispatch_in = Chain {
        name: "secure filter in".into(),
        rules: Vec::new(),
    };
    let mut dispatch_out = Chain {
        name: "secure filter out".into(),
        rules: Vec::new(),
    };
    let first_chain = 4;
    let mut chains: Vec<Chain> = Vec::new();
    for l in &lists {
        let fam_name = if l.fam == Fam::V4 { "ip" } else { "ipv6" };
        let dir = if l.inbound { "in" } else { "out" };
        let mut ch = Chain {
            name: format!("{fam_name} {} secure filter {dir}", l.iface),
            rules: Vec::new(),
        };
        let mut push = |f: &Filter, dynamic: bool| {
            for b in &f.boxes {
                let mut bl = Builder::new(f.loc.clone(), f.text.clone());
                bl.header = b.clone();
                bl.uncertain = f.uncertain || dynamic;
                ch.rules
                    .push(bl.finish(if f.pass { Action::Accept } else { Action::Drop }));
            }
        };
        for d in &l.dynamics {
            match dynamics.get(&(l.fam, d.clone())) {
                Some(f) => push(f, true),
                None => rs.unparsed.push(Unparsed {
                    file: file.into(),
                    line: l.loc.line,
                    column: l.loc.column,
                    text: format!("dynamic {d}"),
                    reason: "dynamic filter not defined".into(),
                }),
            }
        }
        for s in &l.statics {
            match statics.get(&(l.fam, s.clone())) {
                Some(f) => push(f, false),
                None => rs.unparsed.push(Unparsed {
                    file: file.into(),
                    line: l.loc.line,
                    column: l.loc.column,
                    text: s.clone(),
                    reason: "filter not defined".into(),
                }),
            }
        }
        // No filter matched: discarded.
        let mut end = Builder::new(l.loc.clone(), format!("(implicit discard) {}", ch.name));
        end.implicit = true;
        end.restrict(SRC, &l.fam.space());
        ch.rules.push(end.finish(Action::Drop));
        let idx = first_chain + chains.len();
        let mut jump = Builder::new(l.loc.clone(), ch.name.clone());
        jump.implicit = true;
        jump.restrict(SRC, &l.fam.space());
        let m = IfaceMatch {
            names: vec![l.iface.clone()],
            negated: false,
        };
        if l.inbound {
            jump.iif = Some(m);
            dispatch_in.rules.push(jump.finish(Action::Goto(idx)));
        } else {
            jump.oif = Some(m);
            dispatch_out.rules.push(jump.finish(Action::Goto(idx)));
        }
        chains.push(ch);
    }

    // NAT.
    let mut dnat = Chain {
        name: "nat descriptor (static)".into(),
        rules: Vec::new(),
    };
    let mut snat = Chain {
        name: "nat descriptor (masquerade)".into(),
        rules: Vec::new(),
    };
    for (iface, n, loc) in &nat_on {
        let m = IfaceMatch {
            names: vec![iface.clone()],
            negated: false,
        };
        let kind = nat_type.get(n).map(String::as_str).unwrap_or("nat");
        let outer = nat_outer.get(n).cloned();
        for st in nat_static.get(n).into_iter().flatten() {
            let mut b = Builder::new(st.loc.clone(), st.text.clone());
            b.iif = Some(m.clone());
            b.restrict(PROTO, &IntervalSet::point(st.proto));
            b.restrict(DST, outer.as_ref().unwrap_or(&v4_space()));
            if let Some(p) = st.outer_port {
                b.restrict(DPORT, &IntervalSet::point(p));
            }
            dnat.rules.push(b.finish(Action::Dnat(NatTarget {
                addr: Some(st.inner.clone()),
                port: st.inner_port.map(IntervalSet::point),
            })));
        }
        if kind.contains("masquerade") || kind == "nat" {
            let mut b = Builder::new(
                loc.clone(),
                format!("ip {iface} nat descriptor {n} ({kind})"),
            );
            b.oif = Some(m.clone());
            b.restrict(SRC, &v4_space());
            let act = match &outer {
                Some(o) => Action::Snat(NatTarget {
                    addr: Some(o.clone()),
                    port: None,
                }),
                None => Action::Masquerade,
            };
            snat.rules.push(b.finish(act));
        }
    }

    rs.chains = vec![dnat, dispatch_in, dispatch_out, snat];
    rs.chains.extend(chains);
    let base = |chain, hook, priority| BaseChain {
        chain,
        hook,
        priority,
        policy: Policy::Accept,
        family: None,
        loc: SourceLoc::new(file, 1, 1),
    };
    rs.base.push(base(0, Hook::Prerouting, -100));
    rs.base.push(base(1, Hook::Forward, 0));
    rs.base.push(base(2, Hook::Forward, 1));
    rs.base.push(base(3, Hook::Postrouting, 100));
    Ok(rs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_fields() {
        let (b, u) =
            filter_boxes(&["192.168.0.0/24", "*", "tcp", "*", "www,https"], Fam::V4).unwrap();
        assert!(!u);
        assert_eq!(b.len(), 1);
        assert!(b[0].dims[DPORT].contains(80) && b[0].dims[DPORT].contains(443));
        // `*` protocol with ports: tcp/udp with the port, everything else regardless.
        let (b, _) = filter_boxes(&["*", "*", "*", "*", "80"], Fam::V4).unwrap();
        assert_eq!(b.len(), 2);
        assert!(b[1].dims[PROTO].contains(1) && !b[1].dims[PROTO].contains(6));
        assert!(addr_list("192.168.0.*", Fam::V4).unwrap().count() == 256);
        assert!(addr_list("10.0.0.1-10.0.0.9", Fam::V4).unwrap().count() == 9);
        assert!(filter_boxes(&["10.0.0.300"], Fam::V4).is_err());
        assert_eq!(port_list("1024-").unwrap().count(), 65535 - 1024 + 1);
    }
}
