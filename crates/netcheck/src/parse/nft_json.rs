//! nftables ruleset as JSON (`nft -j list ruleset`).
//!
//! JSON has no line structure (nft prints it on one line), so every element's position is found
//! by scanning the raw text: a rule is located by line:column of its `{"rule": …}` object, its
//! JSON pointer (`/nftables/17`) and its handle.

use super::{Builder, Dim, ct_state};
use crate::error::NetcheckError;
use crate::ir::{Action, BaseChain, Chain, Hook, IfaceMatch, NatTarget, Policy, Ruleset};
use crate::loc::{LineIndex, SourceLoc, Unparsed};
use crate::space::{
    CT, DIM_MAX, DPORT, DST, IntervalSet, PROTO, SPORT, SRC, parse_addr_range, parse_prefix,
    proto_number, service_port, v4_space, v6_space,
};
use serde_json::Value;
use std::collections::HashMap;

/// Spans (byte start, byte end) of the elements of the top-level `nftables` array.
fn element_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    let mut start: Option<usize> = None;
    for (i, &c) in bytes.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => {
                if depth == 2 && start.is_none() {
                    start = Some(i);
                }
                in_str = true;
            }
            b'{' | b'[' => {
                if depth == 2 && start.is_none() {
                    start = Some(i);
                }
                depth += 1;
            }
            b'}' | b']' => {
                if depth == 2 {
                    // The array itself closes: a pending scalar element ends here.
                    if let Some(s) = start.take() {
                        spans.push((s, i));
                    }
                    break;
                }
                depth = depth.saturating_sub(1);
                if depth == 2 {
                    if let Some(s) = start.take() {
                        spans.push((s, i + 1));
                    }
                } else if depth == 1 {
                    break;
                }
            }
            b',' if depth == 2 => {
                if let Some(s) = start.take() {
                    spans.push((s, i));
                }
            }
            b' ' | b'\n' | b'\r' | b'\t' => {}
            _ => {
                if depth == 2 && start.is_none() {
                    start = Some(i);
                }
            }
        }
    }
    spans
}

type ChainKey = (String, String, String);

struct Ctx<'a> {
    file: &'a str,
    sets: HashMap<(String, String, String), Value>,
    maps: HashMap<(String, String, String), Value>,
}

/// Parse `nft -j list ruleset` output.
pub fn parse(file: &str, text: &str) -> Result<Ruleset, NetcheckError> {
    if text.trim().is_empty() {
        return Err(NetcheckError::EmptyFile {
            file: file.to_string(),
        });
    }
    let root: Value = serde_json::from_str(text).map_err(|e| {
        let line = e.line();
        let column = e.column();
        let snippet = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let snippet: String = if snippet.chars().count() > 80 {
            // One-line JSON: show the characters around the error.
            snippet
                .chars()
                .skip(column.saturating_sub(40))
                .take(80)
                .collect()
        } else {
            snippet.to_string()
        };
        NetcheckError::Syntax {
            file: file.to_string(),
            line,
            column,
            text: snippet,
            message: format!("invalid JSON ({e})"),
        }
    })?;
    let Some(items) = root.get("nftables").and_then(Value::as_array) else {
        return Err(NetcheckError::Syntax {
            file: file.to_string(),
            line: 1,
            column: 1,
            text: text.chars().take(60).collect(),
            message: "not `nft -j list ruleset` output: no top-level \"nftables\" array".into(),
        });
    };
    let spans = element_spans(text);
    let mut index = LineIndex::new(text);
    let mut ctx = Ctx {
        file,
        sets: HashMap::new(),
        maps: HashMap::new(),
    };
    let mut rs = Ruleset::default();
    let mut chain_index: HashMap<ChainKey, usize> = HashMap::new();
    let mut unsupported_tables: Vec<(String, String)> = Vec::new();

    // Pass 1: tables, sets, maps, chains.
    for (idx, item) in items.iter().enumerate() {
        if let Some(t) = item.get("table") {
            let family = str_field(t, "family");
            if matches!(family.as_str(), "bridge" | "arp") {
                let (loc, text) = loc_of(file, text, &spans, &mut index, idx);
                rs.unparsed.push(Unparsed {
                    file: file.into(),
                    line: loc.line,
                    column: loc.column,
                    text,
                    reason: format!("tables of family `{family}` are not analysed"),
                });
                unsupported_tables.push((family, str_field(t, "name")));
            }
        } else if let Some(s) = item.get("set") {
            ctx.sets.insert(key3(s, "name"), s.clone());
        } else if let Some(m) = item.get("map") {
            ctx.maps.insert(key3(m, "name"), m.clone());
        } else if let Some(c) = item.get("chain") {
            let key = key3(c, "name");
            let (loc, _) = loc_of(file, text, &spans, &mut index, idx);
            let family = key.0.clone();
            let idx_chain = rs.chains.len();
            rs.chains.push(Chain {
                name: format!("{} {} {}", key.0, key.1, key.2),
                rules: Vec::new(),
            });
            chain_index.insert(key, idx_chain);
            if let Some(hook_name) = c.get("hook").and_then(Value::as_str) {
                if unsupported_tables
                    .iter()
                    .any(|(f, n)| *f == family && *n == str_field(c, "table"))
                {
                    continue;
                }
                let Some(hook) = Hook::parse(hook_name) else {
                    rs.unparsed.push(Unparsed {
                        file: file.into(),
                        line: loc.line,
                        column: loc.column,
                        text: hook_name.to_string(),
                        reason: "unknown hook".into(),
                    });
                    continue;
                };
                let priority = c
                    .get("prio")
                    .and_then(Value::as_i64)
                    .and_then(|p| i32::try_from(p).ok())
                    .unwrap_or(0);
                let policy = match c.get("policy").and_then(Value::as_str) {
                    Some("drop") => Policy::Drop,
                    _ => Policy::Accept,
                };
                rs.base.push(BaseChain {
                    chain: idx_chain,
                    hook,
                    priority,
                    policy,
                    family: family_space(&family),
                    loc,
                });
            }
        }
    }

    // Pass 2: rules.
    for (idx, item) in items.iter().enumerate() {
        let Some(r) = item.get("rule") else { continue };
        let key = (
            str_field(r, "family"),
            str_field(r, "table"),
            str_field(r, "chain"),
        );
        let (mut loc, text) = loc_of(file, text, &spans, &mut index, idx);
        if let Some(h) = r.get("handle").and_then(Value::as_u64) {
            loc.pointer = loc.pointer.map(|p| format!("{p} handle {h}"));
        }
        let Some(&chain) = chain_index.get(&key) else {
            return Err(NetcheckError::Syntax {
                file: file.into(),
                line: loc.line,
                column: loc.column,
                text,
                message: format!(
                    "rule refers to undeclared chain `{} {} {}`",
                    key.0, key.1, key.2
                ),
            });
        };
        if unsupported_tables
            .iter()
            .any(|(f, n)| *f == key.0 && *n == key.1)
        {
            continue;
        }
        let rules = parse_rule(&ctx, r, &key, &chain_index, &loc, &text, &mut rs.unparsed);
        rs.chains[chain].rules.extend(rules);
    }
    let _ = ctx.file;
    Ok(rs)
}

/// Location and exact text of the `idx`-th element.
fn loc_of(
    file: &str,
    text: &str,
    spans: &[(usize, usize)],
    index: &mut LineIndex<'_>,
    idx: usize,
) -> (SourceLoc, String) {
    let (start, end) = spans.get(idx).copied().unwrap_or((0, 0));
    let (line, column) = index.at(start);
    let raw = text.get(start..end).unwrap_or("");
    let compact: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut loc = SourceLoc::new(file, line, column);
    loc.pointer = Some(format!("/nftables/{idx}"));
    (loc, compact)
}

fn str_field(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

fn key3(v: &Value, name_field: &str) -> (String, String, String) {
    (
        str_field(v, "family"),
        str_field(v, "table"),
        str_field(v, name_field),
    )
}

fn family_space(family: &str) -> Option<IntervalSet> {
    match family {
        "ip" => Some(v4_space()),
        "ip6" => Some(v6_space()),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn parse_rule(
    ctx: &Ctx<'_>,
    r: &Value,
    key: &ChainKey,
    chains: &HashMap<ChainKey, usize>,
    loc: &SourceLoc,
    text: &str,
    unparsed: &mut Vec<Unparsed>,
) -> Vec<crate::ir::Rule> {
    let mut b = Builder::new(loc.clone(), text.to_string());
    b.display = Some(super::nft_render::rule(r));
    if let Some(fam) = family_space(&key.0) {
        b.restrict(SRC, &fam);
        b.restrict(DST, &fam);
    }
    let note = |unparsed: &mut Vec<Unparsed>, what: &Value, reason: &str| {
        unparsed.push(Unparsed {
            file: loc.file.clone(),
            line: loc.line,
            column: loc.column,
            text: what.to_string(),
            reason: reason.to_string(),
        });
    };
    let empty = Vec::new();
    let exprs = r.get("expr").and_then(Value::as_array).unwrap_or(&empty);
    // A verdict map expands one rule into one rule per element.
    let mut vmap: Option<VmapParts> = None;
    let mut action: Option<Action> = None;
    for e in exprs {
        let Some((name, body)) = e.as_object().and_then(|o| o.iter().next()) else {
            note(unparsed, e, "statement is not an object");
            b.uncertain = true;
            continue;
        };
        if action.is_some() {
            // Statements after the verdict are never reached.
            break;
        }
        match name.as_str() {
            "match" => {
                if let Err(reason) = apply_match(ctx, key, body, &mut b) {
                    note(unparsed, e, &reason);
                    b.uncertain = true;
                }
            }
            "accept" => action = Some(Action::Accept),
            "drop" => action = Some(Action::Drop),
            "reject" => action = Some(Action::Reject),
            "return" => action = Some(Action::Return),
            "continue" => {}
            "jump" | "goto" => {
                let target = body.get("target").and_then(Value::as_str).unwrap_or("");
                let tkey = (key.0.clone(), key.1.clone(), target.to_string());
                match chains.get(&tkey) {
                    Some(&t) => {
                        action = Some(if name == "jump" {
                            Action::Jump(t)
                        } else {
                            Action::Goto(t)
                        })
                    }
                    None => {
                        note(unparsed, e, "jump to an undeclared chain");
                        b.uncertain = true;
                        action = Some(Action::Accept);
                    }
                }
            }
            "counter" | "log" | "comment" | "set" | "mangle" | "meta" => {}
            "notrack" => {
                // Untracked packets never have state NEW: the analysis would not apply.
                note(
                    unparsed,
                    e,
                    "notrack changes connection tracking; not modelled",
                );
                b.uncertain = true;
            }
            "limit" | "quota" | "ct count" => {
                // Rate limits: whether a packet matches depends on time; conservative.
                b.uncertain = true;
            }
            "dnat" | "snat" => match nat_target(body) {
                Ok(t) => {
                    action = Some(if name == "dnat" {
                        Action::Dnat(t)
                    } else {
                        Action::Snat(t)
                    })
                }
                Err(reason) => {
                    note(unparsed, e, &reason);
                    b.uncertain = true;
                    action = Some(Action::Accept);
                }
            },
            "masquerade" => action = Some(Action::Masquerade),
            "redirect" => action = Some(Action::Redirect),
            "vmap" => match parse_vmap(ctx, key, chains, body) {
                Ok(v) => {
                    vmap = Some(v);
                    action = Some(Action::Continue);
                }
                Err(reason) => {
                    note(unparsed, e, &reason);
                    b.uncertain = true;
                    action = Some(Action::Accept);
                }
            },
            _ => {
                note(unparsed, e, "statement not understood");
                b.uncertain = true;
                // An unknown statement may be a verdict: treat as a possible accept.
                action = Some(Action::Accept);
            }
        }
    }
    match vmap {
        Some((dim, family, entries)) => entries
            .into_iter()
            .filter_map(|(k, act)| {
                let mut sub = b.clone();
                if let Some(f) = &family {
                    sub.restrict(SRC, f);
                    sub.restrict(DST, f);
                }
                match (&dim, k) {
                    (Dim::Header(d, proto), VmapKey::Values(set)) => {
                        sub.restrict(*d, &set);
                        if let Some(p) = proto {
                            sub.restrict(PROTO, p);
                        }
                    }
                    (Dim::Iif, VmapKey::Names(names)) => {
                        sub.iif = Some(IfaceMatch {
                            names,
                            negated: false,
                        })
                    }
                    (Dim::Oif, VmapKey::Names(names)) => {
                        sub.oif = Some(IfaceMatch {
                            names,
                            negated: false,
                        })
                    }
                    // parse_vmap pairs keys with their axis.
                    _ => return None,
                }
                Some(sub.finish(act))
            })
            .collect(),
        None => vec![b.finish(action.unwrap_or(Action::Continue))],
    }
}

/// A verdict-map key: header values, or interface names.
enum VmapKey {
    Values(IntervalSet),
    Names(Vec<String>),
}

/// Axis, family restriction implied by the key field, and (key, verdict) pairs.
type VmapParts = (Dim, Option<IntervalSet>, Vec<(VmapKey, Action)>);

fn parse_vmap(
    ctx: &Ctx<'_>,
    key: &ChainKey,
    chains: &HashMap<ChainKey, usize>,
    body: &Value,
) -> Result<VmapParts, String> {
    let left = body.get("key").ok_or("vmap without key")?;
    let dim = dim_of(left)?;
    if matches!(dim, Dim::Family) {
        return Err("verdict maps keyed by family are not supported yet".into());
    }
    let family = match left
        .get("payload")
        .and_then(|p| p.get("protocol"))
        .and_then(Value::as_str)
    {
        Some("ip") => Some(v4_space()),
        Some("ip6") => Some(v6_space()),
        _ => None,
    };
    let data = body.get("data").ok_or("vmap without data")?;
    let elems: Vec<Value> = if let Some(name) = data.as_str().and_then(|s| s.strip_prefix('@')) {
        let m = ctx
            .maps
            .get(&(key.0.clone(), key.1.clone(), name.to_string()))
            .ok_or_else(|| format!("unknown map @{name}"))?;
        m.get("elem")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    } else {
        data.get("set")
            .and_then(Value::as_array)
            .cloned()
            .ok_or("vmap data is not a set")?
    };
    let mut out = Vec::new();
    for pair in &elems {
        let arr = pair.as_array().ok_or("vmap element is not a pair")?;
        let (k, v) = match arr.as_slice() {
            [k, v] => (k, v),
            _ => return Err("vmap element is not a pair".into()),
        };
        let vkey = match dim {
            Dim::Iif | Dim::Oif => VmapKey::Names(name_list(ctx, key, k)?),
            _ => VmapKey::Values(value_set(ctx, key, &dim, k)?),
        };
        let (vname, vbody) = v
            .as_object()
            .and_then(|o| o.iter().next())
            .ok_or("vmap verdict is not an object")?;
        let act = match vname.as_str() {
            "accept" => Action::Accept,
            "drop" => Action::Drop,
            "reject" => Action::Reject,
            "return" => Action::Return,
            "continue" => Action::Continue,
            "jump" | "goto" => {
                let target = vbody.get("target").and_then(Value::as_str).unwrap_or("");
                let t = chains
                    .get(&(key.0.clone(), key.1.clone(), target.to_string()))
                    .ok_or_else(|| format!("vmap jumps to unknown chain {target}"))?;
                if vname == "jump" {
                    Action::Jump(*t)
                } else {
                    Action::Goto(*t)
                }
            }
            other => return Err(format!("vmap verdict `{other}` not understood")),
        };
        out.push((vkey, act));
    }
    Ok((dim, family, out))
}

fn nat_target(body: &Value) -> Result<NatTarget, String> {
    let addr = match body.get("addr") {
        None => None,
        Some(Value::String(s)) => {
            Some(parse_prefix(s).ok_or_else(|| format!("NAT address `{s}` not understood"))?)
        }
        Some(Value::Object(o)) if o.contains_key("range") => {
            let r = o
                .get("range")
                .and_then(Value::as_array)
                .ok_or("bad NAT range")?;
            match r.as_slice() {
                [Value::String(a), Value::String(b)] => {
                    Some(parse_addr_range(a, b).ok_or("bad NAT range")?)
                }
                _ => return Err("bad NAT range".into()),
            }
        }
        Some(other) => return Err(format!("NAT address `{other}` not understood")),
    };
    let port = match body.get("port") {
        None => None,
        Some(Value::Number(n)) => Some(IntervalSet::point(u128::from(
            n.as_u64().ok_or("bad NAT port")?,
        ))),
        Some(Value::Object(o)) if o.contains_key("range") => {
            let r = o
                .get("range")
                .and_then(Value::as_array)
                .ok_or("bad NAT port range")?;
            match r.as_slice() {
                [a, b] => Some(IntervalSet::range(
                    u128::from(a.as_u64().ok_or("bad port")?),
                    u128::from(b.as_u64().ok_or("bad port")?),
                )),
                _ => return Err("bad NAT port range".into()),
            }
        }
        Some(other) => return Err(format!("NAT port `{other}` not understood")),
    };
    Ok(NatTarget { addr, port })
}

/// Which axis (or interface) the left side of a match refers to.
fn dim_of(left: &Value) -> Result<Dim, String> {
    if let Some(p) = left.get("payload") {
        let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("");
        let field = p.get("field").and_then(Value::as_str).unwrap_or("");
        return match (proto, field) {
            ("ip", "saddr") => Ok(Dim::Header(SRC, None)),
            ("ip", "daddr") => Ok(Dim::Header(DST, None)),
            ("ip6", "saddr") => Ok(Dim::Header(SRC, None)),
            ("ip6", "daddr") => Ok(Dim::Header(DST, None)),
            ("ip", "protocol") | ("ip6", "nexthdr") => Ok(Dim::Header(PROTO, None)),
            ("tcp" | "udp" | "sctp" | "dccp" | "udplite", f @ ("sport" | "dport")) => {
                let d = if f == "sport" { SPORT } else { DPORT };
                let p = proto_number(proto).map(|n| IntervalSet::point(u128::from(n)));
                Ok(Dim::Header(d, p))
            }
            ("th", f @ ("sport" | "dport")) => {
                let d = if f == "sport" { SPORT } else { DPORT };
                let ports = IntervalSet::from_ranges(
                    [6u128, 17, 33, 132, 136].iter().map(|&p| (p, p)).collect(),
                );
                Ok(Dim::Header(d, Some(ports)))
            }
            _ => Err(format!("payload {proto} {field} is not modelled")),
        };
    }
    if let Some(m) = left.get("meta") {
        let k = m.get("key").and_then(Value::as_str).unwrap_or("");
        return match k {
            "l4proto" => Ok(Dim::Header(PROTO, None)),
            "nfproto" => Ok(Dim::Family),
            "iifname" | "iif" => Ok(Dim::Iif),
            "oifname" | "oif" => Ok(Dim::Oif),
            other => Err(format!("meta {other} is not modelled")),
        };
    }
    if let Some(c) = left.get("ct") {
        let k = c.get("key").and_then(Value::as_str).unwrap_or("");
        if k == "state" && c.get("dir").is_none() {
            return Ok(Dim::Header(CT, None));
        }
        return Err(format!("ct {k} is not modelled"));
    }
    Err(format!("match on {left} is not modelled"))
}

fn apply_match(ctx: &Ctx<'_>, key: &ChainKey, body: &Value, b: &mut Builder) -> Result<(), String> {
    let op = body.get("op").and_then(Value::as_str).unwrap_or("==");
    let left = body.get("left").ok_or("match without left")?;
    let right = body.get("right").ok_or("match without right")?;
    let dim = dim_of(left)?;
    match dim {
        Dim::Iif | Dim::Oif => {
            let names = name_list(ctx, key, right)?;
            let negated = match op {
                "==" | "in" => false,
                "!=" => true,
                other => return Err(format!("operator {other} on interface names")),
            };
            let m = IfaceMatch { names, negated };
            if matches!(dim, Dim::Iif) {
                b.iif = Some(m);
            } else {
                b.oif = Some(m);
            }
            Ok(())
        }
        Dim::Family => {
            let names = name_list(ctx, key, right)?;
            let mut set = IntervalSet::empty();
            for n in &names {
                match n.as_str() {
                    "ipv4" => set = set.union(&v4_space()),
                    "ipv6" => set = set.union(&v6_space()),
                    other => return Err(format!("nfproto {other}")),
                }
            }
            if op == "!=" {
                set = set.complement(u128::MAX);
            }
            b.restrict(SRC, &set);
            b.restrict(DST, &set);
            Ok(())
        }
        Dim::Header(d, ref proto) => {
            let mut set = value_set(ctx, key, &dim, right)?;
            match op {
                "==" | "in" => {}
                "!=" => set = set.complement(DIM_MAX[d]),
                "<" | "<=" | ">" | ">=" => {
                    let v = set.first().ok_or("empty comparison")?;
                    set = match op {
                        "<" if v > 0 => IntervalSet::range(0, v - 1),
                        "<" => IntervalSet::empty(),
                        "<=" => IntervalSet::range(0, v),
                        ">" => IntervalSet::range(v.saturating_add(1), DIM_MAX[d]),
                        _ => IntervalSet::range(v, DIM_MAX[d]),
                    };
                }
                other => return Err(format!("operator {other} not modelled")),
            }
            // Address matches also fix the family (`ip saddr` only sees IPv4).
            // A field of the IPv4 or IPv6 header only exists in packets of that family.
            let fam = match left
                .get("payload")
                .and_then(|p| p.get("protocol"))
                .and_then(Value::as_str)
            {
                Some("ip") => Some(v4_space()),
                Some("ip6") => Some(v6_space()),
                _ => None,
            };
            if let Some(fam) = fam {
                if d == SRC || d == DST {
                    set = set.intersect(&fam);
                }
                b.restrict(SRC, &fam);
                b.restrict(DST, &fam);
            }
            b.restrict(d, &set);
            if let Some(p) = proto {
                b.restrict(PROTO, p);
            }
            Ok(())
        }
    }
}

fn name_list(ctx: &Ctx<'_>, key: &ChainKey, v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) if s.starts_with('@') => {
            let set = lookup_set(ctx, key, s)?;
            set.iter()
                .map(|e| name_list(ctx, key, e))
                .try_fold(Vec::new(), |mut acc, r| {
                    acc.extend(r?);
                    Ok(acc)
                })
        }
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a.iter().try_fold(Vec::new(), |mut acc, e| {
            acc.extend(name_list(ctx, key, e)?);
            Ok(acc)
        }),
        Value::Object(o) if o.contains_key("set") => {
            name_list(ctx, key, o.get("set").unwrap_or(&Value::Null))
        }
        other => Err(format!("name `{other}` not understood")),
    }
}

fn lookup_set(ctx: &Ctx<'_>, key: &ChainKey, name: &str) -> Result<Vec<Value>, String> {
    let n = name.trim_start_matches('@');
    let set = ctx
        .sets
        .get(&(key.0.clone(), key.1.clone(), n.to_string()))
        .ok_or_else(|| format!("unknown set @{n}"))?;
    Ok(set
        .get("elem")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// The set of axis values a right-hand side denotes.
fn value_set(ctx: &Ctx<'_>, key: &ChainKey, dim: &Dim, v: &Value) -> Result<IntervalSet, String> {
    let Dim::Header(d, _) = dim else {
        return Err("not a header axis".into());
    };
    let d = *d;
    match v {
        Value::String(s) if s.starts_with('@') => {
            let elems = lookup_set(ctx, key, s)?;
            let mut acc = IntervalSet::empty();
            for e in &elems {
                acc = acc.union(&value_set(ctx, key, dim, e)?);
            }
            Ok(acc)
        }
        Value::Array(a) => {
            let mut acc = IntervalSet::empty();
            for e in a {
                acc = acc.union(&value_set(ctx, key, dim, e)?);
            }
            Ok(acc)
        }
        Value::Object(o) => {
            if let Some(inner) = o.get("set") {
                return value_set(ctx, key, dim, inner);
            }
            if let Some(inner) = o.get("elem") {
                let val = inner.get("val").unwrap_or(inner);
                return value_set(ctx, key, dim, val);
            }
            if let Some(p) = o.get("prefix") {
                let addr = p.get("addr").and_then(Value::as_str).ok_or("bad prefix")?;
                let len = p.get("len").and_then(Value::as_u64).ok_or("bad prefix")?;
                return parse_prefix(&format!("{addr}/{len}"))
                    .ok_or_else(|| format!("bad prefix {addr}/{len}"));
            }
            if let Some(r) = o.get("range").and_then(Value::as_array) {
                return match r.as_slice() {
                    [a, b] => {
                        let lo = value_set(ctx, key, dim, a)?.first().ok_or("bad range")?;
                        let hi_set = value_set(ctx, key, dim, b)?;
                        let hi = hi_set.ranges().last().map(|r| r.1).ok_or("bad range")?;
                        Ok(IntervalSet::range(lo, hi))
                    }
                    _ => Err("bad range".into()),
                };
            }
            Err(format!("value {v} not understood"))
        }
        Value::Number(n) => {
            let x = n.as_u64().ok_or("negative number")?;
            Ok(IntervalSet::point(u128::from(x)))
        }
        Value::String(s) => match d {
            SRC | DST => parse_prefix(s).ok_or_else(|| format!("address `{s}` not understood")),
            PROTO => proto_number(s)
                .map(|p| IntervalSet::point(u128::from(p)))
                .ok_or_else(|| format!("protocol `{s}` not understood")),
            SPORT | DPORT => service_port(s)
                .map(|p| IntervalSet::point(u128::from(p)))
                .ok_or_else(|| format!("service `{s}` not understood")),
            CT => ct_state(s)
                .map(IntervalSet::point)
                .ok_or_else(|| format!("ct state `{s}` not understood")),
            _ => Err(format!("value `{s}` not understood")),
        },
        other => Err(format!("value {other} not understood")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_find_each_element_even_on_one_line() {
        let t = r#"{"nftables": [{"a": "}{,"}, {"b": [1, 2]}, 3]}"#;
        let s = element_spans(t);
        assert_eq!(s.len(), 3);
        assert_eq!(&t[s[0].0..s[0].1], r#"{"a": "}{,"}"#);
        assert_eq!(&t[s[1].0..s[1].1], r#"{"b": [1, 2]}"#);
        assert_eq!(&t[s[2].0..s[2].1], "3");
    }
}
