#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! FortiGate (and later YAMAHA) verdicts checked against the nftables version of the same
//! policy: the nftables fixtures are verified on real namespaces (netns_ground_truth), the
//! hand translations here must give the same findings and the same reachability for every
//! probe of a grid.

use mamori_netcheck::engine::deliveries;
use mamori_netcheck::inventory::{FsLoader, Loader, Network, parse_inventory};
use mamori_netcheck::ir::Ruleset;
use mamori_netcheck::space::{
    CT, CT_NEW, DPORT, DST, HBox, IntervalSet, PROTO, SPORT, SRC, u128_to_addr,
};
use mamori_netcheck::{Report, TierRule, parse_config, verify};
use std::path::PathBuf;

fn load(core: &str, format: &str) -> (Network, Vec<Ruleset>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let inv = std::fs::read_to_string(dir.join("examples/inventory.toml"))
        .unwrap()
        .replace("config_dir = \"configs\"\n", "")
        .replace(
            "{ path = \"configs/core-fw.nft.json\", format = \"nftables-json\" }",
            &format!("{{ path = \"{core}\", format = \"{format}\" }}"),
        )
        .replace(
            "configs/edge-fw.iptables-save",
            "edge-compliant.iptables-save",
        );
    let loader = FsLoader::new(dir.join("tests/fixtures"));
    let net = parse_inventory("inventory.toml", &inv, &loader).unwrap();
    let rulesets = net
        .devices
        .iter()
        .map(|d| {
            let mut rs = Ruleset::default();
            for c in &d.configs {
                rs.merge(parse_config(&c.path, &loader.load(&c.path).unwrap(), c.format).unwrap());
            }
            rs
        })
        .collect();
    (net, rulesets)
}

fn findings(r: &Report) -> Vec<(TierRule, String, String)> {
    let mut v: Vec<_> = r
        .violations
        .iter()
        .map(|v| (v.rule, v.from.name.clone(), v.to.name.clone()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Delivered (zone, destination) for a grid of single packets between zones.
fn grid(net: &Network, rulesets: &[Ruleset]) -> Vec<(String, Vec<(usize, String)>)> {
    let mut hosts: Vec<u128> = Vec::new();
    for z in &net.zones {
        for &(lo, hi) in z.space.ranges() {
            if hi - lo > 20 && !z.default {
                hosts.push(lo + 10);
            }
        }
    }
    for a in [
        "203.0.113.10",
        "10.40.0.25",
        "10.40.0.80",
        "10.90.0.10",
        "10.20.0.25",
    ] {
        hosts.push(mamori_netcheck::space::addr_to_u128(a.parse().unwrap()));
    }
    let mut out = Vec::new();
    for &s in &hosts {
        for &d in &hosts {
            if s == d {
                continue;
            }
            for (proto, port) in [
                (6u128, 22u128),
                (6, 25),
                (6, 80),
                (6, 443),
                (6, 3389),
                (17, 53),
                (1, 0),
            ] {
                let mut b = HBox::full()
                    .with(SRC, IntervalSet::point(s))
                    .with(DST, IntervalSet::point(d))
                    .with(PROTO, IntervalSet::point(proto))
                    .with(SPORT, IntervalSet::range(32768, 60999))
                    .with(CT, IntervalSet::point(CT_NEW));
                if proto != 1 {
                    b = b.with(DPORT, IntervalSet::point(port));
                }
                let mut got: Vec<(usize, String)> = deliveries(net, rulesets, &b)
                    .iter()
                    .map(|x| (x.dst_zone, format!("{:?}", x.flow.cur.dims[DST])))
                    .collect();
                got.sort();
                got.dedup();
                out.push((
                    format!("{proto}/{port} {} -> {}", u128_to_addr(s), u128_to_addr(d)),
                    got,
                ));
            }
        }
    }
    out
}

fn same_as_nft(forti: &str, nft: &str) {
    let (n1, r1) = load(forti, "fortigate");
    let (n2, r2) = load(nft, "nftables-json");
    let a = verify(&n1, &r1);
    let b = verify(&n2, &r2);
    assert!(a.unparsed.is_empty(), "{:?}", a.unparsed);
    assert_eq!(findings(&a), findings(&b));
    let ga = grid(&n1, &r1);
    let gb = grid(&n2, &r2);
    assert_eq!(ga.len(), gb.len());
    let reachable = ga.iter().filter(|(_, d)| !d.is_empty()).count();
    assert!(
        reachable > 10,
        "grid must exercise allowed paths ({reachable})"
    );
    for (x, y) in ga.iter().zip(&gb) {
        assert_eq!(x, y, "FortiGate and nftables disagree on {}", x.0);
    }
}

#[test]
fn fortigate_compliant_matches_nftables() {
    same_as_nft("core-compliant.fortigate.conf", "core-compliant.nft.json");
}

#[test]
fn fortigate_violation_matches_nftables() {
    same_as_nft(
        "core-lg-dmz-http.fortigate.conf",
        "core-lg-dmz-http.nft.json",
    );
    let (n, r) = load("core-lg-dmz-http.fortigate.conf", "fortigate");
    let rep = verify(&n, &r);
    let v = &rep.violations[0];
    let rule = v.path.iter().rev().find_map(|s| s.rule.as_ref()).unwrap();
    // The policy that lets it through, by its `edit` line.
    assert!(
        rule.text.starts_with("edit 8; set name \"web proxy test\""),
        "{}",
        rule.text
    );
    let line = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/core-lg-dmz-http.fortigate.conf"),
    )
    .unwrap()
    .lines()
    .nth(rule.loc.line - 1)
    .unwrap()
    .trim()
    .to_string();
    assert_eq!(line, "edit 8");
}
