//! The inventory: zones, model variant, devices and their interfaces, relays, 特定通信 and (α′)
//! allowed cloud destinations. Read from TOML (see `examples/inventory.toml`) and validated into
//! a [`Network`] the engine can use.

use crate::error::NetcheckError;
use crate::loc::line_col;
use crate::model::{ModelVariant, ZoneKind};
use crate::space::{
    DPORT, HBox, IntervalSet, PROTO, SRC, addr_to_u128, parse_prefix, proto_number, service_port,
    u128_to_addr,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Largest configuration or inventory file read (bytes). Larger files are refused with a clear
/// message rather than exhausting memory.
pub const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

// ---------------------------------------------------------------- TOML shape

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryFile {
    organisation: OrganisationToml,
    #[serde(default)]
    analysis: AnalysisToml,
    #[serde(default)]
    config_dir: Option<String>,
    #[serde(default, rename = "zone")]
    zones: Vec<ZoneToml>,
    #[serde(default, rename = "device")]
    devices: Vec<DeviceToml>,
    #[serde(default, rename = "relay")]
    relays: Vec<EndpointToml>,
    #[serde(default, rename = "tokutei")]
    tokutei: Vec<EndpointToml>,
    #[serde(default, rename = "cloud")]
    cloud: Vec<EndpointToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationToml {
    name: String,
    model: ModelVariant,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisToml {
    #[serde(default)]
    host_routing: HostRouting,
}

/// How hosts choose their next hop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostRouting {
    /// Hosts may send to any router on their segment (sound against hosts with their own
    /// static routes; the default).
    #[default]
    AnyRouter,
    /// Hosts use only the declared gateways and zone routes (what a tidy network does; used
    /// to compare with a lab built from the inventory).
    Declared,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneToml {
    name: String,
    kind: ZoneKind,
    #[serde(default)]
    subnets: Vec<String>,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    gateway: Vec<String>,
    /// Static routes of the zone's hosts (e.g. relays that reach the LGWAN tier via the core).
    #[serde(default, rename = "route")]
    routes: Vec<RouteToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceToml {
    name: String,
    #[serde(default)]
    configs: Vec<ConfigToml>,
    #[serde(default, rename = "interface")]
    interfaces: Vec<InterfaceToml>,
    #[serde(default, rename = "route")]
    routes: Vec<RouteToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigToml {
    path: String,
    format: ConfigFormat,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InterfaceToml {
    name: String,
    zone: String,
    #[serde(default)]
    addresses: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteToml {
    to: String,
    via: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndpointToml {
    name: String,
    #[serde(default)]
    kind: Option<String>,
    addresses: Vec<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    direction: Option<Direction>,
}

/// Configuration file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigFormat {
    /// `nft -j list ruleset`
    NftablesJson,
    /// `iptables-save`
    IptablesSave,
    /// `ip6tables-save`
    Ip6tablesSave,
    /// FortiGate configuration text (`show full-configuration`, backup file).
    Fortigate,
    /// YAMAHA RTX configuration (`show config`).
    Yamaha,
}

/// Which way a 特定通信 may be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the マイナンバー利用事務系 to the endpoint.
    Outbound,
    /// From the endpoint into the マイナンバー利用事務系.
    Inbound,
    Both,
}

// ---------------------------------------------------------------- validated model

#[derive(Clone, Debug)]
pub struct Zone {
    pub name: String,
    pub kind: ZoneKind,
    /// Every address of the zone (for the default zone: everything not in another zone).
    pub space: IntervalSet,
    pub default: bool,
    /// Default gateways of hosts in this zone.
    pub gateways: Vec<u128>,
    /// Static routes of hosts in this zone (more specific than the gateway).
    pub routes: Vec<Route>,
}

#[derive(Clone, Debug)]
pub struct Interface {
    pub name: String,
    pub zone: usize,
    pub addresses: Vec<u128>,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub to: IntervalSet,
    pub to_text: String,
    pub via: u128,
}

#[derive(Clone, Debug)]
pub struct ConfigRef {
    pub path: String,
    pub format: ConfigFormat,
}

#[derive(Clone, Debug)]
pub struct Device {
    pub name: String,
    pub configs: Vec<ConfigRef>,
    pub interfaces: Vec<Interface>,
    pub routes: Vec<Route>,
}

/// A declared endpoint set: relay, 特定通信 endpoint or α′ cloud destination.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub name: String,
    pub kind: Option<String>,
    pub addresses: IntervalSet,
    /// (protocol, destination port) boxes; empty = any service.
    pub services: Vec<HBox>,
    pub direction: Direction,
}

impl Endpoint {
    /// Headers whose destination is this endpoint on one of its services.
    pub fn as_destination(&self) -> Vec<HBox> {
        let base = HBox::full().with(crate::space::DST, self.addresses.clone());
        self.with_services(base)
    }

    /// Headers whose source is this endpoint (on any service).
    pub fn as_source(&self) -> HBox {
        HBox::full().with(SRC, self.addresses.clone())
    }

    /// Headers from this endpoint to one of its services (inbound 特定通信).
    pub fn as_source_to_services(&self) -> Vec<HBox> {
        self.with_services(self.as_source())
    }

    fn with_services(&self, base: HBox) -> Vec<HBox> {
        if self.services.is_empty() {
            return vec![base];
        }
        self.services
            .iter()
            .filter_map(|s| base.intersect(s))
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct Network {
    pub organisation: String,
    pub model: ModelVariant,
    pub host_routing: HostRouting,
    pub zones: Vec<Zone>,
    pub devices: Vec<Device>,
    pub relays: Vec<Endpoint>,
    pub tokutei: Vec<Endpoint>,
    pub cloud: Vec<Endpoint>,
}

impl Network {
    /// The zone containing an address (zones are disjoint after validation).
    pub fn zone_of(&self, addr: u128) -> Option<usize> {
        self.zones.iter().position(|z| z.space.contains(addr))
    }

    /// The device and interface that own an address.
    pub fn owner_of(&self, addr: u128) -> Option<(usize, usize)> {
        for (d, dev) in self.devices.iter().enumerate() {
            for (i, iface) in dev.interfaces.iter().enumerate() {
                if iface.addresses.contains(&addr) {
                    return Some((d, i));
                }
            }
        }
        None
    }
}

// ---------------------------------------------------------------- loading

/// Reads files named in the inventory. The CLI uses [`FsLoader`]; the web page can upload files
/// into a [`MemLoader`].
pub trait Loader {
    fn load(&self, path: &str) -> Result<String, NetcheckError>;
    /// Names (as they would be written in the inventory) of the files in a directory.
    fn list_dir(&self, dir: &str) -> Result<Vec<String>, NetcheckError>;
}

/// Files relative to a base directory (the inventory's directory).
pub struct FsLoader {
    pub base: PathBuf,
    /// Files larger than this are refused (default [`MAX_FILE_BYTES`]).
    pub max_bytes: u64,
}

impl FsLoader {
    pub fn new(base: impl Into<PathBuf>) -> Self {
        FsLoader {
            base: base.into(),
            max_bytes: MAX_FILE_BYTES,
        }
    }

    fn full(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }
}

impl Loader for FsLoader {
    fn load(&self, path: &str) -> Result<String, NetcheckError> {
        let full = self.full(path);
        let io = |e: std::io::Error| NetcheckError::Io {
            path: path.to_string(),
            reason: e.to_string(),
        };
        let meta = std::fs::metadata(&full).map_err(io)?;
        if meta.len() > self.max_bytes {
            return Err(NetcheckError::TooLarge {
                file: path.to_string(),
                limit: self.max_bytes,
            });
        }
        let bytes = std::fs::read(&full).map_err(io)?;
        String::from_utf8(bytes).map_err(|e| NetcheckError::Io {
            path: path.to_string(),
            reason: format!("not UTF-8 text ({e})"),
        })
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<String>, NetcheckError> {
        let full = self.full(dir);
        let rd = std::fs::read_dir(&full).map_err(|e| NetcheckError::Io {
            path: dir.to_string(),
            reason: e.to_string(),
        })?;
        let mut out = Vec::new();
        for entry in rd.flatten() {
            if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
                let name = entry.file_name().to_string_lossy().into_owned();
                out.push(format!("{}/{}", dir.trim_end_matches('/'), name));
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Files held in memory (uploads, tests).
#[derive(Default)]
pub struct MemLoader {
    pub files: BTreeMap<String, String>,
}

impl Loader for MemLoader {
    fn load(&self, path: &str) -> Result<String, NetcheckError> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| NetcheckError::Io {
                path: path.to_string(),
                reason: "no such uploaded file".into(),
            })
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<String>, NetcheckError> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        Ok(self
            .files
            .keys()
            .filter(|k| k.starts_with(&prefix) && !k[prefix.len()..].contains('/'))
            .cloned()
            .collect())
    }
}

// ---------------------------------------------------------------- validation

fn inv_err(file: &str, message: impl Into<String>) -> NetcheckError {
    NetcheckError::Inventory {
        file: file.to_string(),
        message: message.into(),
    }
}

fn parse_addr(file: &str, what: &str, text: &str) -> Result<u128, NetcheckError> {
    let a: IpAddr = text
        .trim()
        .parse()
        .map_err(|_| inv_err(file, format!("{what}: `{text}` is not an IP address")))?;
    Ok(addr_to_u128(a))
}

fn parse_net(file: &str, what: &str, text: &str) -> Result<IntervalSet, NetcheckError> {
    parse_prefix(text).ok_or_else(|| {
        inv_err(
            file,
            format!("{what}: `{text}` is not an address or prefix"),
        )
    })
}

/// Parse `tcp/25`, `udp/53`, `tcp/8000-8080`, `icmp`, `any`.
pub fn parse_service(text: &str) -> Option<HBox> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("any") {
        return Some(HBox::full());
    }
    let (proto, ports) = match text.split_once('/') {
        Some((p, r)) => (p, Some(r)),
        None => (text, None),
    };
    let p = proto_number(proto)?;
    let mut b = HBox::full().with(PROTO, IntervalSet::point(u128::from(p)));
    if let Some(r) = ports {
        let (lo, hi) = match r.split_once('-') {
            Some((a, b)) => (service_port(a)?, service_port(b)?),
            None => {
                let v = service_port(r)?;
                (v, v)
            }
        };
        b = b.with(DPORT, IntervalSet::range(u128::from(lo), u128::from(hi)));
    }
    Some(b)
}

fn endpoint(
    file: &str,
    what: &str,
    e: &EndpointToml,
    default_direction: Direction,
) -> Result<Endpoint, NetcheckError> {
    let mut addresses = IntervalSet::empty();
    if e.addresses.is_empty() {
        return Err(inv_err(
            file,
            format!("{what} `{}` has no addresses", e.name),
        ));
    }
    for a in &e.addresses {
        addresses = addresses.union(&parse_net(file, &format!("{what} `{}`", e.name), a)?);
    }
    let mut services = Vec::new();
    for s in &e.services {
        services.push(parse_service(s).ok_or_else(|| {
            inv_err(
                file,
                format!(
                    "{what} `{}`: service `{s}` is not like tcp/25, udp/53, tcp/8000-8080, icmp or any",
                    e.name
                ),
            )
        })?);
    }
    Ok(Endpoint {
        name: e.name.clone(),
        kind: e.kind.clone(),
        addresses,
        services,
        direction: e.direction.unwrap_or(default_direction),
    })
}

/// Parse and validate an inventory. `file` is the name used in messages.
pub fn parse_inventory(
    file: &str,
    text: &str,
    loader: &dyn Loader,
) -> Result<Network, NetcheckError> {
    if text.trim().is_empty() {
        return Err(NetcheckError::EmptyFile {
            file: file.to_string(),
        });
    }
    let raw: InventoryFile = toml::from_str(text).map_err(|e| {
        let (line, column, snippet) = match e.span() {
            Some(span) => {
                let (l, c) = line_col(text, span.start);
                let line_text = text.lines().nth(l.saturating_sub(1)).unwrap_or("");
                (l, c, line_text.trim().to_string())
            }
            None => (0, 0, String::new()),
        };
        NetcheckError::Syntax {
            file: file.to_string(),
            line,
            column,
            text: snippet,
            message: e.message().to_string(),
        }
    })?;

    // Zones: parse, check names, check overlap, then give the default zone the rest.
    let mut zones: Vec<Zone> = Vec::new();
    let mut prefixes: Vec<Vec<(String, IntervalSet)>> = Vec::new();
    let mut names = BTreeSet::new();
    for z in &raw.zones {
        if !names.insert(z.name.clone()) {
            return Err(inv_err(
                file,
                format!("zone `{}` is declared twice", z.name),
            ));
        }
        if z.default && !z.subnets.is_empty() {
            return Err(inv_err(
                file,
                format!(
                    "zone `{}` is the default zone and must not list subnets",
                    z.name
                ),
            ));
        }
        if !z.default && z.subnets.is_empty() {
            return Err(inv_err(file, format!("zone `{}` has no subnets", z.name)));
        }
        let mut space = IntervalSet::empty();
        let mut ps = Vec::new();
        for s in &z.subnets {
            let set = parse_net(file, &format!("zone `{}`", z.name), s)?;
            space = space.union(&set);
            ps.push((s.clone(), set));
        }
        prefixes.push(ps);
        zones.push(Zone {
            name: z.name.clone(),
            kind: z.kind,
            space,
            default: z.default,
            gateways: Vec::new(),
            routes: Vec::new(),
        });
    }
    if zones.iter().filter(|z| z.default).count() > 1 {
        return Err(inv_err(file, "more than one zone has `default = true`"));
    }
    for i in 0..zones.len() {
        for j in i + 1..zones.len() {
            for (pa, sa) in &prefixes[i] {
                for (pb, sb) in &prefixes[j] {
                    if !sa.intersect(sb).is_empty() {
                        return Err(NetcheckError::OverlappingZones {
                            a: zones[i].name.clone(),
                            b: zones[j].name.clone(),
                            a_prefix: pa.clone(),
                            b_prefix: pb.clone(),
                        });
                    }
                }
            }
        }
    }
    let declared = zones
        .iter()
        .fold(IntervalSet::empty(), |acc, z| acc.union(&z.space));
    for z in &mut zones {
        if z.default {
            z.space = declared.complement(u128::MAX);
        }
    }
    let zone_index = |name: &str| zones.iter().position(|z| z.name == name);

    // Devices.
    let mut devices = Vec::new();
    let mut dev_names = BTreeSet::new();
    for d in &raw.devices {
        if !dev_names.insert(d.name.clone()) {
            return Err(inv_err(
                file,
                format!("device `{}` is declared twice", d.name),
            ));
        }
        if d.configs.is_empty() {
            return Err(NetcheckError::DeviceWithoutConfig {
                device: d.name.clone(),
            });
        }
        let mut interfaces = Vec::new();
        let mut if_names = BTreeSet::new();
        for i in &d.interfaces {
            if !if_names.insert(i.name.clone()) {
                return Err(inv_err(
                    file,
                    format!("device `{}` declares interface `{}` twice", d.name, i.name),
                ));
            }
            let zone = zone_index(&i.zone).ok_or_else(|| {
                inv_err(
                    file,
                    format!(
                        "device `{}` interface `{}` faces unknown zone `{}`",
                        d.name, i.name, i.zone
                    ),
                )
            })?;
            let mut addresses = Vec::new();
            for a in &i.addresses {
                let v = parse_addr(
                    file,
                    &format!("device `{}` interface `{}`", d.name, i.name),
                    a,
                )?;
                if !zones[zone].space.contains(v) {
                    return Err(match zones.iter().position(|z| z.space.contains(v)) {
                        Some(other) => inv_err(
                            file,
                            format!(
                                "device `{}` interface `{}` address {a} is in zone `{}`, not in `{}`",
                                d.name, i.name, zones[other].name, i.zone
                            ),
                        ),
                        None => NetcheckError::AddressInNoZone {
                            what: format!("device `{}` interface `{}`", d.name, i.name),
                            address: a.clone(),
                        },
                    });
                }
                addresses.push(v);
            }
            interfaces.push(Interface {
                name: i.name.clone(),
                zone,
                addresses,
            });
        }
        let mut routes = Vec::new();
        for r in &d.routes {
            let what = format!("device `{}` route to {}", d.name, r.to);
            routes.push(Route {
                to: parse_net(file, &what, &r.to)?,
                to_text: r.to.clone(),
                via: parse_addr(file, &what, &r.via)?,
            });
        }
        devices.push(Device {
            name: d.name.clone(),
            configs: d
                .configs
                .iter()
                .map(|c| ConfigRef {
                    path: c.path.clone(),
                    format: c.format,
                })
                .collect(),
            interfaces,
            routes,
        });
    }

    let mut relays = Vec::new();
    for r in &raw.relays {
        relays.push(endpoint(file, "relay", r, Direction::Both)?);
    }
    let mut tokutei = Vec::new();
    for t in &raw.tokutei {
        tokutei.push(endpoint(file, "tokutei", t, Direction::Outbound)?);
    }
    let mut cloud = Vec::new();
    for c in &raw.cloud {
        cloud.push(endpoint(file, "cloud", c, Direction::Outbound)?);
    }

    let mut net = Network {
        organisation: raw.organisation.name.clone(),
        model: raw.organisation.model,
        host_routing: raw.analysis.host_routing,
        zones,
        devices,
        relays,
        tokutei,
        cloud,
    };

    // Gateways must be an address of a device interface inside the zone.
    for (zi, z) in raw.zones.iter().enumerate() {
        for g in &z.gateway {
            let v = parse_addr(file, &format!("zone `{}` gateway", z.name), g)?;
            if !net.zones[zi].space.contains(v) {
                return Err(inv_err(
                    file,
                    format!("zone `{}` gateway {g} is not inside the zone", z.name),
                ));
            }
            if net.owner_of(v).is_none() {
                return Err(inv_err(
                    file,
                    format!(
                        "zone `{}` gateway {g} is not an address of any device interface",
                        z.name
                    ),
                ));
            }
            net.zones[zi].gateways.push(v);
        }
        for r in &z.routes {
            let what = format!("zone `{}` route to {}", z.name, r.to);
            let route = Route {
                to: parse_net(file, &what, &r.to)?,
                to_text: r.to.clone(),
                via: parse_addr(file, &what, &r.via)?,
            };
            if !net.zones[zi].space.contains(route.via) || net.owner_of(route.via).is_none() {
                return Err(inv_err(
                    file,
                    format!(
                        "{what}: {} is not an address of a device interface in the zone",
                        r.via
                    ),
                ));
            }
            net.zones[zi].routes.push(route);
        }
    }
    for d in &net.devices {
        for r in &d.routes {
            if net.owner_of(r.via).is_none() {
                return Err(inv_err(
                    file,
                    format!(
                        "device `{}` route to {} via {}: no device interface has that address",
                        d.name,
                        r.to_text,
                        u128_to_addr(r.via)
                    ),
                ));
            }
        }
    }
    // Declared endpoints must lie inside declared (non-default) zones when there is no default
    // zone; with a default zone every address has a zone.
    for (what, list) in [
        ("relay", &net.relays),
        ("tokutei", &net.tokutei),
        ("cloud", &net.cloud),
    ] {
        for e in list {
            let mut rest = e.addresses.clone();
            for z in &net.zones {
                rest = rest.subtract(&z.space);
            }
            if let Some(a) = rest.first() {
                return Err(NetcheckError::AddressInNoZone {
                    what: format!("{what} `{}`", e.name),
                    address: u128_to_addr(a).to_string(),
                });
            }
        }
    }

    // Every file in config_dir must belong to a device.
    if let Some(dir) = &raw.config_dir {
        let referenced: BTreeSet<String> = net
            .devices
            .iter()
            .flat_map(|d| d.configs.iter().map(|c| normalise(&c.path)))
            .collect();
        for f in loader.list_dir(dir)? {
            if !referenced.contains(&normalise(&f)) {
                return Err(NetcheckError::ConfigWithoutDevice { file: f });
            }
        }
    }
    Ok(net)
}

fn normalise(p: &str) -> String {
    p.trim_start_matches("./").replace("//", "/")
}
