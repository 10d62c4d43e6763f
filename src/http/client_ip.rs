//! Who is on the other end: the peer address, or, when the peer is one of
//! `HOMEDISK_TRUSTED_PROXIES` (a load balancer, a reverse proxy), the address it says it
//! forwarded for. Only those proxies are believed: anyone else can write `X-Forwarded-For`.

use std::net::IpAddr;

use ipnet::IpNet;

/// The CIDR ranges whose `X-Forwarded-For` is believed (none by default).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads `10.0.0.0/8, 127.0.0.1` (a bare address is a range of one). `Err` names the part
    /// that is not a range.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let net = part
                .parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("`{part}` is not an address or a CIDR range such as 10.0.0.0/8")
                })?;
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` carrying the `X-Forwarded-For` values `forwarded`
    /// (in header order): walking from the nearest hop back, the first address that is not a
    /// trusted proxy. A malformed hop stops the walk at the last trusted address.
    pub fn client<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded: impl Iterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else { break };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        Some(client)
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket reports it)
/// is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(Some(ip("10.0.0.5")), ["1.2.3.4"].into_iter()),
            Some(ip("10.0.0.5"))
        );

        let lb = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").expect("valid");
        // Through the balancer: the address it saw.
        assert_eq!(lb.client(Some(ip("10.0.0.5")), ["1.2.3.4"].into_iter()), Some(ip("1.2.3.4")));
        // A client that writes its own header gets no further than the balancer's hop.
        assert_eq!(
            lb.client(Some(ip("10.0.0.5")), ["6.6.6.6, 1.2.3.4"].into_iter()),
            Some(ip("1.2.3.4"))
        );
        // Two trusted hops, in two headers.
        assert_eq!(
            lb.client(Some(ip("127.0.0.1")), ["9.9.9.9", "10.1.1.1"].into_iter()),
            Some(ip("9.9.9.9"))
        );
        // Directly, from outside: the header is ignored.
        assert_eq!(lb.client(Some(ip("8.8.8.8")), ["1.2.3.4"].into_iter()), Some(ip("8.8.8.8")));
        // Garbage stops the walk.
        assert_eq!(lb.client(Some(ip("10.0.0.5")), ["nonsense"].into_iter()), Some(ip("10.0.0.5")));
        assert_eq!(
            lb.client(Some(ip("::ffff:10.0.0.5")), ["1.2.3.4"].into_iter()),
            Some(ip("1.2.3.4"))
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
    }
}
