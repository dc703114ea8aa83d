//! First-match chain evaluation as a transfer function on header sets.
//!
//! A flow is a box of headers plus, for fields rewritten by NAT, the box of original values and
//! the trace of decisions that let it through. Evaluating a chain splits the incoming flows
//! exactly along each rule's box; rules marked `uncertain` are over-approximated: their action is
//! applied to everything they might match, and nothing is removed from the flows that continue.

use crate::inventory::Interface;
use crate::ir::{Action, BaseChain, Hook, IfaceMatch, NatTarget, Policy, Rule, Ruleset};
use crate::space::{DPORT, DST, HBox, IntervalSet, SPORT, SRC, v4_space, v6_space};

/// Maximum jump depth; netfilter itself refuses loops and limits depth.
const MAX_DEPTH: usize = 64;

/// What decided a flow's fate at one point of its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// A rule matched (accept, NAT, jump or goto).
    Rule(usize),
    /// The base chain's policy.
    Policy,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    pub device: usize,
    pub in_iface: usize,
    pub out_iface: Option<usize>,
    pub hook: Hook,
    pub chain: usize,
    pub decision: Decision,
    pub uncertain: bool,
}

/// Original values of the fields NAT rewrote (`None`: not rewritten, equal to the current box).
pub type Orig = [Option<IntervalSet>; 4];

#[derive(Clone, Debug)]
pub struct Flow {
    pub cur: HBox,
    pub orig: Orig,
    pub trace: Vec<Step>,
}

const ORIG_DIMS: [usize; 4] = [SRC, DST, SPORT, DPORT];

impl Flow {
    pub fn new(cur: HBox) -> Self {
        Flow {
            cur,
            orig: [None, None, None, None],
            trace: Vec::new(),
        }
    }

    /// Headers as the sender wrote them (all rewrites undone).
    pub fn sent(&self) -> HBox {
        let mut b = self.cur.clone();
        for (k, &d) in ORIG_DIMS.iter().enumerate() {
            if let Some(o) = &self.orig[k] {
                b.dims[d] = o.clone();
            }
        }
        b
    }

    /// The original source (before SNAT) with the delivered destination (after DNAT): the pair
    /// of endpoints a connection really joins.
    pub fn endpoints(&self) -> HBox {
        let mut b = self.cur.clone();
        for (k, &d) in ORIG_DIMS.iter().enumerate() {
            if (d == SRC || d == SPORT)
                && let Some(o) = &self.orig[k]
            {
                b.dims[d] = o.clone();
            }
        }
        b
    }

    fn rewritten(&self) -> bool {
        self.orig.iter().any(Option::is_some)
    }

    /// Set one current field, remembering the original.
    fn rewrite(&mut self, dim: usize, value: &IntervalSet) {
        if let Some(k) = ORIG_DIMS.iter().position(|&d| d == dim)
            && self.orig[k].is_none()
        {
            self.orig[k] = Some(self.cur.dims[dim].clone());
        }
        self.cur.dims[dim] = value.clone();
    }

    pub fn has_rewrite(&self) -> bool {
        self.rewritten()
    }
}

/// Split flows into (inside `b`, outside `b`).
pub fn split(flows: Vec<Flow>, b: &HBox) -> (Vec<Flow>, Vec<Flow>) {
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    for f in flows {
        match f.cur.intersect(b) {
            None => outside.push(f),
            Some(i) => {
                for piece in f.cur.subtract(b) {
                    outside.push(Flow {
                        cur: piece,
                        orig: f.orig.clone(),
                        trace: f.trace.clone(),
                    });
                }
                inside.push(Flow {
                    cur: i,
                    orig: f.orig,
                    trace: f.trace,
                });
            }
        }
    }
    (inside, outside)
}

/// Remove from `flows` the part inside `b` and return it; only flows that overlap `b` are
/// touched (the set is unordered).
pub fn take_inside(flows: &mut Vec<Flow>, b: &HBox) -> Vec<Flow> {
    let mut inside = Vec::new();
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < flows.len() {
        if !flows[i].cur.overlaps(b) {
            i += 1;
            continue;
        }
        let f = flows.swap_remove(i);
        if let Some(inter) = f.cur.intersect(b) {
            for piece in f.cur.subtract(b) {
                pieces.push(Flow {
                    cur: piece,
                    orig: f.orig.clone(),
                    trace: f.trace.clone(),
                });
            }
            inside.push(Flow {
                cur: inter,
                orig: f.orig,
                trace: f.trace,
            });
        }
    }
    flows.extend(pieces);
    inside
}

/// Copies of the parts of `flows` inside `b` (`flows` unchanged).
fn copy_inside(flows: &[Flow], b: &HBox) -> Vec<Flow> {
    flows
        .iter()
        .filter_map(|f| {
            f.cur.intersect(b).map(|cur| Flow {
                cur,
                orig: f.orig.clone(),
                trace: f.trace.clone(),
            })
        })
        .collect()
}

/// Interfaces a chain is evaluated for.
pub struct Ports<'a> {
    pub device: usize,
    pub in_iface: usize,
    pub in_name: &'a str,
    pub out_iface: Option<usize>,
    /// Empty before routing (as netfilter sees it in prerouting).
    pub out_name: &'a str,
    pub out_if: Option<&'a Interface>,
    pub hook: Hook,
}

fn iface_ok(m: &Option<IfaceMatch>, name: &str) -> bool {
    m.as_ref().is_none_or(|m| m.matches(name))
}

struct ChainOut {
    accepted: Vec<Flow>,
    returned: Vec<Flow>,
}

fn stamp(mut flows: Vec<Flow>, step: Step) -> Vec<Flow> {
    for f in &mut flows {
        f.trace.push(step.clone());
    }
    flows
}

fn apply_nat(flows: Vec<Flow>, action: &Action, ports: &Ports<'_>) -> Vec<Flow> {
    let mut out = Vec::new();
    for mut f in flows {
        match action {
            Action::Dnat(NatTarget { addr, port }) => {
                if let Some(a) = addr {
                    f.rewrite(DST, a);
                }
                if let Some(p) = port {
                    f.rewrite(DPORT, p);
                }
                out.push(f);
            }
            Action::Snat(NatTarget { addr, port }) => {
                if let Some(a) = addr {
                    f.rewrite(SRC, a);
                }
                if let Some(p) = port {
                    f.rewrite(SPORT, p);
                }
                out.push(f);
            }
            Action::Masquerade => {
                // The outgoing interface's address of the packet's family; if the inventory
                // does not give one, any address of that family (sound, if vague).
                for fam in [v4_space(), v6_space()] {
                    let (mut part, _) =
                        split(vec![f.clone()], &HBox::full().with(SRC, fam.clone()));
                    let addr = ports
                        .out_if
                        .and_then(|i| i.addresses.iter().find(|a| fam.contains(**a)))
                        .map(|a| IntervalSet::point(*a))
                        .unwrap_or(fam);
                    for p in &mut part {
                        p.rewrite(SRC, &addr);
                    }
                    out.extend(part);
                }
            }
            _ => out.push(f),
        }
    }
    out
}

fn eval_chain(
    rs: &Ruleset,
    chain: usize,
    flows: Vec<Flow>,
    ports: &Ports<'_>,
    depth: usize,
) -> ChainOut {
    let mut accepted = Vec::new();
    let mut returned = Vec::new();
    let Some(ch) = rs.chains.get(chain) else {
        return ChainOut { accepted, returned };
    };
    if depth > MAX_DEPTH {
        // Unreachable for rulesets netfilter accepts; stay sound.
        return ChainOut {
            accepted: flows,
            returned,
        };
    }
    let mut remaining = flows;
    for (ri, rule) in ch.rules.iter().enumerate() {
        if remaining.is_empty() {
            break;
        }
        if matches!(rule.action, Action::Continue) && !rule.uncertain {
            continue;
        }
        if !iface_ok(&rule.iif, ports.in_name) || !iface_ok(&rule.oif, ports.out_name) {
            continue;
        }
        let matched = if rule.uncertain {
            copy_inside(&remaining, &rule.header)
        } else {
            take_inside(&mut remaining, &rule.header)
        };
        if matched.is_empty() {
            continue;
        }
        let step = Step {
            device: ports.device,
            in_iface: ports.in_iface,
            out_iface: ports.out_iface,
            hook: ports.hook,
            chain,
            decision: Decision::Rule(ri),
            uncertain: rule.uncertain,
        };
        match &rule.action {
            Action::Accept => accepted.extend(stamp(matched, step)),
            Action::Drop | Action::Reject | Action::Redirect => {}
            Action::Continue => {
                // Only uncertain rules reach here (an unknown statement); they stay in
                // `remaining` already.
            }
            Action::Jump(t) => {
                let out = eval_chain(rs, *t, stamp(matched, step), ports, depth + 1);
                accepted.extend(out.accepted);
                if !rule.uncertain {
                    remaining.extend(out.returned);
                }
            }
            Action::Goto(t) => {
                let out = eval_chain(rs, *t, stamp(matched, step), ports, depth + 1);
                accepted.extend(out.accepted);
                returned.extend(out.returned);
            }
            Action::Return => returned.extend(matched),
            Action::Dnat(_) | Action::Snat(_) | Action::Masquerade => {
                accepted.extend(apply_nat(stamp(matched, step), &rule.action, ports));
            }
        }
    }
    returned.extend(remaining);
    ChainOut { accepted, returned }
}

/// Evaluate one base chain: accepted flows continue, dropped ones vanish.
pub fn eval_base(rs: &Ruleset, base: &BaseChain, flows: Vec<Flow>, ports: &Ports<'_>) -> Vec<Flow> {
    // A table of one family does not see the other family's packets.
    let (flows, other_family) = match &base.family {
        Some(fam) => split(flows, &HBox::full().with(SRC, fam.clone())),
        None => (flows, Vec::new()),
    };
    let out = eval_chain(rs, base.chain, flows, ports, 0);
    let mut result = out.accepted;
    if base.policy == Policy::Accept {
        let step = Step {
            device: ports.device,
            in_iface: ports.in_iface,
            out_iface: ports.out_iface,
            hook: ports.hook,
            chain: base.chain,
            decision: Decision::Policy,
            uncertain: false,
        };
        // Policy-accepted flows only get a step where the decision matters (filtering hooks).
        if ports.hook == Hook::Forward {
            result.extend(stamp(out.returned, step));
        } else {
            result.extend(out.returned);
        }
    }
    result.extend(other_family);
    result
}

/// Evaluate every base chain on a hook in priority order.
pub fn eval_hook(rs: &Ruleset, flows: Vec<Flow>, ports: &Ports<'_>) -> Vec<Flow> {
    let mut flows = flows;
    for base in rs.base_on(ports.hook) {
        if flows.is_empty() {
            break;
        }
        flows = eval_base(rs, base, flows, ports);
    }
    flows
}

/// Rules that can never match: an earlier terminal rule with the same interface conditions
/// (or none) covers it. Returns (chain, rule, covering rules).
pub fn shadowed_rules(rs: &Ruleset) -> Vec<(usize, usize, Vec<usize>)> {
    use std::collections::HashMap;
    type Key = (Option<String>, Option<String>);
    let key_of = |m: &Option<IfaceMatch>| m.as_ref().map(|m| format!("{m:?}"));
    let mut out = Vec::new();
    for (ci, ch) in rs.chains.iter().enumerate() {
        // Earlier terminal, exact rules grouped by their interface conditions.
        let mut groups: HashMap<Key, Vec<usize>> = HashMap::new();
        for (ri, rule) in ch.rules.iter().enumerate() {
            let (ki, ko) = (key_of(&rule.iif), key_of(&rule.oif));
            if !rule.uncertain && !rule.implicit && !rule.header.is_empty() {
                let mut covering: Vec<usize> = Vec::new();
                for gi in [None, ki.clone()]
                    .iter()
                    .collect::<std::collections::BTreeSet<_>>()
                {
                    for go in [None, ko.clone()]
                        .iter()
                        .collect::<std::collections::BTreeSet<_>>()
                    {
                        if let Some(list) = groups.get(&(gi.clone(), go.clone())) {
                            covering.extend(
                                list.iter()
                                    .copied()
                                    .filter(|&k| ch.rules[k].header.overlaps(&rule.header)),
                            );
                        }
                    }
                }
                if !covering.is_empty() {
                    covering.sort_unstable();
                    let set = crate::space::HeaderSet {
                        boxes: covering
                            .iter()
                            .map(|&k| ch.rules[k].header.clone())
                            .collect(),
                    };
                    if set.covers(&rule.header) {
                        out.push((ci, ri, covering));
                    }
                }
            }
            let r: &Rule = rule;
            if r.action.is_terminal() && !r.uncertain {
                groups.entry((ki, ko)).or_default().push(ri);
            }
        }
    }
    out
}
