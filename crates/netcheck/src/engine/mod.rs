//! Reachability across the device graph and the tier checks of 第6条第2号.
//!
//! Every zone sends every possible new connection (all sources in the zone, every destination,
//! protocol and port, connection state NEW). Hosts hand off-zone traffic to their zone's declared
//! gateway; a device runs it through prerouting → routing (connected zones, then declared routes
//! in order) → forward → postrouting, and hands it to the next hop or delivers it into the
//! egress zone. Delivered flows are then compared with what the tier rules allow.

pub mod eval;
pub mod lint;

use crate::inventory::{Direction, HostRouting, Network};
use crate::ir::{Hook, Ruleset};
use crate::model::{TierRule, ZoneKind};
use crate::space::{CT, CT_NEW, DST, HBox, IntervalSet, SRC, v4_space, v6_space};
use eval::{Flow, Ports, Step, eval_hook, split};
use std::collections::BTreeMap;

/// Limit on devices crossed by one flow (routing loops end here).
const MAX_HOPS: usize = 16;

/// A flow that reached a zone, with the zone it started in.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub src_zone: usize,
    pub dst_zone: usize,
    pub flow: Flow,
}

/// A part of a delivered flow the tier rules do not allow.
#[derive(Clone, Debug)]
pub struct RawViolation {
    pub rule: TierRule,
    pub src_zone: usize,
    pub dst_zone: usize,
    /// Endpoints (original source, delivered destination) not allowed.
    pub residual: HBox,
    pub flow: Flow,
}

/// Compute every delivered flow.
pub fn reach(net: &Network, rulesets: &[Ruleset]) -> Vec<Delivered> {
    let mut delivered = Vec::new();
    for zi in 0..net.zones.len() {
        reach_from(net, rulesets, zi, None, &mut delivered);
    }
    delivered
}

/// Where packets of `headers` (all sources in one zone or not) end up: one entry per delivered
/// part. Used to predict single packets, e.g. for ground-truth tests.
pub fn deliveries(net: &Network, rulesets: &[Ruleset], headers: &HBox) -> Vec<Delivered> {
    let mut delivered = Vec::new();
    for zi in 0..net.zones.len() {
        reach_from(net, rulesets, zi, Some(headers), &mut delivered);
    }
    delivered
}

fn reach_from(
    net: &Network,
    rulesets: &[Ruleset],
    zi: usize,
    restrict: Option<&HBox>,
    delivered: &mut Vec<Delivered>,
) {
    let zone = &net.zones[zi];
    let mut flows = Vec::new();
    for fam in [v4_space(), v6_space()] {
        let src = zone.space.intersect(&fam);
        if src.is_empty() {
            continue;
        }
        let b = HBox::full()
            .with(SRC, src)
            .with(DST, fam)
            .with(CT, IntervalSet::point(CT_NEW));
        let b = match restrict {
            Some(r) => match b.intersect(r) {
                Some(b) => b,
                None => continue,
            },
            None => b,
        };
        flows.push(Flow::new(b));
    }
    if !flows.is_empty() {
        enter_zone(net, rulesets, zi, zi, flows, None, true, delivered, 0);
    }
}

/// Flows appear in `zone` (sent by its hosts, or forwarded into it by device `from`).
/// Destinations in the zone are delivered — except addresses of other devices' interfaces, which
/// those devices receive (they may DNAT them onwards); the rest goes to the zone's gateways.
#[allow(clippy::too_many_arguments)]
fn enter_zone(
    net: &Network,
    rulesets: &[Ruleset],
    src_zone: usize,
    zone: usize,
    flows: Vec<Flow>,
    from: Option<usize>,
    originated_here: bool,
    delivered: &mut Vec<Delivered>,
    hops: usize,
) {
    let (mut inside, outside) = split(
        flows,
        &HBox::full().with(DST, net.zones[zone].space.clone()),
    );
    for (d, dev) in net.devices.iter().enumerate() {
        if Some(d) == from {
            continue;
        }
        for (i, iface) in dev.interfaces.iter().enumerate() {
            if iface.zone != zone || iface.addresses.is_empty() {
                continue;
            }
            let own = IntervalSet::from_ranges(iface.addresses.iter().map(|&a| (a, a)).collect());
            let (to_dev, rest) = split(inside, &HBox::full().with(DST, own));
            inside = rest;
            if !to_dev.is_empty() {
                through_device(net, rulesets, src_zone, d, i, to_dev, delivered, hops + 1);
            }
        }
    }
    // Traffic between hosts of one zone crosses no device: only forwarded traffic is delivered.
    if !originated_here {
        for flow in inside {
            delivered.push(Delivered {
                src_zone,
                dst_zone: zone,
                flow,
            });
        }
    }
    if !outside.is_empty() {
        to_gateways(net, rulesets, src_zone, zone, outside, delivered, hops);
    }
}

/// Hand flows in zone `zone` whose destination is elsewhere to the hosts' next hop: the zone's
/// static routes (most specific first), then its gateways.
fn to_gateways(
    net: &Network,
    rulesets: &[Ruleset],
    src_zone: usize,
    zone: usize,
    flows: Vec<Flow>,
    delivered: &mut Vec<Delivered>,
    hops: usize,
) {
    if net.host_routing == HostRouting::AnyRouter {
        // Any host may send to any router on its segment (a static route is all it takes):
        // every device facing the zone receives every leaving flow.
        for (d, dev) in net.devices.iter().enumerate() {
            for (i, iface) in dev.interfaces.iter().enumerate() {
                if iface.zone == zone {
                    through_device(
                        net,
                        rulesets,
                        src_zone,
                        d,
                        i,
                        flows.clone(),
                        delivered,
                        hops + 1,
                    );
                }
            }
        }
        return;
    }
    let mut flows = flows;
    let mut routes: Vec<&crate::inventory::Route> = net.zones[zone].routes.iter().collect();
    routes.sort_by_key(|r| r.to.count());
    for r in routes {
        let (here, rest) = split(flows, &HBox::full().with(DST, r.to.clone()));
        flows = rest;
        if here.is_empty() {
            continue;
        }
        if let Some((dev, iface)) = net.owner_of(r.via) {
            through_device(
                net,
                rulesets,
                src_zone,
                dev,
                iface,
                here,
                delivered,
                hops + 1,
            );
        }
    }
    for &gw in &net.zones[zone].gateways {
        let fam = if v4_space().contains(gw) {
            v4_space()
        } else {
            v6_space()
        };
        let (mine, _) = split(flows.clone(), &HBox::full().with(DST, fam));
        if mine.is_empty() {
            continue;
        }
        if let Some((dev, iface)) = net.owner_of(gw) {
            through_device(
                net,
                rulesets,
                src_zone,
                dev,
                iface,
                mine,
                delivered,
                hops + 1,
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn through_device(
    net: &Network,
    rulesets: &[Ruleset],
    src_zone: usize,
    dev: usize,
    in_iface: usize,
    flows: Vec<Flow>,
    delivered: &mut Vec<Delivered>,
    hops: usize,
) {
    if hops > MAX_HOPS {
        return;
    }
    let device = &net.devices[dev];
    let rs = &rulesets[dev];
    // A flow that comes back to a device it already crossed is in a routing loop.
    let flows: Vec<Flow> = flows
        .into_iter()
        .filter(|f| {
            !f.trace
                .iter()
                .any(|s| s.device == dev && s.hook == Hook::Forward)
        })
        .collect();
    let in_name = device.interfaces[in_iface].name.as_str();
    let pre_ports = |hook| Ports {
        device: dev,
        in_iface,
        in_name,
        out_iface: None,
        out_name: "",
        out_if: None,
        hook,
    };
    let flows = eval_hook(rs, flows, &pre_ports(Hook::Ingress));
    let flows = eval_hook(rs, flows, &pre_ports(Hook::Prerouting));

    // Routing: the device's own addresses (local delivery, not analysed), connected zones,
    // then declared routes in order. Anything left has no route and is dropped.
    let own: IntervalSet = IntervalSet::from_ranges(
        device
            .interfaces
            .iter()
            .flat_map(|i| i.addresses.iter().map(|&a| (a, a)))
            .collect(),
    );
    let (_, mut rest) = split(flows, &HBox::full().with(DST, own));
    // Candidate routes: connected zones and declared routes, most specific first (as the
    // kernel's longest-prefix match would choose; ties keep connected routes first).
    // Sizes are compared per address family (a zone with a v4 /24 and a v6 /64 is specific
    // for both).
    let mut table: Vec<(u128, usize, Option<u128>, IntervalSet)> = Vec::new();
    let mut add = |space: &IntervalSet, oi: usize, via: Option<u128>| {
        for fam in [v4_space(), v6_space()] {
            let part = space.intersect(&fam);
            if !part.is_empty() {
                table.push((part.count(), oi, via, part));
            }
        }
    };
    for (oi, iface) in device.interfaces.iter().enumerate() {
        add(&net.zones[iface.zone].space, oi, None);
    }
    for route in &device.routes {
        if let Some(oi) = device
            .interfaces
            .iter()
            .position(|i| net.zones[i.zone].space.contains(route.via))
        {
            add(&route.to, oi, Some(route.via));
        }
    }
    table.sort_by_key(|e| e.0);
    // (out interface, next hop) → flows
    let mut routed: Vec<(usize, Option<u128>, Vec<Flow>)> = Vec::new();
    for (_, oi, via, space) in table {
        let (here, other) = split(rest, &HBox::full().with(DST, space));
        rest = other;
        if !here.is_empty() {
            routed.push((oi, via, here));
        }
    }
    for (oi, next_hop, flows) in routed {
        let out_if = &device.interfaces[oi];
        let ports = |hook| Ports {
            device: dev,
            in_iface,
            in_name,
            out_iface: Some(oi),
            out_name: out_if.name.as_str(),
            out_if: Some(out_if),
            hook,
        };
        let mut flows = eval_hook(rs, flows, &ports(Hook::Forward));
        // Flows no forward chain looked at (no chain, or a table of the other family) are
        // forwarded by netfilter as they are; record the crossing for the path and loop check.
        for f in &mut flows {
            let stamped = f.trace.last().is_some_and(|s| {
                s.device == dev && s.hook == Hook::Forward && s.out_iface == Some(oi)
            });
            if !stamped {
                f.trace.push(Step {
                    device: dev,
                    in_iface,
                    out_iface: Some(oi),
                    hook: Hook::Forward,
                    chain: usize::MAX,
                    decision: eval::Decision::Policy,
                    uncertain: false,
                });
            }
        }
        let flows = eval_hook(rs, flows, &ports(Hook::Postrouting));
        if flows.is_empty() {
            continue;
        }
        let zone = out_if.zone;
        match next_hop {
            Some(via) => {
                if let Some((ndev, niface)) = net.owner_of(via) {
                    through_device(
                        net,
                        rulesets,
                        src_zone,
                        ndev,
                        niface,
                        flows,
                        delivered,
                        hops + 1,
                    );
                }
            }
            None => enter_zone(
                net,
                rulesets,
                src_zone,
                zone,
                flows,
                Some(dev),
                false,
                delivered,
                hops,
            ),
        }
    }
}

/// The endpoint boxes a tier rule allows between two zones, or `None` if the rule does not
/// apply to that pair.
fn allowed(net: &Network, rule: TierRule, src: ZoneKind, dst: ZoneKind) -> Option<Vec<HBox>> {
    match rule {
        TierRule::MynumberIsolation => {
            if src == ZoneKind::Mynumber && dst != ZoneKind::Mynumber {
                Some(
                    net.tokutei
                        .iter()
                        .filter(|t| matches!(t.direction, Direction::Outbound | Direction::Both))
                        .flat_map(|t| t.as_destination())
                        .collect(),
                )
            } else if dst == ZoneKind::Mynumber && src != ZoneKind::Mynumber {
                Some(
                    net.tokutei
                        .iter()
                        .filter(|t| matches!(t.direction, Direction::Inbound | Direction::Both))
                        .flat_map(|t| t.as_source_to_services())
                        .collect(),
                )
            } else {
                None
            }
        }
        TierRule::LgwanInternetSplit => {
            let crosses = (src.is_lgwan_side() && dst.is_internet_side())
                || (src.is_internet_side() && dst.is_lgwan_side());
            if !crosses {
                return None;
            }
            let mut allow: Vec<HBox> = Vec::new();
            for r in &net.relays {
                allow.extend(r.as_destination());
                allow.push(r.as_source());
            }
            if crate::model::allows_cloud_breakout(net.model) && src == ZoneKind::Lgwan {
                for c in &net.cloud {
                    allow.extend(c.as_destination());
                }
            }
            Some(allow)
        }
        TierRule::SecurityCloudConcentration => {
            let direct = (src == ZoneKind::Internet && dst == ZoneKind::InternetOutside)
                || (src == ZoneKind::InternetOutside && dst == ZoneKind::Internet);
            direct.then(Vec::new)
        }
    }
}

/// Compare delivered flows with the tier rules.
pub fn check(net: &Network, delivered: &[Delivered]) -> Vec<RawViolation> {
    let mut out = Vec::new();
    for d in delivered {
        let sk = net.zones[d.src_zone].kind;
        let dk = net.zones[d.dst_zone].kind;
        for rule in TierRule::ALL {
            let Some(allow) = allowed(net, rule, sk, dk) else {
                continue;
            };
            let mut residual = vec![d.flow.endpoints()];
            for a in &allow {
                residual = residual.iter().flat_map(|b| b.subtract(a)).collect();
                if residual.is_empty() {
                    break;
                }
            }
            if let Some(first) = residual.into_iter().next() {
                out.push(RawViolation {
                    rule,
                    src_zone: d.src_zone,
                    dst_zone: d.dst_zone,
                    residual: first,
                    flow: d.flow.clone(),
                });
            }
        }
    }
    out
}

/// One violation per (rule, zones, path): flows that took the same decisions are one finding.
pub fn group(raw: Vec<RawViolation>) -> Vec<RawViolation> {
    let mut seen: BTreeMap<(TierRule, usize, usize, String), RawViolation> = BTreeMap::new();
    for v in raw {
        let sig = format!("{:?}", v.flow.trace);
        seen.entry((v.rule, v.src_zone, v.dst_zone, sig))
            .or_insert(v);
    }
    seen.into_values().collect()
}
