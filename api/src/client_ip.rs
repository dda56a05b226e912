//! The client's address, read once per request by a middleware and found
//! by handlers in the request's extensions. Behind trusted proxies it is
//! the right-most `X-Forwarded-For` hop that is not itself a trusted
//! proxy: proxies append to the header, so hops to the left of that are
//! whatever the client wrote and are never believed. IPv4-mapped IPv6
//! addresses count as IPv4.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use trackr_config::Settings;

use crate::App;

#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

pub fn client_ip(settings: &Settings, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let trusted = |ip: &IpAddr| settings.trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .collect();
    Some(
        hops.iter()
            .rev()
            .find(|ip| !trusted(ip))
            .copied()
            .unwrap_or(peer),
    )
}

/// The middleware that puts `ClientIp` in every request.
pub async fn layer(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let ip = client_ip(&app.settings, peer, req.headers());
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(headers: &[&str], peer: &str, trusted: &str) -> String {
        let settings = Settings::from_pairs([("trusted_proxies", trusted.to_owned())]).unwrap();
        let mut map = HeaderMap::new();
        for h in headers {
            map.append("x-forwarded-for", h.parse().unwrap());
        }
        client_ip(&settings, Some(peer.parse().unwrap()), &map)
            .unwrap()
            .to_string()
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        assert_eq!(
            ip(&["1.2.3.4"], "203.0.113.1", "10.0.0.0/8"),
            "203.0.113.1",
            "untrusted peer"
        );
        assert_eq!(ip(&["1.2.3.4"], "10.0.0.2", "10.0.0.0/8"), "1.2.3.4");
        // A client-written first hop is never believed: the right-most hop
        // that is not one of ours is the client.
        assert_eq!(
            ip(&["6.6.6.6, 1.2.3.4"], "10.0.0.2", "10.0.0.0/8"),
            "1.2.3.4"
        );
        assert_eq!(
            ip(&["6.6.6.6", "1.2.3.4, 10.0.0.9"], "10.0.0.2", "10.0.0.0/8"),
            "1.2.3.4"
        );
        assert_eq!(
            ip(&[], "::ffff:10.0.0.2", "10.0.0.0/8"),
            "10.0.0.2",
            "IPv4-mapped peers match IPv4 ranges"
        );
        assert_eq!(ip(&["garbage"], "10.0.0.2", "10.0.0.0/8"), "10.0.0.2");
    }
}
