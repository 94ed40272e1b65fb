//! The simulated networks of `guild_tests::netns` do what tests rely on:
//! a room's hosts reach each other, and the two kinds of office NAT map as
//! they claim — endpoint-independent keeps one public port per socket
//! whatever it sends to, symmetric picks a new one per destination — and
//! nothing outside can dial into an office.
//!
//! Needs root, iproute2 and nftables; says it was skipped otherwise.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use guild_tests::netns::{Internet, Nat, Office, Room, nat_skip_reason, skip_reason};

/// Where a datagram from `from` came from, as seen by a socket at `at`.
fn seen_from(at: &UdpSocket) -> Option<SocketAddr> {
    at.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut buf = [0u8; 64];
    at.recv_from(&mut buf).ok().map(|(_, from)| from)
}

#[test]
fn a_rooms_hosts_reach_each_other() {
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let room = Room::new("room", 3).unwrap();
    assert_eq!(room.len(), 3);
    let target = SocketAddr::from((room.ip(2), 4000));
    let listener = room
        .host(2)
        .enter(move || UdpSocket::bind(target).unwrap())
        .unwrap();
    room.host(0)
        .enter(move || {
            let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
            socket.send_to(b"hello", target).unwrap();
        })
        .unwrap();
    let from = seen_from(&listener).expect("host 0's datagram arrived");
    assert_eq!(from.ip(), room.ip(0), "no NAT inside a room");
    // And a command in a host's namespace sees that host's address.
    let addrs = room.host(1).ip(&["-br", "addr"]).unwrap();
    assert!(addrs.contains(&room.ip(1).to_string()), "{addrs}");
}

/// The public ports one office socket gets towards two internet ports,
/// and whether an unsolicited datagram from outside got in.
fn mapping(nat: Nat) -> (u16, u16, bool) {
    let internet = Internet::new("map").unwrap();
    let office = Office::new("map", &internet, nat, 1).unwrap();
    let targets = [4001, 4002].map(|port| SocketAddr::from((Internet::ADDR, port)));
    let listeners: Vec<UdpSocket> = targets
        .iter()
        .map(|t| {
            let t = *t;
            internet
                .ns()
                .enter(move || UdpSocket::bind(t).unwrap())
                .unwrap()
        })
        .collect();
    let inside = SocketAddr::from((office.ip(0), 5000));
    let socket = office
        .host(0)
        .enter(move || UdpSocket::bind(inside).unwrap())
        .unwrap();
    for target in targets {
        socket.send_to(b"out", target).unwrap();
    }
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| {
            let from = seen_from(l).expect("the office's datagram arrived");
            assert_eq!(
                from.ip(),
                office.public(),
                "the router's address, not the host's"
            );
            from.port()
        })
        .collect();
    // A stranger on the internet sends to the office's public address, at
    // the port the socket was mapped to, from a port nobody talked to.
    let to = SocketAddr::from((office.public(), ports[0]));
    internet
        .ns()
        .enter(move || {
            let stranger = UdpSocket::bind((Internet::ADDR, 4999)).unwrap();
            stranger.send_to(b"in", to).unwrap();
        })
        .unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let got_in = socket.recv_from(&mut [0u8; 64]).is_ok();
    (ports[0], ports[1], got_in)
}

#[test]
fn office_nats_map_as_they_claim_and_let_nobody_in() {
    if let Some(reason) = nat_skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let (first, second, got_in) = mapping(Nat::EndpointIndependent);
    assert_eq!(
        first, second,
        "endpoint-independent: one public port whatever the destination"
    );
    assert!(!got_in, "an unsolicited datagram must not get in");
    let (first, second, got_in) = mapping(Nat::Symmetric);
    assert_ne!(
        first, second,
        "symmetric: a new public port for each destination"
    );
    assert!(!got_in, "an unsolicited datagram must not get in");
}
