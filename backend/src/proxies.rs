//! Who the client really is when a reverse proxy sits in front of the server.
//!
//! `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the connection comes from a
//! configured trusted proxy: anyone else could write them to dodge the login rate limit or to
//! appear as someone else in the logs and the session list.

use ipnet::IpNet;
use std::net::IpAddr;

/// The proxies whose forwarding headers are believed (addresses or networks).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct TrustedProxies(Vec<IpNet>);

/// A client address as the server should see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
    /// Whether the client reached the proxy over HTTPS (false without a trusted proxy).
    pub https: bool,
}

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> TrustedProxies {
        TrustedProxies(nets)
    }

    /// Parses `127.0.0.1`, `10.0.0.0/8` or `::1`; a bare address is a network of one.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| parse_net(entry))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: the right-most address of the `X-Forwarded-For` chain that is
    /// not a trusted proxy (each proxy appends the address it saw, so only entries added by
    /// trusted hops are believable; what the client wrote itself is on the left).
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str], forwarded_proto: &[&str]) -> Client {
        if !self.trusts(peer) {
            return Client {
                ip: canonical(peer),
                https: false,
            };
        }
        let chain: Vec<IpAddr> = forwarded_for
            .iter()
            .flat_map(|header| header.split(','))
            .map(str::trim)
            .map(|entry| entry.parse::<IpAddr>().ok().or_else(|| strip_port(entry)))
            .collect::<Option<Vec<_>>>()
            // A malformed chain cannot be followed: the proxy is the client then.
            .unwrap_or_default();
        let mut ip = canonical(peer);
        for hop in chain.iter().rev() {
            ip = canonical(*hop);
            if !self.trusts(ip) {
                break;
            }
        }
        let https = forwarded_proto
            .iter()
            .flat_map(|header| header.split(','))
            // The first value is what the client used to reach the outermost proxy.
            .next()
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
        Client { ip, https }
    }
}

fn parse_net(entry: &str) -> Result<IpNet, String> {
    let entry = entry.trim();
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!(
                "{entry:?} is not an IP address or network (for example 127.0.0.1 or 10.0.0.0/8)"
            )
        })
}

/// `1.2.3.4:5678` or `[::1]:5678`, as some proxies write them.
fn strip_port(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<std::net::SocketAddr>()
        .ok()
        .map(|addr| addr.ip())
}

/// An IPv4 client seen on an IPv6 socket (`::ffff:1.2.3.4`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn trusted(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_headers_are_ignored() {
        let none = TrustedProxies::default();
        let client = none.client(ip("127.0.0.1"), &["6.6.6.6"], &["https"]);
        assert_eq!(client.ip, ip("127.0.0.1"));
        assert!(!client.https);
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let proxies = trusted(&["127.0.0.2"]);
        let client = proxies.client(ip("127.0.0.2"), &["192.168.1.20"], &["https"]);
        assert_eq!(client.ip, ip("192.168.1.20"));
        assert!(client.https);
        // An untrusted peer gets no say, whatever it writes.
        let direct = proxies.client(ip("127.0.0.1"), &["192.168.1.20"], &["https"]);
        assert_eq!(direct.ip, ip("127.0.0.1"));
        assert!(!direct.https);
    }

    #[test]
    fn what_the_client_wrote_itself_is_skipped() {
        // The client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended the real address.
        let proxies = trusted(&["10.0.0.0/8"]);
        let client = proxies.client(ip("10.0.0.5"), &["6.6.6.6, 203.0.113.9"], &[]);
        assert_eq!(client.ip, ip("203.0.113.9"));
        // Two trusted hops, then the client; several headers count as one list.
        let client = proxies.client(ip("10.0.0.5"), &["6.6.6.6, 203.0.113.9", "10.1.1.1"], &[]);
        assert_eq!(client.ip, ip("203.0.113.9"));
    }

    #[test]
    fn odd_chains_fall_back_to_what_can_be_proven() {
        let proxies = trusted(&["127.0.0.1", "::1"]);
        // Only trusted hops: the left-most one.
        assert_eq!(proxies.client(ip("127.0.0.1"), &["::1"], &[]).ip, ip("::1"));
        // Garbage: the proxy itself.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["not an ip"], &[]).ip,
            ip("127.0.0.1")
        );
        // No header at all.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &[], &[]).ip,
            ip("127.0.0.1")
        );
        // Ports and IPv4-mapped IPv6.
        assert_eq!(
            proxies
                .client(ip("::ffff:127.0.0.1"), &["192.0.2.1:5555"], &[])
                .ip,
            ip("192.0.2.1")
        );
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &["[2001:db8::1]:443"], &["http"]),
            Client {
                ip: ip("2001:db8::1"),
                https: false
            }
        );
    }

    #[test]
    fn entries_parse_or_say_what_is_wrong() {
        assert!(trusted(&["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]).trusts(ip("10.9.8.7")));
        let err = TrustedProxies::parse(&["localhost".to_string()]).unwrap_err();
        assert!(err.contains("localhost"), "{err}");
        assert!(TrustedProxies::parse(&["10.0.0.0/33".to_string()]).is_err());
    }
}
