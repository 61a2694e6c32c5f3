//! The network policy: which addresses a guest may bind, connect (or send) to, and
//! receive from name lookups.
//!
//! A policy is three allow-lists of [`Grant`]s (IP range x port range), one per
//! [`NetUse`], after cap-primitives `src/net/pool.rs` and wasmtime's `SocketAddrUse`.
//! The library default is [`NetworkPolicy::deny_all`]; [`NetworkPolicy::allow_all`] gives
//! WasmEdge's behaviour (no restriction). A refusal is `EACCES` and is traced.
//!
//! IPv4 grants also match IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`), because a
//! dual-stack IPv6 socket reaches IPv4 hosts that way.

use std::{
    fmt, io,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    str::FromStr,
};

use crate::error::PolicyError;

/// An IP range in CIDR form (`10.0.0.0/8`, `::1/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpRange {
    net: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// The range `net/prefix`; host bits of `net` are ignored.
    ///
    /// # Errors
    /// [`PolicyError::BadPrefix`] when `prefix` exceeds 32 (IPv4) or 128 (IPv6).
    pub fn new(net: IpAddr, prefix: u8) -> Result<IpRange, PolicyError> {
        let max = if net.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(PolicyError::BadPrefix { prefix, max });
        }
        Ok(IpRange { net, prefix })
    }

    /// Every IPv4 and IPv6 address (two ranges are needed; this is the IPv4 half).
    pub const ANY_V4: IpRange = IpRange {
        net: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        prefix: 0,
    };
    /// Every IPv6 address.
    pub const ANY_V6: IpRange = IpRange {
        net: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        prefix: 0,
    };

    /// Whether `ip` lies in the range (IPv4 ranges also match IPv4-mapped IPv6).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(
                u128::from(net.to_bits()),
                u128::from(ip.to_bits()),
                self.prefix,
                32,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(net.to_bits(), ip.to_bits(), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, prefix: u8, width: u32) -> bool {
    let shift = width - u32::from(prefix);
    shift >= width || (a >> shift) == (b >> shift)
}

/// An inclusive port range; `*` is `0-65535`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortRange {
    lo: u16,
    hi: u16,
}

impl PortRange {
    /// All ports.
    pub const ANY: PortRange = PortRange {
        lo: 0,
        hi: u16::MAX,
    };

    /// The range `lo..=hi`.
    ///
    /// # Errors
    /// [`PolicyError::EmptyPortRange`] when `lo > hi`.
    pub fn new(lo: u16, hi: u16) -> Result<PortRange, PolicyError> {
        if lo > hi {
            return Err(PolicyError::EmptyPortRange { lo, hi });
        }
        Ok(PortRange { lo, hi })
    }

    /// Whether `port` is in the range.
    #[must_use]
    pub fn contains(&self, port: u16) -> bool {
        (self.lo..=self.hi).contains(&port)
    }
}

/// One allow-list entry: an IP range crossed with a port range.
///
/// Parsed from CLI specs: `127.0.0.1/8:1024-65535`, `[::1]:80`, `0.0.0.0/0:*`,
/// `[::]/0:*`, `10.1.2.3:8080`. An address without `/prefix` is a single host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grant {
    /// Addresses covered.
    pub ips: IpRange,
    /// Ports covered.
    pub ports: PortRange,
}

impl Grant {
    /// Whether the grant covers `addr`. For [`NetUse::Bind`], port 0 ("kernel picks an
    /// ephemeral port") matches any grant whose IP range matches, since the port cannot
    /// be known in advance.
    #[must_use]
    pub fn covers(&self, use_: NetUse, addr: SocketAddr) -> bool {
        let port_ok =
            self.ports.contains(addr.port()) || (use_ == NetUse::Bind && addr.port() == 0);
        port_ok && self.ips.contains(addr.ip())
    }
}

impl FromStr for Grant {
    type Err = PolicyError;

    fn from_str(spec: &str) -> Result<Grant, PolicyError> {
        let spec = spec.trim();
        let (host, ports) = if let Some(rest) = spec.strip_prefix('[') {
            // `[v6]:ports` or `[v6]/prefix:ports` or `[v6/prefix]:ports`.
            let (inside, after) = rest.split_once(']').ok_or(PolicyError::BadAddress)?;
            let (prefix_part, ports) = after.rsplit_once(':').ok_or(PolicyError::MissingPort)?;
            (format!("{inside}{prefix_part}"), ports)
        } else {
            let (host, ports) = spec.rsplit_once(':').ok_or(PolicyError::MissingPort)?;
            (host.to_owned(), ports)
        };
        Ok(Grant {
            ips: parse_range(&host)?,
            ports: parse_ports(ports)?,
        })
    }
}

fn parse_range(host: &str) -> Result<IpRange, PolicyError> {
    let (addr, prefix) = match host.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (host, None),
    };
    let net = IpAddr::from_str(addr).map_err(|_| PolicyError::BadAddress)?;
    let max = if net.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p.parse::<u8>().map_err(|_| PolicyError::BadPrefix {
            prefix: u8::MAX,
            max,
        })?,
        None => max,
    };
    IpRange::new(net, prefix)
}

fn parse_ports(ports: &str) -> Result<PortRange, PolicyError> {
    if ports == "*" {
        return Ok(PortRange::ANY);
    }
    let num = |s: &str| s.trim().parse::<u16>().map_err(|_| PolicyError::BadPort);
    match ports.split_once('-') {
        Some((lo, hi)) => PortRange::new(num(lo)?, num(hi)?),
        None => {
            let p = num(ports)?;
            PortRange::new(p, p)
        }
    }
}

/// What an address is used for; each use has its own allow-list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetUse {
    /// `bind` (and the implicit bind of `listen` on an unbound socket).
    Bind,
    /// `connect`, and `send_to` a destination.
    Connect,
    /// An address returned by name resolution.
    Lookup,
}

impl fmt::Display for NetUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetUse::Bind => "bind",
            NetUse::Connect => "connect",
            NetUse::Lookup => "lookup",
        })
    }
}

/// Allow-lists for bind, connect and lookup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPolicy {
    bind: Vec<Grant>,
    connect: Vec<Grant>,
    lookup: Vec<Grant>,
}

impl NetworkPolicy {
    /// Nothing allowed: the library default.
    #[must_use]
    pub fn deny_all() -> NetworkPolicy {
        NetworkPolicy::default()
    }

    /// Everything allowed, for every use: WasmEdge-compatible behaviour.
    #[must_use]
    pub fn allow_all() -> NetworkPolicy {
        let all = vec![
            Grant {
                ips: IpRange::ANY_V4,
                ports: PortRange::ANY,
            },
            Grant {
                ips: IpRange::ANY_V6,
                ports: PortRange::ANY,
            },
        ];
        NetworkPolicy {
            bind: all.clone(),
            connect: all.clone(),
            lookup: all,
        }
    }

    /// Adds `grant` to the allow-list for `use_` (builder style).
    #[must_use]
    pub fn allow(mut self, use_: NetUse, grant: Grant) -> NetworkPolicy {
        self.grants_mut(use_).push(grant);
        self
    }

    /// Adds `grant` to the allow-list for `use_`.
    pub fn insert(&mut self, use_: NetUse, grant: Grant) {
        self.grants_mut(use_).push(grant);
    }

    /// The allow-list for `use_`.
    #[must_use]
    pub fn grants(&self, use_: NetUse) -> &[Grant] {
        match use_ {
            NetUse::Bind => &self.bind,
            NetUse::Connect => &self.connect,
            NetUse::Lookup => &self.lookup,
        }
    }

    fn grants_mut(&mut self, use_: NetUse) -> &mut Vec<Grant> {
        match use_ {
            NetUse::Bind => &mut self.bind,
            NetUse::Connect => &mut self.connect,
            NetUse::Lookup => &mut self.lookup,
        }
    }

    /// Whether `addr` is allowed for `use_`.
    #[must_use]
    pub fn allows(&self, use_: NetUse, addr: SocketAddr) -> bool {
        self.grants(use_).iter().any(|g| g.covers(use_, addr))
    }

    /// Checks `addr` for `use_`; a refusal is traced and returned as `EACCES`.
    ///
    /// # Errors
    /// `EACCES` (maps to [`crate::Errno::Acces`]) when no grant covers `addr`.
    pub fn check(&self, use_: NetUse, addr: SocketAddr) -> io::Result<()> {
        if self.allows(use_, addr) {
            return Ok(());
        }
        tracing::warn!(%use_, %addr, "hostsock: network policy denied");
        Err(io::Error::from_raw_os_error(libc::EACCES))
    }
}
