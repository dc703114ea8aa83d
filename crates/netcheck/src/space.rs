//! Exact header-space algebra: sets of packet headers as unions of disjoint boxes.
//!
//! A header is (source address, destination address, protocol, source port, destination port,
//! connection state). Addresses of both families live in one `u128` axis: IPv6 as is, IPv4 as the
//! IPv4-mapped block `::ffff:0:0/96`, so a rule of the `ip` family is simply a box restricted to
//! that block. Every set operation here is exact (no widening), which is what makes "no path"
//! verdicts trustworthy.

use smallvec::{SmallVec, smallvec};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Axes of the header space.
pub const SRC: usize = 0;
pub const DST: usize = 1;
pub const PROTO: usize = 2;
pub const SPORT: usize = 3;
pub const DPORT: usize = 4;
pub const CT: usize = 5;
pub const DIMS: usize = 6;

/// Largest value on each axis.
pub const DIM_MAX: [u128; DIMS] = [u128::MAX, u128::MAX, 255, 65535, 65535, CT_UNTRACKED];

/// Connection-tracking states as points on the CT axis.
pub const CT_NEW: u128 = 0;
pub const CT_ESTABLISHED: u128 = 1;
pub const CT_RELATED: u128 = 2;
pub const CT_INVALID: u128 = 3;
pub const CT_UNTRACKED: u128 = 4;

/// First and last value of the IPv4-mapped block.
pub const V4_LO: u128 = 0xffff_0000_0000;
pub const V4_HI: u128 = 0xffff_ffff_ffff;

/// Interval storage: most sets are one interval, kept inline (no allocation).
type Ranges = SmallVec<[(u128, u128); 1]>;

/// A sorted list of disjoint, non-adjacent closed intervals.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct IntervalSet {
    ranges: Ranges,
}

impl fmt::Debug for IntervalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ranges.iter()).finish()
    }
}

impl IntervalSet {
    pub fn empty() -> Self {
        IntervalSet {
            ranges: Ranges::new(),
        }
    }

    pub fn range(lo: u128, hi: u128) -> Self {
        if lo > hi {
            return Self::empty();
        }
        IntervalSet {
            ranges: smallvec![(lo, hi)],
        }
    }

    pub fn point(v: u128) -> Self {
        Self::range(v, v)
    }

    /// Build from arbitrary (possibly overlapping, unsorted) intervals.
    pub fn from_ranges(mut input: Vec<(u128, u128)>) -> Self {
        input.retain(|(lo, hi)| lo <= hi);
        input.sort_unstable();
        let mut ranges = Ranges::with_capacity(input.len());
        for (lo, hi) in input {
            match ranges.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => {
                    if hi > last.1 {
                        last.1 = hi;
                    }
                }
                _ => ranges.push((lo, hi)),
            }
        }
        IntervalSet { ranges }
    }

    pub fn ranges(&self) -> &[(u128, u128)] {
        &self.ranges
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn first(&self) -> Option<u128> {
        self.ranges.first().map(|r| r.0)
    }

    pub fn contains(&self, v: u128) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= v && v <= hi)
    }

    /// Number of values, saturating.
    pub fn count(&self) -> u128 {
        self.ranges.iter().fold(0u128, |acc, &(lo, hi)| {
            acc.saturating_add((hi - lo).saturating_add(1))
        })
    }

    pub fn union(&self, other: &IntervalSet) -> IntervalSet {
        let mut all = self.ranges.to_vec();
        all.extend_from_slice(&other.ranges);
        Self::from_ranges(all)
    }

    pub fn intersect(&self, other: &IntervalSet) -> IntervalSet {
        let mut out = Ranges::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a_lo, a_hi) = self.ranges[i];
            let (b_lo, b_hi) = other.ranges[j];
            let lo = a_lo.max(b_lo);
            let hi = a_hi.min(b_hi);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a_hi < b_hi {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet { ranges: out }
    }

    pub fn subtract(&self, other: &IntervalSet) -> IntervalSet {
        let mut out = Ranges::new();
        let mut j = 0;
        for &(lo, hi) in &self.ranges {
            let mut cur = lo;
            let mut done = false;
            while j < other.ranges.len() && other.ranges[j].1 < cur {
                j += 1;
            }
            let mut k = j;
            while k < other.ranges.len() && other.ranges[k].0 <= hi {
                let (b_lo, b_hi) = other.ranges[k];
                if b_lo > cur {
                    out.push((cur, b_lo - 1));
                }
                if b_hi >= hi {
                    done = true;
                    break;
                }
                cur = b_hi + 1;
                k += 1;
            }
            if !done {
                out.push((cur, hi));
            }
        }
        IntervalSet { ranges: out }
    }

    pub fn is_subset_of(&self, other: &IntervalSet) -> bool {
        self.subtract(other).is_empty()
    }

    /// Whether the sets share a value (no allocation).
    pub fn intersects(&self, other: &IntervalSet) -> bool {
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a_lo, a_hi) = self.ranges[i];
            let (b_lo, b_hi) = other.ranges[j];
            if a_lo.max(b_lo) <= a_hi.min(b_hi) {
                return true;
            }
            if a_hi < b_hi {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }

    /// Complement within `[0, max]`.
    pub fn complement(&self, max: u128) -> IntervalSet {
        IntervalSet::range(0, max).subtract(self)
    }
}

/// The address axis restricted to IPv4 (the IPv4-mapped block).
pub fn v4_space() -> IntervalSet {
    IntervalSet::range(V4_LO, V4_HI)
}

/// The address axis restricted to IPv6 (everything except the IPv4-mapped block).
pub fn v6_space() -> IntervalSet {
    v4_space().complement(u128::MAX)
}

pub fn addr_to_u128(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => V4_LO | u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

pub fn u128_to_addr(v: u128) -> IpAddr {
    if (V4_LO..=V4_HI).contains(&v) {
        IpAddr::V4(Ipv4Addr::from((v & 0xffff_ffff) as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(v))
    }
}

/// Parse `a.b.c.d`, `a.b.c.d/n`, `x::y`, `x::y/n` into an address interval.
/// An IPv6 prefix never covers the IPv4-mapped block (a v6 rule does not match v4 packets).
pub fn parse_prefix(text: &str) -> Option<IntervalSet> {
    let text = text.trim();
    let (addr_text, len_text) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let addr: IpAddr = addr_text.parse().ok()?;
    let (bits, base) = match addr {
        IpAddr::V4(_) => (32u32, addr_to_u128(addr)),
        IpAddr::V6(_) => (128u32, addr_to_u128(addr)),
    };
    let len = match len_text {
        Some(l) => l.parse::<u32>().ok()?,
        None => bits,
    };
    if len > bits {
        return None;
    }
    let host_bits = bits - len;
    let mask: u128 = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let lo = base & !mask;
    let hi = lo | mask;
    let set = IntervalSet::range(lo, hi);
    Some(match addr {
        IpAddr::V4(_) => set,
        IpAddr::V6(_) => set.intersect(&v6_space()),
    })
}

/// Parse `a-b` address ranges (iprange, nft ranges). Both ends must be the same family.
pub fn parse_addr_range(lo: &str, hi: &str) -> Option<IntervalSet> {
    let a: IpAddr = lo.trim().parse().ok()?;
    let b: IpAddr = hi.trim().parse().ok()?;
    if a.is_ipv4() != b.is_ipv4() {
        return None;
    }
    Some(IntervalSet::range(addr_to_u128(a), addr_to_u128(b)))
}

/// A box: the product of one interval set per axis.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HBox {
    pub dims: [IntervalSet; DIMS],
}

impl fmt::Debug for HBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HBox{:?}", self.dims)
    }
}

impl HBox {
    /// Every header.
    pub fn full() -> Self {
        HBox {
            dims: DIM_MAX.map(|m| IntervalSet::range(0, m)),
        }
    }

    pub fn with(mut self, dim: usize, set: IntervalSet) -> Self {
        self.dims[dim] = set;
        self
    }

    /// Restrict one axis (intersection).
    pub fn restrict(&mut self, dim: usize, set: &IntervalSet) {
        self.dims[dim] = self.dims[dim].intersect(set);
    }

    pub fn is_empty(&self) -> bool {
        self.dims.iter().any(IntervalSet::is_empty)
    }

    pub fn is_full(&self, dim: usize) -> bool {
        self.dims[dim].ranges() == [(0, DIM_MAX[dim])]
    }

    /// Whether the boxes share a header (no allocation).
    pub fn overlaps(&self, other: &HBox) -> bool {
        (0..DIMS).all(|d| self.dims[d].intersects(&other.dims[d]))
    }

    pub fn intersect(&self, other: &HBox) -> Option<HBox> {
        if !self.overlaps(other) {
            return None;
        }
        let mut out = self.clone();
        for d in 0..DIMS {
            out.dims[d] = self.dims[d].intersect(&other.dims[d]);
            if out.dims[d].is_empty() {
                return None;
            }
        }
        Some(out)
    }

    /// `self \ other` as disjoint boxes (at most one per axis).
    pub fn subtract(&self, other: &HBox) -> Vec<HBox> {
        if !self.overlaps(other) {
            return vec![self.clone()];
        }
        let mut inter = Vec::with_capacity(DIMS);
        for d in 0..DIMS {
            let i = self.dims[d].intersect(&other.dims[d]);
            if i.is_empty() {
                return vec![self.clone()];
            }
            inter.push(i);
        }
        let mut out = Vec::new();
        let mut cur = self.clone();
        for (d, inter_d) in inter.into_iter().enumerate() {
            let diff = cur.dims[d].subtract(&other.dims[d]);
            if !diff.is_empty() {
                let mut piece = cur.clone();
                piece.dims[d] = diff;
                out.push(piece);
            }
            cur.dims[d] = inter_d;
        }
        out
    }

    pub fn is_subset_of(&self, other: &HBox) -> bool {
        (0..DIMS).all(|d| self.dims[d].is_subset_of(&other.dims[d]))
    }
}

/// A union of disjoint boxes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderSet {
    pub boxes: Vec<HBox>,
}

impl HeaderSet {
    pub fn empty() -> Self {
        HeaderSet { boxes: Vec::new() }
    }

    pub fn from_box(b: HBox) -> Self {
        if b.is_empty() {
            return Self::empty();
        }
        HeaderSet { boxes: vec![b] }
    }

    pub fn is_empty(&self) -> bool {
        self.boxes.is_empty()
    }

    pub fn subtract_box(&self, other: &HBox) -> HeaderSet {
        HeaderSet {
            boxes: self.boxes.iter().flat_map(|b| b.subtract(other)).collect(),
        }
    }

    pub fn intersect_box(&self, other: &HBox) -> HeaderSet {
        HeaderSet {
            boxes: self
                .boxes
                .iter()
                .filter_map(|b| b.intersect(other))
                .collect(),
        }
    }

    /// True when `b` is covered by this set.
    pub fn covers(&self, b: &HBox) -> bool {
        let mut rest = HeaderSet::from_box(b.clone());
        for mine in &self.boxes {
            rest = rest.subtract_box(mine);
            if rest.is_empty() {
                return true;
            }
        }
        rest.is_empty()
    }
}

/// A concrete packet header: one point of the space.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExamplePacket {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: String,
    pub protocol_number: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_port: Option<u16>,
}

impl fmt::Display for ExamplePacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let src = fmt_endpoint(self.src, self.src_port);
        let dst = fmt_endpoint(self.dst, self.dst_port);
        write!(f, "{} {} → {}", self.protocol, src, dst)
    }
}

fn fmt_endpoint(a: IpAddr, port: Option<u16>) -> String {
    match (a, port) {
        (IpAddr::V6(a), Some(p)) => format!("[{a}]:{p}"),
        (a, Some(p)) => format!("{a}:{p}"),
        (a, None) => a.to_string(),
    }
}

/// Protocol numbers whose headers carry ports.
pub fn has_ports(proto: u8) -> bool {
    matches!(proto, 6 | 17 | 33 | 132 | 136)
}

pub fn proto_name(p: u8) -> String {
    match p {
        1 => "icmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        58 => "icmpv6".into(),
        132 => "sctp".into(),
        47 => "gre".into(),
        50 => "esp".into(),
        51 => "ah".into(),
        other => format!("proto {other}"),
    }
}

pub fn proto_number(name: &str) -> Option<u8> {
    let n = match name.to_ascii_lowercase().as_str() {
        "icmp" => 1,
        "igmp" => 2,
        "tcp" => 6,
        "udp" => 17,
        "ipv6-icmp" | "icmpv6" | "icmp6" => 58,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "sctp" => 132,
        "udplite" => 136,
        "dccp" => 33,
        other => return other.parse().ok(),
    };
    Some(n)
}

/// A well-known service name to its port (the subset firewall dumps print).
pub fn service_port(name: &str) -> Option<u16> {
    let p = match name.to_ascii_lowercase().as_str() {
        "ftp-data" => 20,
        "ftp" => 21,
        "ssh" => 22,
        "telnet" => 23,
        "smtp" => 25,
        "domain" | "dns" => 53,
        "http" | "www" => 80,
        "pop3" => 110,
        "ntp" => 123,
        "imap" | "imap2" => 143,
        "snmp" => 161,
        "ldap" => 389,
        "https" => 443,
        "submission" => 587,
        "smtps" => 465,
        "ldaps" => 636,
        "imaps" => 993,
        "pop3s" => 995,
        "ms-wbt-server" | "rdp" => 3389,
        "http-alt" | "webcache" => 8080,
        other => return other.parse().ok(),
    };
    Some(p)
}

/// Pick a readable point of a box: usable host addresses, TCP/UDP first, an ephemeral source port.
pub fn example_of(b: &HBox) -> Option<ExamplePacket> {
    let src = pick_addr(&b.dims[SRC])?;
    let dst = pick_addr(&b.dims[DST])?;
    let protos = &b.dims[PROTO];
    let proto = [6u128, 17, 1, 58]
        .into_iter()
        .find(|p| protos.contains(*p))
        .or_else(|| protos.first())?;
    let proto = u8::try_from(proto).ok()?;
    let (src_port, dst_port) = if has_ports(proto) {
        let sp = if b.dims[SPORT].contains(40000) {
            40000
        } else {
            b.dims[SPORT].first()?
        };
        // A common service port if the set has one; never port 0 (no socket can use it).
        let dports = &b.dims[DPORT];
        let dp = [443u128, 80, 22, 25, 53, 3389, 8080]
            .into_iter()
            .find(|p| dports.contains(*p))
            .or_else(|| {
                let lo = dports.first()?;
                if lo == 0 && dports.contains(1) {
                    Some(1)
                } else {
                    Some(lo)
                }
            })?;
        (u16::try_from(sp).ok(), u16::try_from(dp).ok())
    } else {
        (None, None)
    };
    Some(ExamplePacket {
        src: u128_to_addr(src),
        dst: u128_to_addr(dst),
        protocol: proto_name(proto),
        protocol_number: proto,
        src_port,
        dst_port,
    })
}

/// Prefer an address that is not the network address of its range (`.0` / `::`); for sets as
/// large as "the Internet", a documentation address rather than 0.0.0.1.
fn pick_addr(set: &IntervalSet) -> Option<u128> {
    if set.count() > 1 << 24 {
        for text in ["203.0.113.10", "192.0.2.10", "2001:db8::10"] {
            if let Ok(a) = text.parse::<IpAddr>()
                && set.contains(addr_to_u128(a))
            {
                return Some(addr_to_u128(a));
            }
        }
    }
    for &(lo, hi) in set.ranges() {
        if lo < hi {
            return Some(lo + 1);
        }
    }
    set.first()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_subtract_splits_and_merges() {
        let a = IntervalSet::range(0, 100);
        let b = IntervalSet::from_ranges(vec![(10, 20), (30, 40), (90, 200)]);
        assert_eq!(a.subtract(&b).ranges(), &[(0, 9), (21, 29), (41, 89)]);
        assert_eq!(
            IntervalSet::from_ranges(vec![(5, 6), (0, 4), (8, 9)]).ranges(),
            &[(0, 6), (8, 9)]
        );
        assert!(a.subtract(&IntervalSet::range(0, u128::MAX)).is_empty());
    }

    #[test]
    fn box_subtract_is_exact_partition() {
        let a = HBox::full()
            .with(PROTO, IntervalSet::range(0, 20))
            .with(DPORT, IntervalSet::range(0, 100));
        let b = HBox::full()
            .with(PROTO, IntervalSet::point(6))
            .with(DPORT, IntervalSet::point(22));
        let parts = a.subtract(&b);
        assert_eq!(parts.len(), 2);
        // The pieces and the removed part are pairwise disjoint.
        for p in &parts {
            assert!(p.intersect(&b).is_none());
        }
        assert!(parts[0].intersect(&parts[1]).is_none());
        // Sizes add up: 21*101 - 1 = 2120.
        let size: u128 = parts
            .iter()
            .map(|p| p.dims[PROTO].count() * p.dims[DPORT].count())
            .sum();
        assert_eq!(size, 21 * 101 - 1);
    }

    #[test]
    fn prefixes_map_families_apart() {
        let v4 = parse_prefix("10.1.0.0/16").unwrap();
        assert_eq!(v4.count(), 65536);
        assert!(v4.is_subset_of(&v4_space()));
        let all6 = parse_prefix("::/0").unwrap();
        assert!(all6.intersect(&v4_space()).is_empty());
        assert!(parse_prefix("10.0.0.0/33").is_none());
        assert!(parse_prefix("nonsense").is_none());
        let p = parse_prefix("fd00:1::/64").unwrap();
        assert_eq!(
            u128_to_addr(p.first().unwrap()).to_string(),
            "fd00:1::".to_string()
        );
    }
}
