#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Ground truth: the verdicts are true on a real network, not only self-consistent.
//!
//! For each scenario the example inventory's topology is built in Linux network namespaces
//! (one per zone with a bridge, one per firewall with veth interfaces named as in the inventory,
//! routes as declared), the firewall configurations are loaded with the real `nft -j -f` and
//! `iptables-restore`, and real TCP connections and UDP exchanges are sent for every violation
//! the engine reports and for a grid of host pairs. Each probe's outcome must equal the engine's
//! prediction for that packet.
//!
//! Skips (with the reason printed) when not root or when ip/nft/iptables are missing; fails
//! instead when MAMORI_REQUIRE_NETNS=1. Namespaces are always deleted (also on panic).

use mamori_core::ModelVariant;
use mamori_netcheck::engine::deliveries;
use mamori_netcheck::inventory::{FsLoader, Loader, Network, parse_inventory};
use mamori_netcheck::ir::Ruleset;
use mamori_netcheck::space::{
    CT, CT_NEW, DPORT, DST, HBox, IntervalSet, PROTO, SPORT, SRC, addr_to_u128, u128_to_addr,
    v4_space,
};
use mamori_netcheck::{ConfigFormat, parse_config, verify};
use socket2::{Domain, Protocol, Socket, Type};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const HELPER_ENV: &str = "MAMORI_NETNS_HELPER";
const TIMEOUT: Duration = Duration::from_millis(1500);

fn main() {
    if let Ok(role) = std::env::var(HELPER_ENV) {
        std::process::exit(helper(&role));
    }
    let required = std::env::var("MAMORI_REQUIRE_NETNS").as_deref() == Ok("1");
    if let Err(reason) = preconditions() {
        if required {
            eprintln!("netns ground truth: cannot run with MAMORI_REQUIRE_NETNS=1: {reason}");
            std::process::exit(1);
        }
        println!("netns ground truth: SKIPPED: {reason}");
        return;
    }
    let mut failures = Vec::new();
    let mut total = 0;
    for sc in scenarios() {
        match run_scenario(&sc) {
            Ok((n, f)) => {
                println!("scenario {}: {n} probes, {} mismatches", sc.name, f.len());
                total += n;
                failures.extend(f.into_iter().map(|m| format!("{}: {m}", sc.name)));
            }
            Err(e) => failures.push(format!("{}: setup failed: {e}", sc.name)),
        }
    }
    println!(
        "netns ground truth: {total} probes, {} mismatches",
        failures.len()
    );
    for f in &failures {
        eprintln!("MISMATCH {f}");
    }
    if !failures.is_empty() || total == 0 {
        std::process::exit(1);
    }
}

// ------------------------------------------------------------------ preconditions

fn preconditions() -> Result<(), String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("");
    if uid != "0" {
        return Err("not running as root".into());
    }
    for (tool, arg) in [
        ("ip", "-V"),
        ("nft", "--version"),
        ("iptables-restore", "--version"),
    ] {
        let ok = Command::new(tool)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            return Err(format!(
                "`{tool}` is not installed (apt-get install iproute2 nftables iptables)"
            ));
        }
    }
    let probe = format!("mncprobe{}", std::process::id() % 100_000);
    run("ip", &["netns", "add", &probe])
        .map_err(|e| format!("cannot create a network namespace: {e}"))?;
    let _ = run("ip", &["netns", "del", &probe]);
    Ok(())
}

fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{cmd} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

// ------------------------------------------------------------------ scenarios

struct Scenario {
    name: &'static str,
    core: &'static str,
    edge: &'static str,
    extra: &'static str,
    model: Option<ModelVariant>,
}

const CLOUD: &str = "\n[[cloud]]\nname = \"groupware SaaS\"\naddresses = [\"192.0.2.10\"]\nservices = [\"tcp/443\"]\n";

fn scenarios() -> Vec<Scenario> {
    let s = |name, core, edge, extra, model| Scenario {
        name,
        core,
        edge,
        extra,
        model,
    };
    vec![
        s(
            "compliant",
            "core-compliant.nft.json",
            "edge-compliant.iptables-save",
            "",
            None,
        ),
        s(
            "lg-dmz-http",
            "core-lg-dmz-http.nft.json",
            "edge-compliant.iptables-save",
            "",
            None,
        ),
        s(
            "mn-lg-v6",
            "core-mn-lg-v6.nft.json",
            "edge-compliant.iptables-save",
            "",
            None,
        ),
        s(
            "inet-direct",
            "core-compliant.nft.json",
            "edge-inet-direct.iptables-save",
            "",
            None,
        ),
        s(
            "rdp-dnat",
            "core-rdp.nft.json",
            "edge-rdp.iptables-save",
            "",
            None,
        ),
        s(
            "verdict-maps",
            "core-vmap.nft.json",
            "edge-compliant.iptables-save",
            "",
            None,
        ),
        s(
            "goto-return",
            "core-compliant.nft.json",
            "edge-goto.iptables-save",
            "",
            None,
        ),
        s(
            "cloud-alpha",
            "core-cloud.nft.json",
            "edge-cloud.iptables-save",
            CLOUD,
            Some(ModelVariant::Alpha),
        ),
    ]
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(sc: &Scenario) -> (Network, Vec<Ruleset>, PathBuf) {
    let inv = std::fs::read_to_string(crate_dir().join("examples/inventory.toml")).unwrap();
    let inv = inv
        .replace("config_dir = \"configs\"\n", "")
        .replace("configs/core-fw.nft.json", sc.core)
        .replace("configs/edge-fw.iptables-save", sc.edge)
        + sc.extra;
    let base = crate_dir().join("tests/fixtures");
    let loader = FsLoader::new(base.clone());
    let mut net = parse_inventory("inventory.toml", &inv, &loader).unwrap();
    if let Some(m) = sc.model {
        net.model = m;
    }
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
    (net, rulesets, base)
}

// ------------------------------------------------------------------ the lab

struct Lab {
    tag: String,
    namespaces: Vec<String>,
    /// Host addresses already added, per zone.
    hosts: BTreeSet<(usize, IpAddr)>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in &self.namespaces {
            let _ = run("ip", &["netns", "del", ns]);
        }
    }
}

impl Lab {
    fn zone_ns(&self, z: usize) -> String {
        format!("{}z{z}", self.tag)
    }
    fn dev_ns(&self, d: usize) -> String {
        format!("{}d{d}", self.tag)
    }

    fn add_ns(&mut self, name: &str) -> Result<(), String> {
        run("ip", &["netns", "add", name])?;
        self.namespaces.push(name.to_string());
        // No duplicate address detection: link-local and host addresses are usable at once.
        run(
            "ip",
            &[
                "netns",
                "exec",
                name,
                "sh",
                "-c",
                "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad && \
                 echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad",
            ],
        )?;
        run("ip", &["-n", name, "link", "set", "lo", "up"])
    }

    fn add_host(&mut self, zone: usize, addr: IpAddr) -> Result<(), String> {
        if !self.hosts.insert((zone, addr)) {
            return Ok(());
        }
        let ns = self.zone_ns(zone);
        let a = host_cidr(addr);
        let mut args = vec!["-n", ns.as_str(), "addr", "add", a.as_str(), "dev", "br0"];
        if addr.is_ipv6() {
            args.push("nodad");
        }
        run("ip", &args)
    }
}

fn host_cidr(a: IpAddr) -> String {
    match a {
        IpAddr::V4(_) => format!("{a}/32"),
        IpAddr::V6(_) => format!("{a}/128"),
    }
}

/// An interval of the address axis as CIDR blocks.
fn cidrs(lo: u128, hi: u128) -> Vec<String> {
    let v4 = v4_space().contains(lo);
    let (base, bits) = if v4 {
        (lo & !0xffff_ffff, 32)
    } else {
        (0, 128)
    };
    let mut out = Vec::new();
    let mut cur = lo - base;
    let end = hi - base;
    loop {
        let mut size_bits = if cur == 0 {
            bits
        } else {
            cur.trailing_zeros().min(bits)
        };
        while size_bits > 0 && (size_bits >= 128 || cur + ((1u128 << size_bits) - 1) > end) {
            size_bits -= 1;
        }
        let addr = u128_to_addr(cur + base);
        out.push(format!("{addr}/{}", bits - size_bits));
        let step = if size_bits >= 128 {
            u128::MAX
        } else {
            1u128 << size_bits
        };
        match cur.checked_add(step) {
            Some(n) if n <= end && n != 0 => cur = n,
            _ => break,
        }
    }
    out
}

fn build(net: &Network, base: &Path) -> Result<Lab, String> {
    let mut lab = Lab {
        tag: format!("mnc{}", std::process::id() % 100_000),
        namespaces: Vec::new(),
        hosts: BTreeSet::new(),
    };
    for z in 0..net.zones.len() {
        let ns = lab.zone_ns(z);
        lab.add_ns(&ns)?;
        run("ip", &["-n", &ns, "link", "add", "br0", "type", "bridge"])?;
        run("ip", &["-n", &ns, "link", "set", "br0", "up"])?;
    }
    for (d, dev) in net.devices.iter().enumerate() {
        let ns = lab.dev_ns(d);
        lab.add_ns(&ns)?;
        run(
            "ip",
            &[
                "netns",
                "exec",
                &ns,
                "sh",
                "-c",
                "echo 1 > /proc/sys/net/ipv4/ip_forward && \
                 echo 1 > /proc/sys/net/ipv6/conf/all/forwarding && \
                 echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter && \
                 echo 0 > /proc/sys/net/ipv4/conf/default/rp_filter",
            ],
        )?;
        for (k, iface) in dev.interfaces.iter().enumerate() {
            let zns = lab.zone_ns(iface.zone);
            let peer = format!("d{d}i{k}");
            run(
                "ip",
                &[
                    "-n",
                    &ns,
                    "link",
                    "add",
                    &iface.name,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    &peer,
                    "netns",
                    &zns,
                ],
            )?;
            run("ip", &["-n", &zns, "link", "set", &peer, "master", "br0"])?;
            run("ip", &["-n", &zns, "link", "set", &peer, "up"])?;
            run("ip", &["-n", &ns, "link", "set", &iface.name, "up"])?;
            for &a in &iface.addresses {
                let addr = u128_to_addr(a);
                let cidr = host_cidr(addr);
                let mut args = vec![
                    "-n",
                    ns.as_str(),
                    "addr",
                    "add",
                    cidr.as_str(),
                    "dev",
                    iface.name.as_str(),
                ];
                if addr.is_ipv6() {
                    args.push("nodad");
                }
                run("ip", &args)?;
                // Hosts of the zone reach the device's address on the link.
                run("ip", &["-n", &zns, "route", "add", &cidr, "dev", "br0"])?;
            }
            let zone = &net.zones[iface.zone];
            if zone.default {
                run(
                    "ip",
                    &["-n", &ns, "route", "add", "default", "dev", &iface.name],
                )?;
                run(
                    "ip",
                    &[
                        "-n",
                        &ns,
                        "-6",
                        "route",
                        "add",
                        "default",
                        "dev",
                        &iface.name,
                    ],
                )?;
            } else {
                for &(lo, hi) in zone.space.ranges() {
                    for c in cidrs(lo, hi) {
                        run("ip", &["-n", &ns, "route", "add", &c, "dev", &iface.name])?;
                    }
                }
            }
        }
        for r in &dev.routes {
            let via = u128_to_addr(r.via).to_string();
            run("ip", &["-n", &ns, "route", "add", &r.to_text, "via", &via])?;
        }
        for c in &dev.configs {
            let path = base.join(&c.path);
            let path_s = path.display().to_string();
            match c.format {
                ConfigFormat::NftablesJson => {
                    run("ip", &["netns", "exec", &ns, "nft", "-j", "-f", &path_s])?
                }
                // Appliance formats are checked against their nftables translations
                // (tests/translations.rs), not loaded into Linux.
                ConfigFormat::Fortigate | ConfigFormat::Yamaha => {
                    return Err(format!(
                        "{path_s}: appliance configuration cannot be loaded"
                    ));
                }
                ConfigFormat::IptablesSave | ConfigFormat::Ip6tablesSave => {
                    let tool = if c.format == ConfigFormat::IptablesSave {
                        "iptables-restore"
                    } else {
                        "ip6tables-restore"
                    };
                    let out = Command::new("ip")
                        .args(["netns", "exec", &ns, tool])
                        .stdin(std::fs::File::open(&path).map_err(|e| e.to_string())?)
                        .output()
                        .map_err(|e| e.to_string())?;
                    if !out.status.success() {
                        return Err(format!(
                            "{tool} {path_s}: {}",
                            String::from_utf8_lossy(&out.stderr)
                        ));
                    }
                }
            }
        }
    }
    for (z, zone) in net.zones.iter().enumerate() {
        let ns = lab.zone_ns(z);
        for r in &zone.routes {
            let via = u128_to_addr(r.via).to_string();
            run(
                "ip",
                &[
                    "-n", &ns, "route", "add", &r.to_text, "via", &via, "dev", "br0",
                ],
            )?;
        }
        for &g in &zone.gateways {
            let via = u128_to_addr(g).to_string();
            let fam = if g_is_v4(g) { "-4" } else { "-6" };
            run(
                "ip",
                &[
                    "-n", &ns, fam, "route", "add", "default", "via", &via, "dev", "br0",
                ],
            )?;
        }
    }
    Ok(lab)
}

fn g_is_v4(a: u128) -> bool {
    v4_space().contains(a)
}

// ------------------------------------------------------------------ probes

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Probe {
    proto: &'static str,
    src_zone: usize,
    src: IpAddr,
    dst: IpAddr,
    port: u16,
}

/// Where the engine says the packet ends up: (zone, address, port) as delivered.
fn predict(net: &Network, rulesets: &[Ruleset], p: &Probe) -> Option<(usize, IpAddr, u16)> {
    let proto = match (p.proto, p.dst.is_ipv4()) {
        ("tcp", _) => 6,
        ("udp", _) => 17,
        (_, true) => 1,
        (_, false) => 58,
    };
    let mut b = HBox::full()
        .with(SRC, IntervalSet::point(addr_to_u128(p.src)))
        .with(DST, IntervalSet::point(addr_to_u128(p.dst)))
        .with(PROTO, IntervalSet::point(proto))
        .with(CT, IntervalSet::point(CT_NEW));
    if proto == 6 || proto == 17 {
        b = b
            .with(DPORT, IntervalSet::point(u128::from(p.port)))
            // The kernel picks an ephemeral source port.
            .with(SPORT, IntervalSet::range(32768, 60999));
    }
    let d = deliveries(net, rulesets, &b);
    let first = d.first()?;
    let addr = u128_to_addr(first.flow.cur.dims[DST].first()?);
    let port = u16::try_from(first.flow.cur.dims[DPORT].first()?).ok()?;
    Some((first.dst_zone, addr, port))
}

fn run_scenario(sc: &Scenario) -> Result<(usize, Vec<String>), String> {
    let (net, rulesets, base) = load(sc);
    let report = verify(&net, &rulesets);
    let zone_of = |a: IpAddr| net.zone_of(addr_to_u128(a));
    let device_addr = |a: IpAddr| net.owner_of(addr_to_u128(a)).is_some();

    // Hosts: one per zone and family, the declared relays/endpoints, a few named servers.
    let mut hosts: BTreeMap<IpAddr, Vec<(&'static str, u16)>> = BTreeMap::new();
    let grid = vec![("tcp", 80), ("tcp", 443), ("udp", 53), ("icmp", 0)];
    for zone in &net.zones {
        if zone.default {
            hosts.insert("203.0.113.10".parse().unwrap(), grid.clone());
            continue;
        }
        for &(lo, hi) in zone.space.ranges() {
            if hi - lo > 20 {
                hosts.insert(u128_to_addr(lo + 10), grid.clone());
            }
        }
    }
    for e in net.relays.iter().chain(&net.tokutei).chain(&net.cloud) {
        let Some(a) = e.addresses.first() else {
            continue;
        };
        let ports: Vec<(&str, u16)> = e
            .services
            .iter()
            .filter_map(|s| {
                let p = if s.dims[PROTO].contains(6) {
                    "tcp"
                } else {
                    "udp"
                };
                Some((p, u16::try_from(s.dims[DPORT].first()?).ok()?))
            })
            .collect();
        hosts.entry(u128_to_addr(a)).or_default().extend(ports);
    }
    for (a, proto, port) in [
        ("10.20.0.25", "tcp", 25),
        ("10.20.0.50", "tcp", 3389),
        ("198.51.100.10", "tcp", 8080),
        ("198.51.100.25", "tcp", 25),
        ("192.0.2.10", "tcp", 443),
    ] {
        hosts
            .entry(a.parse().unwrap())
            .or_default()
            .push((proto, port));
    }
    let mut probes: BTreeSet<Probe> = BTreeSet::new();
    for &src in hosts.keys() {
        for (&dst, ports) in &hosts {
            let (Some(sz), Some(dz)) = (zone_of(src), zone_of(dst)) else {
                continue;
            };
            if sz == dz || src.is_ipv4() != dst.is_ipv4() {
                continue;
            }
            for &(proto, port) in ports {
                probes.insert(Probe {
                    proto,
                    src_zone: sz,
                    src,
                    dst,
                    port,
                });
            }
        }
    }
    // Every violation's example packet, as its sender writes it.
    for v in &report.violations {
        let e = &v.example;
        let proto = match e.protocol.as_str() {
            "tcp" => "tcp",
            "udp" => "udp",
            "icmp" | "icmpv6" => "icmp",
            _ => continue,
        };
        let Some(sz) = zone_of(e.src) else { continue };
        probes.insert(Probe {
            proto,
            src_zone: sz,
            src: e.src,
            dst: e.dst,
            port: e.dst_port.unwrap_or(0),
        });
    }

    let mut lab = build(&net, &base)?;
    // Listeners at the predicted delivery point, or at the destination itself when the engine
    // predicts no delivery (so that an unexpected path would be noticed).
    let mut expected = Vec::new();
    let mut listeners: BTreeMap<usize, BTreeSet<(&'static str, IpAddr, u16)>> = BTreeMap::new();
    for p in &probes {
        let pred = predict(&net, &rulesets, p);
        let at = match pred {
            Some(x) => Some(x),
            None if !device_addr(p.dst) => zone_of(p.dst).map(|z| (z, p.dst, p.port)),
            None => None,
        };
        if let Some((z, a, port)) = at
            && !device_addr(a)
        {
            lab.add_host(z, a)?;
            // The kernel answers ICMP echo itself.
            if p.proto != "icmp" {
                listeners.entry(z).or_default().insert((p.proto, a, port));
            }
        }
        lab.add_host(p.src_zone, p.src)?;
        expected.push(pred.is_some());
    }
    let mut servers: Vec<Child> = Vec::new();
    let mut result = Ok(());
    for (z, list) in &listeners {
        let spec: String = list
            .iter()
            .map(|(proto, a, port)| format!("{proto} {a} {port}\n"))
            .collect();
        match spawn_helper(&lab.zone_ns(*z), "server", &spec) {
            Ok(mut child) => {
                let ready = wait_ready(&mut child);
                servers.push(child);
                if let Err(e) = ready {
                    result = Err(e);
                    break;
                }
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let outcome = result.and_then(|()| {
        let mut reached = send_probes(&lab, &probes)?;
        // A first packet can be lost to neighbour discovery on a fresh link: probes that
        // disagree are sent once more before they count as mismatches.
        let retry: BTreeSet<Probe> = probes
            .iter()
            .zip(&expected)
            .zip(&reached)
            .filter(|((_, e), g)| e != g)
            .map(|((p, _), _)| p.clone())
            .collect();
        if !retry.is_empty() {
            std::thread::sleep(Duration::from_secs(1));
            let again = send_probes(&lab, &retry)?;
            for (p, got) in retry.iter().zip(again) {
                if let Some(i) = probes.iter().position(|q| q == p) {
                    reached[i] = got;
                }
            }
        }
        Ok(reached)
    });
    for mut s in servers {
        let _ = s.kill();
        let _ = s.wait();
    }
    let reached = outcome?;
    let mut mismatches = Vec::new();
    for ((p, exp), got) in probes.iter().zip(&expected).zip(&reached) {
        if exp != got {
            mismatches.push(format!(
                "{} {} → {}:{}: engine says {}, network says {}",
                p.proto,
                p.src,
                p.dst,
                p.port,
                if *exp { "reachable" } else { "unreachable" },
                if *got { "reachable" } else { "unreachable" }
            ));
        }
    }
    let reachable = expected.iter().filter(|e| **e).count();
    println!(
        "  {} violations reported; {reachable} of {} probes predicted reachable",
        report.violations.len(),
        probes.len()
    );
    drop(lab);
    Ok((probes.len(), mismatches))
}

fn spawn_helper(ns: &str, role: &str, stdin_text: &str) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns])
        .arg(exe)
        .env(HELPER_ENV, role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin
        .write_all(stdin_text.as_bytes())
        .map_err(|e| e.to_string())?;
    drop(stdin);
    Ok(child)
}

fn wait_ready(child: &mut Child) -> Result<(), String> {
    let out = child.stdout.as_mut().ok_or("no stdout")?;
    let mut line = String::new();
    let mut reader = BufReader::new(out);
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    if line.trim() == "ready" {
        Ok(())
    } else {
        Err(format!("listener did not start: {line}"))
    }
}

/// Run every probe from its source zone; returns reachability in probe order.
fn send_probes(lab: &Lab, probes: &BTreeSet<Probe>) -> Result<Vec<bool>, String> {
    let mut by_zone: BTreeMap<usize, Vec<(usize, &Probe)>> = BTreeMap::new();
    for (i, p) in probes.iter().enumerate() {
        by_zone.entry(p.src_zone).or_default().push((i, p));
    }
    let mut clients = Vec::new();
    for (z, list) in &by_zone {
        let spec: String = list
            .iter()
            .map(|(i, p)| format!("{i} {} {} {} {}\n", p.proto, p.src, p.dst, p.port))
            .collect();
        clients.push(spawn_helper(&lab.zone_ns(*z), "client", &spec)?);
    }
    let mut reached = vec![false; probes.len()];
    let mut seen = 0;
    for mut c in clients {
        let mut out = String::new();
        c.stdout
            .as_mut()
            .ok_or("no stdout")?
            .read_to_string(&mut out)
            .map_err(|e| e.to_string())?;
        let status = c.wait().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("probe client failed: {out}"));
        }
        for line in out.lines() {
            let mut parts = line.split_whitespace();
            let (Some(i), Some(r)) = (parts.next(), parts.next()) else {
                continue;
            };
            let i: usize = i.parse().map_err(|_| format!("bad client output {line}"))?;
            match r {
                "ok" => reached[i] = true,
                "no" => {}
                other => return Err(format!("probe {i}: {other} {line}")),
            }
            seen += 1;
        }
    }
    if seen != probes.len() {
        return Err(format!("{seen} of {} probes answered", probes.len()));
    }
    Ok(reached)
}

// ------------------------------------------------------------------ helper (inside a namespace)

fn helper(role: &str) -> i32 {
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_err() {
        return 3;
    }
    match role {
        "server" => server(&input),
        "client" => client(&input),
        _ => 3,
    }
}

fn server(spec: &str) -> i32 {
    let mut threads = Vec::new();
    for line in spec.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [proto, addr, port] = parts.as_slice() else {
            return 3;
        };
        let sa = SocketAddr::new(addr.parse().unwrap(), port.parse().unwrap());
        let domain = Domain::for_address(sa);
        if *proto == "tcp" {
            let s = Socket::new(domain, Type::STREAM, Some(Protocol::TCP)).unwrap();
            s.set_reuse_address(true).unwrap();
            if let Err(e) = s.bind(&sa.into()) {
                eprintln!("bind {sa}: {e}");
                return 3;
            }
            s.listen(256).unwrap();
            let l: TcpListener = s.into();
            threads.push(std::thread::spawn(move || {
                for c in l.incoming() {
                    drop(c);
                }
            }));
        } else {
            let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP)).unwrap();
            if let Err(e) = s.bind(&sa.into()) {
                eprintln!("bind {sa}: {e}");
                return 3;
            }
            let u: UdpSocket = s.into();
            threads.push(std::thread::spawn(move || {
                let mut buf = [0u8; 64];
                while let Ok((n, from)) = u.recv_from(&mut buf) {
                    let _ = u.send_to(&buf[..n], from);
                }
            }));
        }
    }
    println!("ready");
    let _ = std::io::stdout().flush();
    for t in threads {
        let _ = t.join();
    }
    0
}

fn client(spec: &str) -> i32 {
    let mut threads = Vec::new();
    for line in spec.lines() {
        let parts: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        threads.push(std::thread::spawn(move || {
            let [id, proto, src, dst, port] = parts.as_slice() else {
                return "x bad-spec".to_string();
            };
            let src: IpAddr = src.parse().unwrap();
            let dst = SocketAddr::new(dst.parse().unwrap(), port.parse().unwrap());
            let domain = Domain::for_address(dst);
            let bind = SocketAddr::new(src, 0);
            let ok = if proto == "icmp" {
                match ping(src, dst.ip(), id.parse().unwrap_or(0)) {
                    Ok(ok) => ok,
                    Err(e) => return format!("{id} icmp-error:{e}"),
                }
            } else if proto == "tcp" {
                let s = Socket::new(domain, Type::STREAM, Some(Protocol::TCP)).unwrap();
                if let Err(e) = s.bind(&bind.into()) {
                    return format!("{id} bind-error:{e}");
                }
                s.connect_timeout(&dst.into(), TIMEOUT).is_ok()
            } else {
                let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP)).unwrap();
                if let Err(e) = s.bind(&bind.into()) {
                    return format!("{id} bind-error:{e}");
                }
                let u: UdpSocket = s.into();
                u.set_read_timeout(Some(TIMEOUT)).unwrap();
                let mut buf = [0u8; 64];
                u.send_to(b"mamori", dst).is_ok() && u.recv_from(&mut buf).is_ok()
            };
            format!("{id} {}", if ok { "ok" } else { "no" })
        }));
    }
    for t in threads {
        match t.join() {
            Ok(line) => println!("{line}"),
            Err(_) => return 3,
        }
    }
    0
}

/// ICMP(v6) echo from `src` to `dst` on a raw socket; true when the reply comes back.
fn ping(src: IpAddr, dst: IpAddr, ident: u16) -> std::io::Result<bool> {
    let v4 = dst.is_ipv4();
    let (domain, proto, request, reply) = if v4 {
        (Domain::IPV4, Protocol::ICMPV4, 8u8, 0u8)
    } else {
        (Domain::IPV6, Protocol::ICMPV6, 128u8, 129u8)
    };
    let s = Socket::new(domain, Type::RAW, Some(proto))?;
    s.bind(&SocketAddr::new(src, 0).into())?;
    let mut pkt = vec![request, 0, 0, 0];
    pkt.extend_from_slice(&ident.to_be_bytes());
    pkt.extend_from_slice(&1u16.to_be_bytes());
    pkt.extend_from_slice(b"mamori-netcheck");
    if v4 {
        // The kernel fills in the ICMPv6 checksum, not the ICMPv4 one.
        let mut sum = 0u32;
        for chunk in pkt.chunks(2) {
            let word = u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        let c = !(sum as u16);
        pkt[2..4].copy_from_slice(&c.to_be_bytes());
    }
    let u: UdpSocket = s.into();
    u.set_read_timeout(Some(Duration::from_millis(200)))?;
    u.send_to(&pkt, SocketAddr::new(dst, 0))?;
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut buf = [0u8; 1500];
    while std::time::Instant::now() < deadline {
        let Ok((n, from)) = u.recv_from(&mut buf) else {
            continue;
        };
        if from.ip() != dst {
            continue;
        }
        // Raw IPv4 sockets deliver the IP header; IPv6 ones do not.
        let off = if v4 {
            usize::from(buf[0] & 0x0f) * 4
        } else {
            0
        };
        if n >= off + 8 && buf[off] == reply && buf[off + 4..off + 6] == ident.to_be_bytes() {
            return Ok(true);
        }
    }
    Ok(false)
}
