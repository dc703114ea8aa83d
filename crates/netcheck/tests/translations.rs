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
    load2(
        core,
        format,
        "edge-compliant.iptables-save",
        "iptables-save",
    )
}

/// YAMAHA names its ports lan1…, pp1.
const RTX_NAMES: [(&str, &str); 4] = [
    ("\"dmz1\"", "\"lan1\""),
    ("\"in0\"", "\"lan2\""),
    ("\"cl0\"", "\"lan3\""),
    ("\"wan0\"", "\"pp1\""),
];

fn load2(core: &str, format: &str, edge: &str, edge_format: &str) -> (Network, Vec<Ruleset>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut inv = std::fs::read_to_string(dir.join("examples/inventory.toml"))
        .unwrap()
        .replace("config_dir = \"configs\"\n", "")
        .replace(
            "{ path = \"configs/core-fw.nft.json\", format = \"nftables-json\" }",
            &format!("{{ path = \"{core}\", format = \"{format}\" }}"),
        )
        .replace(
            "{ path = \"configs/edge-fw.iptables-save\", format = \"iptables-save\" }",
            &format!("{{ path = \"{edge}\", format = \"{edge_format}\" }}"),
        );
    if edge_format == "yamaha" {
        for (a, b) in RTX_NAMES {
            inv = inv.replace(a, b);
        }
    }
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
                (6, 8080),
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
    same(load(forti, "fortigate"), load(nft, "nftables-json"));
}

fn same((n1, r1): (Network, Vec<Ruleset>), (n2, r2): (Network, Vec<Ruleset>)) {
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
        assert_eq!(
            x, y,
            "the translation and the netfilter original disagree on {}",
            x.0
        );
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

#[test]
fn yamaha_compliant_matches_iptables() {
    same(
        load2(
            "core-compliant.nft.json",
            "nftables-json",
            "edge-compliant.rtx.conf",
            "yamaha",
        ),
        load2(
            "core-compliant.nft.json",
            "nftables-json",
            "edge-compliant.iptables-save",
            "iptables-save",
        ),
    );
}

#[test]
fn yamaha_port_forward_matches_iptables() {
    let rtx = load2(
        "core-rdp.nft.json",
        "nftables-json",
        "edge-rdp.rtx.conf",
        "yamaha",
    );
    let ipt = load2(
        "core-rdp.nft.json",
        "nftables-json",
        "edge-rdp.iptables-save",
        "iptables-save",
    );
    let rep = verify(&rtx.0, &rtx.1);
    assert_eq!(
        findings(&rep),
        vec![
            (TierRule::LgwanInternetSplit, "dmz".into(), "lg".into()),
            (TierRule::LgwanInternetSplit, "internet".into(), "lg".into())
        ]
    );
    // The path names the static NAT line and the pp filter that lets it in.
    let v = rep
        .violations
        .iter()
        .find(|v| v.from.name == "internet")
        .unwrap();
    let texts: Vec<&str> = v
        .path
        .iter()
        .filter_map(|s| s.rule.as_ref())
        .map(|r| r.text.as_str())
        .collect();
    assert!(
        texts.contains(&"nat descriptor masquerade static 2 1 10.20.0.50 tcp 3389"),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"ip filter 9010 pass * 10.20.0.50 tcp * 3389"),
        "{texts:?}"
    );
    same(rtx, ipt);
}

#[test]
fn nft_verdict_maps_mean_the_same_as_plain_rules() {
    let vmap = load("core-vmap.nft.json", "nftables-json");
    let rep = verify(&vmap.0, &vmap.1);
    assert!(rep.unparsed.is_empty(), "{:?}", rep.unparsed);
    same(vmap, load("core-compliant.nft.json", "nftables-json"));
}
