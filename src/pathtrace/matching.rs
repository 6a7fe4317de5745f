//! How one security-group rule or network-ACL entry matches a flow: protocol, ports, addresses.
//! Port ranges are inclusive; a rule without ports covers all of them.

use ipnetwork::IpNetwork;

use super::Protocol;
use crate::model::properties::{NetworkAclEntry, SecurityGroupRule};

/// `inner` lies entirely within `outer` (same address family).
pub fn contains(outer: &IpNetwork, inner: &IpNetwork) -> bool {
    match (outer, inner) {
        (IpNetwork::V4(outer), IpNetwork::V4(inner)) => {
            outer.prefix() <= inner.prefix() && outer.contains(inner.network())
        }
        (IpNetwork::V6(outer), IpNetwork::V6(inner)) => {
            outer.prefix() <= inner.prefix() && outer.contains(inner.network())
        }
        _ => false,
    }
}

pub fn parse_network(text: &str) -> Option<IpNetwork> {
    text.parse::<IpNetwork>()
        .ok()
        .map(|network| IpNetwork::new(network.network(), network.prefix()).unwrap_or(network))
}

/// Whether a rule's protocol string covers the queried protocol. `all` is only covered by `-1`.
pub fn protocol_matches(rule_protocol: &str, protocol: Protocol, ipv6: bool) -> bool {
    match (rule_protocol, protocol) {
        ("-1", _) => true,
        ("tcp", Protocol::Tcp) | ("udp", Protocol::Udp) => true,
        ("icmp", Protocol::Icmp) => !ipv6,
        ("icmpv6", Protocol::Icmp) => ipv6,
        _ => false,
    }
}

/// Whether `port` falls in `[from, to]`; no range, or the ICMP/all-traffic case, covers every port.
pub fn port_matches(
    from: Option<i32>,
    to: Option<i32>,
    protocol: Protocol,
    port: Option<u16>,
) -> bool {
    if !matches!(protocol, Protocol::Tcp | Protocol::Udp) {
        return true;
    }
    let Some(port) = port else { return true };
    match (from, to) {
        (Some(from), Some(to)) if from >= 0 => (from..=to).contains(&i32::from(port)),
        _ => true,
    }
}

/// The SG rule's ports for `protocol` as a range (all ports when it has none).
pub fn sg_rule_ports(rule: &SecurityGroupRule) -> (u16, u16) {
    match (rule.from_port, rule.to_port) {
        (Some(from), Some(to)) if from >= 0 && rule.protocol != "-1" => {
            (from.clamp(0, 65535) as u16, to.clamp(0, 65535) as u16)
        }
        _ => (0, 65535),
    }
}

pub fn nacl_entry_ports(entry: &NetworkAclEntry) -> (u16, u16) {
    match (entry.port_from, entry.port_to) {
        (Some(from), Some(to)) if entry.protocol != "-1" => {
            (from.clamp(0, 65535) as u16, to.clamp(0, 65535) as u16)
        }
        _ => (0, 65535),
    }
}

/// The entry's address, for the family of the flow.
pub fn nacl_entry_network(entry: &NetworkAclEntry, ipv6: bool) -> Option<IpNetwork> {
    let text = if ipv6 {
        entry.ipv6_cidr_block.as_deref()
    } else {
        entry.cidr_block.as_deref()
    };
    text.and_then(parse_network)
}

/// A set of port intervals, kept sorted and merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortSet(pub Vec<(u16, u16)>);

impl PortSet {
    pub fn all() -> Self {
        PortSet(vec![(0, 65535)])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn add(&mut self, from: u16, to: u16) {
        self.0.push((from, to));
        self.0.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(self.0.len());
        for &(from, to) in &self.0 {
            match merged.last_mut() {
                Some(last) if u32::from(from) <= u32::from(last.1) + 1 => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        self.0 = merged;
    }

    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let mut result = PortSet::default();
        for &(a_from, a_to) in &self.0 {
            for &(b_from, b_to) in &other.0 {
                let (from, to) = (a_from.max(b_from), a_to.min(b_to));
                if from <= to {
                    result.add(from, to);
                }
            }
        }
        result
    }

    pub fn remove(&mut self, from: u16, to: u16) {
        let mut kept = Vec::new();
        for &(a_from, a_to) in &self.0 {
            if a_to < from || a_from > to {
                kept.push((a_from, a_to));
                continue;
            }
            if a_from < from {
                kept.push((a_from, from - 1));
            }
            if a_to > to {
                kept.push((to + 1, a_to));
            }
        }
        self.0 = kept;
    }

    pub fn covers(&self, from: u16, to: u16) -> bool {
        self.0
            .iter()
            .any(|&(a_from, a_to)| a_from <= from && a_to >= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_respects_prefix_and_family() {
        let net = |text: &str| parse_network(text).unwrap();
        assert!(contains(&net("10.0.0.0/16"), &net("10.0.1.0/24")));
        assert!(!contains(&net("10.0.1.0/24"), &net("10.0.0.0/16")));
        assert!(contains(&net("0.0.0.0/0"), &net("0.0.0.0/0")));
        assert!(!contains(&net("0.0.0.0/0"), &net("::/0")));
        assert!(contains(&net("::/0"), &net("2600::1/128")));
        assert_eq!(net("10.0.1.7/24").to_string(), "10.0.1.0/24");
    }

    #[test]
    fn protocols_and_ports() {
        assert!(protocol_matches("-1", Protocol::All, false));
        assert!(!protocol_matches("tcp", Protocol::All, false));
        assert!(protocol_matches("icmpv6", Protocol::Icmp, true));
        assert!(!protocol_matches("icmp", Protocol::Icmp, true));
        assert!(port_matches(Some(20), Some(25), Protocol::Tcp, Some(22)));
        assert!(!port_matches(Some(20), Some(25), Protocol::Tcp, Some(26)));
        assert!(port_matches(None, None, Protocol::Tcp, Some(26)));
    }

    #[test]
    fn port_sets_merge_intersect_and_remove() {
        let mut set = PortSet::default();
        set.add(80, 80);
        set.add(81, 90);
        set.add(443, 443);
        assert_eq!(set.0, vec![(80, 90), (443, 443)]);
        let mut nacl = PortSet::all();
        nacl.remove(85, 500);
        assert_eq!(set.intersect(&nacl).0, vec![(80, 84)]);
        assert!(PortSet::all().covers(1024, 65535));
        assert!(!nacl.covers(80, 90));
    }
}
