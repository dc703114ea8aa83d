//! `iptables-save` / `ip6tables-save` output: filter and nat tables, user chains, multiport,
//! iprange, conntrack/state matches, DNAT/SNAT/MASQUERADE.
//!
//! mangle/raw/security tables can only mark or remove packets, never add reachability, so their
//! rules with such targets are skipped soundly; anything else in them is reported as unparsed.

use super::tokens::{Token, tokenize};
use super::{Builder, ct_state};
use crate::error::NetcheckError;
use crate::ir::{Action, BaseChain, Chain, Hook, IfaceMatch, NatTarget, Policy, Ruleset};
use crate::loc::{SourceLoc, Unparsed};
use crate::space::{
    CT, DPORT, DST, IntervalSet, PROTO, SPORT, SRC, parse_addr_range, parse_prefix, proto_number,
    service_port, v4_space, v6_space,
};
use std::collections::HashMap;

/// Which tool wrote the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    V4,
    V6,
}

fn builtin_hook(table: &str, chain: &str) -> Option<(Hook, i32)> {
    Some(match (table, chain) {
        ("filter", "INPUT") => (Hook::Input, 0),
        ("filter", "FORWARD") => (Hook::Forward, 0),
        ("filter", "OUTPUT") => (Hook::Output, 0),
        ("nat", "PREROUTING") => (Hook::Prerouting, -100),
        ("nat", "INPUT") => (Hook::Input, 100),
        ("nat", "OUTPUT") => (Hook::Output, -100),
        ("nat", "POSTROUTING") => (Hook::Postrouting, 100),
        _ => return None,
    })
}

/// Targets of mangle/raw/security rules that cannot add reachability.
const HARMLESS_TARGETS: &[&str] = &[
    "ACCEPT", "DROP", "REJECT", "RETURN", "MARK", "CONNMARK", "TOS", "TTL", "HL", "DSCP", "TCPMSS",
    "LOG", "NFLOG", "CLASSIFY", "CHECKSUM",
];

/// Options understood but not modelled exactly (rule becomes conservative), with argument count.
const APPROXIMATED: &[(&str, usize)] = &[
    ("--icmp-type", 1),
    ("--icmpv6-type", 1),
    ("--limit", 1),
    ("--limit-burst", 1),
    ("--tcp-flags", 2),
    ("--syn", 0),
    ("--mark", 1),
    ("--match-set", 2),
    ("--ports", 1),
    ("--src-type", 1),
    ("--dst-type", 1),
    ("--uid-owner", 1),
    ("--pkt-type", 1),
    ("--tcp-option", 1),
    ("--hashlimit", 1),
    ("--hashlimit-upto", 1),
    ("--hashlimit-burst", 1),
    ("--hashlimit-mode", 1),
    ("--hashlimit-name", 1),
    ("--connlimit-above", 1),
    ("--ctorigdst", 1),
    ("--ctorigsrc", 1),
];

/// Options of targets whose values do not affect reachability, with argument count.
const TARGET_OPTS: &[(&str, usize)] = &[
    ("--reject-with", 1),
    ("--log-prefix", 1),
    ("--log-level", 1),
    ("--log-tcp-options", 0),
    ("--log-ip-options", 0),
    ("--log-uid", 0),
    ("--nflog-group", 1),
    ("--nflog-prefix", 1),
    ("--set-mark", 1),
    ("--set-xmark", 1),
    ("--random", 0),
    ("--random-fully", 0),
    ("--persistent", 0),
    ("--clamp-mss-to-pmtu", 0),
    ("--comment", 1),
];

/// Parse `iptables-save` (V4) or `ip6tables-save` (V6) output.
pub fn parse(file: &str, text: &str, flavor: Flavor) -> Result<Ruleset, NetcheckError> {
    if text.trim().is_empty() {
        return Err(NetcheckError::EmptyFile {
            file: file.to_string(),
        });
    }
    let family = match flavor {
        Flavor::V4 => v4_space(),
        Flavor::V6 => v6_space(),
    };
    let mut rs = Ruleset::default();
    let mut table: Option<String> = None;
    let mut chains: HashMap<(String, String), usize> = HashMap::new();
    let syntax = |line: usize, column: usize, text: &str, message: &str| NetcheckError::Syntax {
        file: file.to_string(),
        line,
        column,
        text: text.to_string(),
        message: message.to_string(),
    };

    // Pass 1: tables and chain declarations (so jumps to later-declared chains resolve).
    for (ln, raw) in text.lines().enumerate() {
        let line_no = ln + 1;
        let line = raw.trim_end();
        if let Some(t) = line.strip_prefix('*') {
            table = Some(t.trim().to_string());
        } else if line.trim() == "COMMIT" {
            table = None;
        } else if let Some(decl) = line.strip_prefix(':') {
            let Some(t) = &table else {
                return Err(syntax(
                    line_no,
                    1,
                    line,
                    "chain declared outside a table (*filter …)",
                ));
            };
            let mut parts = decl.split_whitespace();
            let name = parts.next().unwrap_or("").to_string();
            let policy = parts.next().unwrap_or("-");
            if name.is_empty() {
                return Err(syntax(line_no, 2, line, "chain name missing"));
            }
            let idx = rs.chains.len();
            rs.chains.push(Chain {
                name: format!("{t} {name}"),
                rules: Vec::new(),
            });
            chains.insert((t.clone(), name.clone()), idx);
            if let Some((hook, priority)) = builtin_hook(t, &name) {
                let policy = match policy {
                    "ACCEPT" => Policy::Accept,
                    "DROP" => Policy::Drop,
                    other => {
                        return Err(syntax(
                            line_no,
                            name.len() + 3,
                            line,
                            &format!("policy `{other}` must be ACCEPT or DROP"),
                        ));
                    }
                };
                rs.base.push(BaseChain {
                    chain: idx,
                    hook,
                    priority,
                    policy,
                    family: Some(family.clone()),
                    loc: SourceLoc::new(file, line_no, 1),
                });
            }
        }
    }
    if table.is_some() {
        let last = text.lines().count();
        return Err(syntax(last, 1, "", "table not closed with COMMIT"));
    }

    // Pass 2: rules.
    for (ln, raw) in text.lines().enumerate() {
        let line_no = ln + 1;
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(t) = trimmed.strip_prefix('*') {
            table = Some(t.trim().to_string());
            continue;
        }
        if trimmed == "COMMIT" {
            table = None;
            continue;
        }
        if trimmed.starts_with(':') {
            continue;
        }
        let toks =
            tokenize(line).map_err(|col| syntax(line_no, col, line, "unterminated quote"))?;
        let Some(first) = toks.first() else { continue };
        if first.text != "-A" && first.text != "--append" {
            return Err(syntax(
                line_no,
                first.column,
                &first.text,
                "expected `-A CHAIN …`, `:CHAIN POLICY`, `*table` or COMMIT",
            ));
        }
        let Some(t) = table.clone() else {
            return Err(syntax(line_no, 1, line, "rule outside a table (*filter …)"));
        };
        let Some(chain_tok) = toks.get(1) else {
            return Err(syntax(
                line_no,
                first.column,
                line,
                "chain name missing after -A",
            ));
        };
        let Some(&chain) = chains.get(&(t.clone(), chain_tok.text.clone())) else {
            return Err(syntax(
                line_no,
                chain_tok.column,
                &chain_tok.text,
                "rule appended to an undeclared chain",
            ));
        };
        let loc = SourceLoc::new(file, line_no, 1);
        let rule = parse_rule(
            &toks[2..],
            &t,
            &chains,
            &family,
            loc,
            line.trim().to_string(),
            &mut rs.unparsed,
        )
        .map_err(|(col, tok, msg)| syntax(line_no, col, &tok, &msg))?;
        if let Some(rule) = rule {
            rs.chains[chain].rules.push(rule);
        }
    }
    Ok(rs)
}

type RuleError = (usize, String, String);

fn parse_rule(
    toks: &[Token],
    table: &str,
    chains: &HashMap<(String, String), usize>,
    family: &IntervalSet,
    loc: SourceLoc,
    text: String,
    unparsed: &mut Vec<Unparsed>,
) -> Result<Option<crate::ir::Rule>, RuleError> {
    let mut b = Builder::new(loc.clone(), text);
    b.restrict(SRC, family);
    b.restrict(DST, family);
    let mut action = Action::Continue;
    let mut target_name: Option<String> = None;
    let mut proto: Option<IntervalSet> = None;
    let mut negate = false;
    let mut i = 0;
    let note = |unparsed: &mut Vec<Unparsed>, tok: &Token, extra: &[Token], reason: &str| {
        let mut t = tok.text.clone();
        for e in extra {
            t.push(' ');
            t.push_str(&e.text);
        }
        unparsed.push(Unparsed {
            file: loc.file.clone(),
            line: loc.line,
            column: tok.column,
            text: t,
            reason: reason.to_string(),
        });
    };
    while i < toks.len() {
        let tok = &toks[i];
        let opt = tok.text.as_str();
        let arg = |n: usize| -> Result<&Token, RuleError> {
            toks.get(i + n).ok_or_else(|| {
                (
                    tok.column,
                    tok.text.clone(),
                    format!("option {} needs an argument", tok.text),
                )
            })
        };
        let bad =
            |t: &Token, msg: &str| -> RuleError { (t.column, t.text.clone(), msg.to_string()) };
        if opt == "!" {
            negate = true;
            i += 1;
            continue;
        }
        // Old iptables wrote `-s ! x`; accept both orders.
        let (neg_here, skip_bang) = if toks.get(i + 1).map(|t| t.text.as_str()) == Some("!") {
            (true, 1)
        } else {
            (negate, 0)
        };
        let val_idx = 1 + skip_bang;
        let mut consumed = 1 + skip_bang;
        match opt {
            "-s" | "--source" | "--src" | "-d" | "--destination" | "--dst" => {
                let v = arg(val_idx)?;
                let mut set = IntervalSet::empty();
                for part in v.text.split(',') {
                    let p = parse_prefix(part).ok_or_else(|| bad(v, "not an address or prefix"))?;
                    set = set.union(&p);
                }
                if neg_here {
                    set = family.subtract(&set);
                }
                let d = if opt.starts_with("-s") || opt == "--source" || opt == "--src" {
                    SRC
                } else {
                    DST
                };
                b.restrict(d, &set);
                consumed += 1;
            }
            "-p" | "--protocol" => {
                let v = arg(val_idx)?;
                let set = if v.text == "all" || v.text == "0" {
                    IntervalSet::range(0, 255)
                } else {
                    let n = proto_number(&v.text).ok_or_else(|| bad(v, "unknown protocol"))?;
                    IntervalSet::point(u128::from(n))
                };
                let set = if neg_here { set.complement(255) } else { set };
                b.restrict(PROTO, &set);
                proto = Some(set);
                consumed += 1;
            }
            "-i" | "--in-interface" | "-o" | "--out-interface" => {
                let v = arg(val_idx)?;
                let name = match v.text.strip_suffix('+') {
                    Some(p) => format!("{p}*"),
                    None => v.text.clone(),
                };
                let m = IfaceMatch {
                    names: vec![name],
                    negated: neg_here,
                };
                if opt.starts_with("-i") || opt == "--in-interface" {
                    b.iif = Some(m);
                } else {
                    b.oif = Some(m);
                }
                consumed += 1;
            }
            "-m" | "--match" => {
                arg(val_idx)?;
                consumed += 1;
            }
            "--dport"
            | "--destination-port"
            | "--sport"
            | "--source-port"
            | "--dports"
            | "--destination-ports"
            | "--sports"
            | "--source-ports" => {
                let v = arg(val_idx)?;
                if proto.is_none() {
                    return Err(bad(tok, "port match without -p tcp/udp/sctp"));
                }
                let mut set = IntervalSet::empty();
                for part in v.text.split(',') {
                    let (lo, hi) = match part.split_once(':') {
                        Some((a, c)) => (
                            if a.is_empty() {
                                Some(0)
                            } else {
                                service_port(a)
                            },
                            if c.is_empty() {
                                Some(65535)
                            } else {
                                service_port(c)
                            },
                        ),
                        None => (service_port(part), service_port(part)),
                    };
                    let (Some(lo), Some(hi)) = (lo, hi) else {
                        return Err(bad(v, "not a port or port range"));
                    };
                    set = set.union(&IntervalSet::range(u128::from(lo), u128::from(hi)));
                }
                if neg_here {
                    set = set.complement(65535);
                }
                let d = if opt.contains("dport") || opt.contains("destination") {
                    DPORT
                } else {
                    SPORT
                };
                b.restrict(d, &set);
                consumed += 1;
            }
            "--src-range" | "--dst-range" => {
                let v = arg(val_idx)?;
                let (lo, hi) = v
                    .text
                    .split_once('-')
                    .ok_or_else(|| bad(v, "expected FIRST-LAST"))?;
                let mut set =
                    parse_addr_range(lo, hi).ok_or_else(|| bad(v, "bad address range"))?;
                if neg_here {
                    set = family.subtract(&set);
                }
                b.restrict(if opt == "--src-range" { SRC } else { DST }, &set);
                consumed += 1;
            }
            "--ctstate" | "--state" => {
                let v = arg(val_idx)?;
                let mut set = IntervalSet::empty();
                let mut approx = false;
                for s in v.text.split(',') {
                    match ct_state(s) {
                        Some(p) => set = set.union(&IntervalSet::point(p)),
                        // SNAT/DNAT pseudo-states: not modelled.
                        None if s == "SNAT" || s == "DNAT" => approx = true,
                        None => return Err(bad(v, "unknown connection state")),
                    }
                }
                if approx {
                    b.uncertain = true;
                } else {
                    if neg_here {
                        set = set.complement(crate::space::DIM_MAX[CT]);
                    }
                    b.restrict(CT, &set);
                }
                consumed += 1;
            }
            "--comment" => {
                arg(val_idx)?;
                consumed += 1;
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                let v = arg(1)?;
                consumed = 2;
                let goto = opt == "-g" || opt == "--goto";
                target_name = Some(v.text.clone());
                action = match (v.text.as_str(), goto) {
                    ("ACCEPT", false) => Action::Accept,
                    ("DROP", false) => Action::Drop,
                    ("REJECT", false) => Action::Reject,
                    ("RETURN", false) => Action::Return,
                    ("MASQUERADE", false) => Action::Masquerade,
                    ("REDIRECT", false) => Action::Redirect,
                    ("DNAT", false) => Action::Dnat(NatTarget {
                        addr: None,
                        port: None,
                    }),
                    ("SNAT", false) => Action::Snat(NatTarget {
                        addr: None,
                        port: None,
                    }),
                    (
                        "LOG" | "NFLOG" | "ULOG" | "MARK" | "CONNMARK" | "TCPMSS" | "CT"
                        | "NOTRACK" | "TRACE" | "AUDIT",
                        false,
                    ) => Action::Continue,
                    (name, _) => match chains.get(&(table.to_string(), name.to_string())) {
                        Some(&c) if goto => Action::Goto(c),
                        Some(&c) => Action::Jump(c),
                        None if table == "filter" || table == "nat" => {
                            note(unparsed, tok, &toks[i + 1..i + 2], "unknown target");
                            b.uncertain = true;
                            Action::Accept
                        }
                        None => Action::Continue,
                    },
                };
            }
            "--to-destination" | "--to-source" | "--to" => {
                let v = arg(val_idx)?;
                let t = nat_target(&v.text).ok_or_else(|| bad(v, "bad NAT target"))?;
                match &mut action {
                    Action::Dnat(x) | Action::Snat(x) => *x = t,
                    _ => return Err(bad(tok, "NAT target option without -j DNAT/SNAT")),
                }
                consumed += 1;
            }
            "--to-ports" => {
                arg(val_idx)?;
                consumed += 1;
            }
            _ => {
                if let Some(&(_, n)) = APPROXIMATED.iter().find(|(o, _)| *o == opt) {
                    b.uncertain = true;
                    consumed += n;
                } else if let Some(&(_, n)) = TARGET_OPTS.iter().find(|(o, _)| *o == opt) {
                    consumed += n;
                } else {
                    // Unknown option: skip its arguments (tokens up to the next option).
                    let mut j = i + 1;
                    while j < toks.len() && !toks[j].text.starts_with('-') && toks[j].text != "!" {
                        j += 1;
                    }
                    note(unparsed, tok, &toks[i + 1..j], "option not understood");
                    b.uncertain = true;
                    consumed = j - i;
                }
            }
        }
        negate = false;
        i += consumed;
    }
    if let Some(p) = proto {
        b.restrict(PROTO, &p);
    }
    if table != "filter" && table != "nat" {
        // mangle/raw/security: only marks or drops; cannot add reachability.
        let harmless = target_name
            .as_deref()
            .is_none_or(|t| HARMLESS_TARGETS.contains(&t));
        if !harmless {
            unparsed.push(Unparsed {
                file: loc.file.clone(),
                line: loc.line,
                column: 1,
                text: b.text.clone(),
                reason: format!("rule in table `{table}` not analysed"),
            });
        }
        return Ok(None);
    }
    Ok(Some(b.finish(action)))
}

/// `10.0.0.5`, `10.0.0.5:8080`, `10.0.0.5-10.0.0.9:80-90`, `[fd00::1]:80`, `:8080`.
fn nat_target(text: &str) -> Option<NatTarget> {
    let (addr_part, port_part) = if let Some(rest) = text.strip_prefix('[') {
        let (a, after) = rest.split_once(']')?;
        (a.to_string(), after.strip_prefix(':').map(str::to_string))
    } else if text.matches(':').count() > 1 {
        (text.to_string(), None)
    } else {
        match text.split_once(':') {
            Some((a, p)) => (a.to_string(), Some(p.to_string())),
            None => (text.to_string(), None),
        }
    };
    let addr = if addr_part.is_empty() {
        None
    } else {
        Some(match addr_part.split_once('-') {
            Some((lo, hi)) => parse_addr_range(lo, hi)?,
            None => parse_prefix(&addr_part)?,
        })
    };
    let port = match port_part {
        None => None,
        Some(p) => Some(match p.split_once('-') {
            Some((lo, hi)) => IntervalSet::range(
                u128::from(lo.parse::<u16>().ok()?),
                u128::from(hi.parse::<u16>().ok()?),
            ),
            None => IntervalSet::point(u128::from(p.parse::<u16>().ok()?)),
        }),
    };
    Some(NatTarget { addr, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_keeps_quotes_and_columns() {
        let t = tokenize(r#"-A FORWARD -m comment --comment "a b" -j ACCEPT"#).unwrap();
        let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "-A",
                "FORWARD",
                "-m",
                "comment",
                "--comment",
                "a b",
                "-j",
                "ACCEPT"
            ]
        );
        assert_eq!(t[5].column, 33);
        assert_eq!(tokenize(r#"-A X "open"#).err(), Some(6));
    }

    #[test]
    fn nat_targets() {
        let t = nat_target("10.0.0.5:8080").unwrap();
        assert_eq!(t.port.unwrap().first(), Some(8080));
        let t = nat_target("[fd00::1]:80").unwrap();
        assert!(t.addr.is_some());
        assert!(nat_target("fd00::1").unwrap().port.is_none());
    }
}
