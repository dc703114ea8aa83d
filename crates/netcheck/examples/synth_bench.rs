//! Synthetic municipal networks for timing the verifier (a benchmark, not a test).
//!
//! `cargo run --release -p mamori-netcheck --example synth_bench -- [RULES] [DEVICES] [SEED]`
//!
//! Builds a three-tier network (My Number, LGWAN, internet tier with a relay DMZ, LGWAN,
//! security cloud, Internet, 住基ネット) with a core firewall (nftables JSON), an edge firewall
//! (iptables-save) and departmental firewalls (alternating formats), each guarding one
//! departmental zone. RULES rules are spread over the devices: realistic host/subnet address
//! objects, common services and port lists, within-tier accepts and some drops. Prints the
//! verification time and the peak memory of the process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_netcheck::{MemLoader, check_with_loader};
use serde_json::{Value, json};
use std::fmt::Write;
use std::time::Instant;

/// Small deterministic generator (no dependency; the seed is a parameter).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const PORTS: &[u16] = &[
    22, 25, 53, 80, 110, 123, 143, 389, 443, 445, 465, 587, 636, 993, 995, 1433, 1521, 3306, 3389,
    5432, 8080, 8443, 9000, 9090, 10050, 10051,
];

struct Iface {
    name: String,
    zone: String,
    addr: String,
    /// Second octet of the zone's 10.x.0.0/16 (for address objects).
    octet: u32,
}

struct Device {
    name: String,
    nft: bool,
    ifaces: Vec<Iface>,
    routes: Vec<(String, String)>,
    rules: usize,
}

fn addr_obj(rng: &mut Rng, octet: u32) -> String {
    match rng.below(4) {
        0 => format!("10.{octet}.{}.0/24", rng.below(200)),
        1 => format!("10.{octet}.{}.0/25", rng.below(200)),
        _ => format!("10.{octet}.{}.{}", rng.below(200), 1 + rng.below(250)),
    }
}

/// A rule between two interfaces of the same tier side: (src, dst, proto, ports, accept?).
fn gen_rule(rng: &mut Rng, a: &Iface, b: &Iface) -> (String, String, &'static str, Vec<u16>, bool) {
    let src = addr_obj(rng, a.octet);
    let dst = addr_obj(rng, b.octet);
    let proto = if rng.below(5) == 0 { "udp" } else { "tcp" };
    let spread = if rng.below(4) == 0 { 6 } else { 1 };
    let n = 1 + rng.below(spread) as usize;
    let mut ports: Vec<u16> = (0..n)
        .map(|_| PORTS[rng.below(PORTS.len() as u64) as usize])
        .collect();
    ports.sort_unstable();
    ports.dedup();
    let accept = rng.below(10) != 0;
    (src, dst, proto, ports, accept)
}

fn nft_json(dev: &Device, pairs: &[(usize, usize)], rng: &mut Rng) -> String {
    let mut items = vec![
        json!({"metainfo": {"version": "1.0.6", "json_schema_version": 1}}),
        json!({"table": {"family": "inet", "name": "filter", "handle": 1}}),
        json!({"chain": {"family": "inet", "table": "filter", "name": "forward", "handle": 1,
            "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}),
        json!({"rule": {"family": "inet", "table": "filter", "chain": "forward", "handle": 2,
            "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}},
                "right": ["established", "related"]}}, {"accept": null}]}}),
    ];
    for h in 0..dev.rules {
        let (ai, bi) = pairs[rng.below(pairs.len() as u64) as usize];
        let (a, b) = (&dev.ifaces[ai], &dev.ifaces[bi]);
        let (src, dst, proto, ports, accept) = gen_rule(rng, a, b);
        let addr = |s: &str| -> Value {
            match s.split_once('/') {
                Some((ad, len)) => {
                    json!({"prefix": {"addr": ad, "len": len.parse::<u32>().unwrap()}})
                }
                None => json!(s),
            }
        };
        let port_v: Value = if ports.len() == 1 {
            json!(ports[0])
        } else {
            json!({"set": ports})
        };
        let verdict = if accept {
            json!({"accept": null})
        } else {
            json!({"drop": null})
        };
        items.push(json!({"rule": {"family": "inet", "table": "filter", "chain": "forward",
            "handle": h + 3, "expr": [
                {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": a.name}},
                {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": b.name}},
                {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": addr(&src)}},
                {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": addr(&dst)}},
                {"match": {"op": "==", "left": {"payload": {"protocol": proto, "field": "dport"}}, "right": port_v}},
                {"counter": {"packets": 0, "bytes": 0}},
                verdict
            ]}}));
    }
    json!({"nftables": items}).to_string()
}

fn iptables_save(dev: &Device, pairs: &[(usize, usize)], rng: &mut Rng) -> String {
    let mut o =
        String::from("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    o.push_str("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
    for _ in 0..dev.rules {
        let (ai, bi) = pairs[rng.below(pairs.len() as u64) as usize];
        let (a, b) = (&dev.ifaces[ai], &dev.ifaces[bi]);
        let (src, dst, proto, ports, accept) = gen_rule(rng, a, b);
        let ports_s: Vec<String> = ports.iter().map(u16::to_string).collect();
        let port_match = if ports.len() == 1 {
            format!("-m {proto} --dport {}", ports[0])
        } else {
            format!("-m multiport --dports {}", ports_s.join(","))
        };
        let _ = writeln!(
            o,
            "-A FORWARD -s {src} -d {dst} -i {} -o {} -p {proto} {port_match} -j {}",
            a.name,
            b.name,
            if accept { "ACCEPT" } else { "DROP" }
        );
    }
    o.push_str("COMMIT\n");
    o
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rules: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let devices: usize = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10)
        .max(2);
    let seed: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0x5eed);
    let mut rng = Rng(seed | 1);

    // Zones: (name, kind, octet). Departmental zones get 10.(100+i).0.0/16.
    let mut zones: Vec<(String, &str, u32, Option<String>)> = vec![
        ("mn".into(), "mynumber", 10, Some("10.10.0.1".into())),
        ("lg".into(), "lgwan", 20, Some("10.20.0.1".into())),
        ("inet".into(), "internet", 30, Some("10.30.0.1".into())),
        ("dmz".into(), "internet", 40, Some("10.40.0.254".into())),
        ("jyuki".into(), "external", 90, Some("10.90.0.1".into())),
        ("lgwan-net".into(), "lgwan_network", 172, None),
    ];
    let iface = |name: &str, zone: &str, addr: &str, octet: u32| Iface {
        name: name.into(),
        zone: zone.into(),
        addr: addr.into(),
        octet,
    };
    let mut devs = vec![
        Device {
            name: "core-fw".into(),
            nft: true,
            ifaces: vec![
                iface("mn0", "mn", "10.10.0.1", 10),
                iface("lg0", "lg", "10.20.0.1", 20),
                iface("dmz0", "dmz", "10.40.0.1", 40),
                iface("jk0", "jyuki", "10.90.0.1", 90),
                iface("lgw0", "lgwan-net", "10.172.0.1", 172),
            ],
            routes: vec![("0.0.0.0/0".into(), "10.40.0.254".into())],
            rules: 0,
        },
        Device {
            name: "edge-fw".into(),
            nft: false,
            ifaces: vec![
                iface("dmz1", "dmz", "10.40.0.254", 40),
                iface("in0", "inet", "10.30.0.1", 30),
            ],
            routes: vec![("10.0.0.0/8".into(), "10.40.0.1".into())],
            rules: 0,
        },
    ];
    for i in 0..devices - 2 {
        let (parent, pref, kind, core_if) = match i % 3 {
            0 => ("lg", "10.20", "lgwan", "10.20.0.1"),
            1 => ("mn", "10.10", "mynumber", "10.10.0.1"),
            _ => ("inet", "10.30", "internet", "10.30.0.1"),
        };
        let octet = 100 + i as u32;
        let zname = format!("dept{i}");
        let up = format!("{pref}.1.{}", 1 + i);
        zones.push((zname.clone(), kind, octet, Some(format!("10.{octet}.0.1"))));
        devs.push(Device {
            name: format!("dept-fw{i}"),
            nft: i % 2 == 0,
            ifaces: vec![
                iface(
                    "up0",
                    parent,
                    &up,
                    if parent == "lg" {
                        20
                    } else if parent == "mn" {
                        10
                    } else {
                        30
                    },
                ),
                iface("in0", &zname, &format!("10.{octet}.0.1"), octet),
            ],
            routes: vec![("0.0.0.0/0".into(), core_if.into())],
            rules: 0,
        });
        // The parent's gateway must route the departmental zone back.
        let via = up.clone();
        let gw_dev = if parent == "inet" { 1 } else { 0 };
        devs[gw_dev]
            .routes
            .insert(0, (format!("10.{octet}.0.0/16"), via));
    }
    let n = devs.len();
    for (i, d) in devs.iter_mut().enumerate() {
        d.rules = rules / n + usize::from(i < rules % n);
    }

    // Inventory.
    let mut inv = String::from("[organisation]\nname = \"synthetic\"\nmodel = \"alpha\"\n");
    for (name, kind, octet, gw) in &zones {
        let _ = write!(
            inv,
            "\n[[zone]]\nname = \"{name}\"\nkind = \"{kind}\"\nsubnets = [\"10.{octet}.0.0/16\"]\n"
        );
        if let Some(g) = gw {
            let _ = writeln!(inv, "gateway = [\"{g}\"]");
        }
    }
    inv.push_str("\n[[zone]]\nname = \"internet\"\nkind = \"internet_outside\"\ndefault = true\n");
    inv.push_str(
        "\n[[tokutei]]\nname = \"jyuki\"\naddresses = [\"10.90.0.0/16\"]\ndirection = \"both\"\n",
    );
    inv.push_str("\n[[relay]]\nname = \"relays\"\naddresses = [\"10.40.0.0/16\"]\n");
    let mut loader = MemLoader::default();
    for d in &devs {
        let (path, fmt) = if d.nft {
            (format!("{}.json", d.name), "nftables-json")
        } else {
            (format!("{}.rules", d.name), "iptables-save")
        };
        let _ = write!(
            inv,
            "\n[[device]]\nname = \"{}\"\nconfigs = [{{ path = \"{path}\", format = \"{fmt}\" }}]\ninterface = [\n",
            d.name
        );
        for i in &d.ifaces {
            let _ = writeln!(
                inv,
                "  {{ name = \"{}\", zone = \"{}\", addresses = [\"{}\"] }},",
                i.name, i.zone, i.addr
            );
        }
        inv.push_str("]\nroute = [\n");
        for (to, via) in &d.routes {
            let _ = writeln!(inv, "  {{ to = \"{to}\", via = \"{via}\" }},");
        }
        inv.push_str("]\n");
        // Rules only between interfaces on the same side of the tiers (a compliant network).
        let side = |z: &str| match z {
            "mn" | "jyuki" => 0,
            "lg" | "lgwan-net" => 1,
            "inet" | "dmz" => 2,
            other => zones
                .iter()
                .find(|x| x.0 == other)
                .map(|x| match x.1 {
                    "mynumber" => 0,
                    "lgwan" => 1,
                    _ => 2,
                })
                .unwrap_or(3),
        };
        let pairs: Vec<(usize, usize)> = (0..d.ifaces.len())
            .flat_map(|a| (0..d.ifaces.len()).map(move |b| (a, b)))
            .filter(|&(a, b)| a != b && side(&d.ifaces[a].zone) == side(&d.ifaces[b].zone))
            .collect();
        let pairs = if pairs.is_empty() {
            vec![(0, 1)]
        } else {
            pairs
        };
        let text = if d.nft {
            nft_json(d, &pairs, &mut rng)
        } else {
            iptables_save(d, &pairs, &mut rng)
        };
        loader.files.insert(path, text);
    }

    let total_bytes: usize = loader.files.values().map(String::len).sum();
    let start = Instant::now();
    let report = check_with_loader("synthetic.toml", &inv, &loader, None).unwrap();
    let elapsed = start.elapsed();
    let peak_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    println!(
        "rules={} devices={} zones={} config_bytes={} verdict={:?} violations={} warnings={} time={:.3}s peak_rss={:.1}MiB",
        report.stats.rules,
        report.stats.devices,
        report.stats.zones,
        total_bytes,
        report.verdict,
        report.violations.len(),
        report.warnings.len(),
        elapsed.as_secs_f64(),
        peak_kib as f64 / 1024.0
    );
    if std::env::var("SYNTH_PHASES").is_ok() {
        use mamori_netcheck::inventory::{Loader, parse_inventory};
        let t = Instant::now();
        let net = parse_inventory("synthetic.toml", &inv, &loader).unwrap();
        let rulesets: Vec<_> = net
            .devices
            .iter()
            .map(|d| {
                let c = &d.configs[0];
                mamori_netcheck::parse_config(&c.path, &loader.load(&c.path).unwrap(), c.format)
                    .unwrap()
            })
            .collect();
        println!("  parse {:.3}s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let delivered = mamori_netcheck::engine::reach(&net, &rulesets);
        println!(
            "  reach {:.3}s ({} delivered flows)",
            t.elapsed().as_secs_f64(),
            delivered.len()
        );
        let t = Instant::now();
        let raw = mamori_netcheck::engine::check(&net, &delivered);
        println!(
            "  check {:.3}s ({} raw)",
            t.elapsed().as_secs_f64(),
            raw.len()
        );
        let t = Instant::now();
        let w = mamori_netcheck::engine::lint::warnings(&net, &rulesets);
        println!(
            "  lint {:.3}s ({} warnings)",
            t.elapsed().as_secs_f64(),
            w.len()
        );
    }
    if std::env::var("SYNTH_VERBOSE").is_ok() {
        for v in report.violations.iter().take(5) {
            println!(
                "  {} {} -> {} e.g. {}",
                v.rule_id, v.from.name, v.to.name, v.example
            );
            for s in &v.path {
                println!(
                    "    {} {:?} {}",
                    s.device,
                    s.kind,
                    s.rule.as_ref().map(|r| r.text.as_str()).unwrap_or("")
                );
            }
        }
    }
}
