//! Warnings that do not break a tier rule by themselves: shadowed rules and any→any accepts on
//! devices that stand between different tiers.

use super::eval::shadowed_rules;
use crate::inventory::Network;
use crate::ir::{Action, Ruleset};
use crate::model::ZoneKind;
use crate::report::{Warning, WarningKind, rule_ref};
use crate::space::{CT, CT_NEW, DST, SRC, v4_space, v6_space};

/// Which side of the tier boundaries a zone kind is on.
fn side(kind: ZoneKind) -> u8 {
    match kind {
        ZoneKind::Mynumber => 0,
        ZoneKind::Lgwan | ZoneKind::LgwanNetwork => 1,
        ZoneKind::Internet | ZoneKind::SecurityCloud | ZoneKind::InternetOutside => 2,
        ZoneKind::External => 3,
    }
}

fn any_address(set: &crate::space::IntervalSet) -> bool {
    let full = crate::space::IntervalSet::range(0, u128::MAX);
    *set == full || *set == v4_space() || *set == v6_space()
}

pub fn warnings(net: &Network, rulesets: &[Ruleset]) -> Vec<Warning> {
    let mut out = Vec::new();
    for (di, rs) in rulesets.iter().enumerate() {
        let device = &net.devices[di];
        for (ci, ri, covering) in shadowed_rules(rs) {
            let Some(rule) = rule_ref(rs, ci, ri) else {
                continue;
            };
            out.push(Warning {
                kind: WarningKind::ShadowedRule,
                device: device.name.clone(),
                chain: rs.chains[ci].name.clone(),
                rule,
                covered_by: covering
                    .iter()
                    .filter_map(|&k| rule_ref(rs, ci, k))
                    .collect(),
            });
        }
        // Interface pairs whose zones lie on different sides of a tier boundary.
        let crossing: Vec<(&str, &str)> = device
            .interfaces
            .iter()
            .flat_map(|a| device.interfaces.iter().map(move |b| (a, b)))
            .filter(|(a, b)| side(net.zones[a.zone].kind) != side(net.zones[b.zone].kind))
            .map(|(a, b)| (a.name.as_str(), b.name.as_str()))
            .collect();
        if crossing.is_empty() {
            continue;
        }
        for (ci, ch) in rs.chains.iter().enumerate() {
            for (ri, r) in ch.rules.iter().enumerate() {
                if r.action == Action::Accept
                    && !r.uncertain
                    && !r.implicit
                    && any_address(&r.header.dims[SRC])
                    && any_address(&r.header.dims[DST])
                    && r.header.dims[CT].contains(CT_NEW)
                    && crossing.iter().any(|(i, o)| {
                        r.iif.as_ref().is_none_or(|m| m.matches(i))
                            && r.oif.as_ref().is_none_or(|m| m.matches(o))
                    })
                {
                    let Some(rule) = rule_ref(rs, ci, ri) else {
                        continue;
                    };
                    out.push(Warning {
                        kind: WarningKind::AnyToAny,
                        device: device.name.clone(),
                        chain: ch.name.clone(),
                        rule,
                        covered_by: Vec::new(),
                    });
                }
            }
        }
    }
    out
}
