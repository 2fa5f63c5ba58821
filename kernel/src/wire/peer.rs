//! Who is at the other end of a connection: the user id that owns the peer's socket.
//!
//! For a Unix socket the kernel says so itself (`SO_PEERCRED`). For TCP there is no such
//! option, but a connection between two processes of this machine has both of its sockets
//! in the same network namespace's table, `/proc/net/tcp` (`tcp6` for IPv6), each line with
//! the uid of the socket's owner. The peer's socket is the line whose local address is the
//! peer's address and whose remote address is the kernel's end of the accepted connection.
//! A peer from another machine (or another network namespace) has no line there.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// TCP states (`include/net/tcp_states.h`) whose lines do not carry the owner's uid: a
/// socket in TIME_WAIT is a kernel leftover shown as uid 0, and LISTEN is never a peer.
const TIME_WAIT: u8 = 0x06;
const LISTEN: u8 = 0x0a;

/// The uid owning the socket at `peer` that is connected to `local`, looked up in this
/// network namespace's TCP tables; None when no such socket is there.
pub fn tcp_owner(peer: SocketAddr, local: SocketAddr) -> Option<u32> {
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().find_map(|table| {
        let text = std::fs::read_to_string(table).ok()?;
        owner_in_table(&text, peer, local)
    })
}

/// The uid on the line of `table` (the text of `/proc/net/tcp` or `tcp6`) whose local
/// address is `peer` and remote address is `local`.
pub fn owner_in_table(table: &str, peer: SocketAddr, local: SocketAddr) -> Option<u32> {
    let (peer, local) = (canonical(peer), canonical(local));
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (own, remote, state, uid) = (fields.get(1)?, fields.get(2)?, fields.get(3)?, fields.get(7)?);
        let state = u8::from_str_radix(state, 16).ok()?;
        if state == TIME_WAIT || state == LISTEN {
            return None;
        }
        (parse_address(own)? == peer && parse_address(remote)? == local).then(|| uid.parse().ok()).flatten()
    })
}

/// An address as the tables print it: the IP as 32-bit words, each printed as a native-
/// endian number in hex (one word for IPv4, four for IPv6), a colon, the port in hex.
fn parse_address(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let mut bytes = Vec::with_capacity(16);
    for word in ip.as_bytes().chunks(8) {
        let word = u32::from_str_radix(std::str::from_utf8(word).ok()?, 16).ok()?;
        bytes.extend_from_slice(&word.to_ne_bytes());
    }
    let ip = match bytes.len() {
        4 => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        16 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => return None,
    };
    Some(canonical(SocketAddr::new(ip, port)))
}

/// IPv4 addresses seen through an IPv6 socket (`::ffff:127.0.0.1`) as plain IPv4, so that
/// both sides of a connection compare equal whichever table and socket family they are in.
fn canonical(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), address.port()),
            None => address,
        },
        IpAddr::V4(_) => address,
    }
}

/// Whether a TCP peer may talk to the kernel, given the owner of its socket (None: not in
/// this machine's tables). Err says why not.
pub fn admit_tcp(peer: SocketAddr, owner: Option<u32>, me: u32) -> Result<(), String> {
    match owner {
        Some(uid) if uid == me => Ok(()),
        Some(uid) => Err(format!("its socket belongs to uid {uid}, not to this kernel's uid {me}")),
        // A loopback peer is on this machine, so its socket must be in the table; not
        // finding it (it closed already, or an exotic setup) fails closed.
        None if canonical(peer).ip().is_loopback() => Err("its socket is not in /proc/net/tcp".into()),
        // Another machine: the kernel listens beyond loopback only when the connection
        // file asks for it, and then, as with ipykernel, the key is what authenticates.
        None => Ok(()),
    }
}

/// The same decision for a Unix socket, whose peer's uid the kernel reports.
pub fn admit_unix(uid: u32, me: u32) -> Result<(), String> {
    if uid == me {
        Ok(())
    } else {
        Err(format!("it runs as uid {uid}, not as this kernel's uid {me}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A real table's shape (x86-64, little-endian): 127.0.0.1:37700 → 127.0.0.1:8888 owned
    // by uid 1001, its accepted twin owned by 1000, the listener, and a TIME_WAIT leftover.
    const TABLE: &str = "\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0
   1: 0100007F:9344 0100007F:22B8 01 00000000:00000000 00:00000000 00000000  1001        0 2 1 0 20 4 30 10 -1
   2: 0100007F:22B8 0100007F:9344 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 20 4 30 10 -1
   3: 0100007F:9345 0100007F:22B8 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0
";

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn finds_the_peers_socket_and_its_owner() {
        let local = addr("127.0.0.1:8888");
        assert_eq!(owner_in_table(TABLE, addr("127.0.0.1:37700"), local), Some(1001));
        // Seen through a dual-stack listener, the same peer is a mapped address.
        assert_eq!(
            owner_in_table(TABLE, addr("[::ffff:127.0.0.1]:37700"), addr("[::ffff:127.0.0.1]:8888")),
            Some(1001)
        );
        // Not the kernel's own end, not a TIME_WAIT leftover, not another port.
        assert_eq!(owner_in_table(TABLE, addr("127.0.0.1:37701"), local), None);
        assert_eq!(owner_in_table(TABLE, addr("127.0.0.1:37700"), addr("127.0.0.1:8889")), None);
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn reads_ipv6_lines() {
        let table = "\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:9344 00000000000000000000000001000000:22B8 01 00000000:00000000 00:00000000 00000000  1002        0 2 1 0 20 4 30 10 -1
   1: 0000000000000000FFFF00000100007F:9346 0000000000000000FFFF00000100007F:22B8 01 00000000:00000000 00:00000000 00000000  1003        0 2 1 0 20 4 30 10 -1
";
        assert_eq!(owner_in_table(table, addr("[::1]:37700"), addr("[::1]:8888")), Some(1002));
        assert_eq!(owner_in_table(table, addr("127.0.0.1:37702"), addr("127.0.0.1:8888")), Some(1003));
    }

    #[test]
    fn a_live_connection_is_found_as_this_users() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, peer) = listener.accept().unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        assert_eq!(tcp_owner(peer, server.local_addr().unwrap()), Some(me));
        // The kernel's own end of the connection is not taken for the peer's.
        assert_eq!(tcp_owner(server.local_addr().unwrap(), peer), Some(me));
        assert_eq!(tcp_owner(addr("127.0.0.1:1"), server.local_addr().unwrap()), None);
    }

    #[test]
    fn the_decision() {
        let local_peer = addr("127.0.0.1:40000");
        assert_eq!(admit_tcp(local_peer, Some(1000), 1000), Ok(()));
        assert!(admit_tcp(local_peer, Some(1001), 1000).unwrap_err().contains("uid 1001"));
        assert!(admit_tcp(local_peer, Some(0), 1000).is_err(), "root's sockets are another user's too");
        assert!(admit_tcp(local_peer, None, 1000).is_err(), "a loopback peer not found fails closed");
        assert!(admit_tcp(addr("[::ffff:127.0.0.5]:1"), None, 1000).is_err());
        assert_eq!(admit_tcp(addr("10.0.0.7:40000"), None, 1000), Ok(()), "another machine: the key decides");
        assert!(admit_tcp(addr("10.0.0.7:40000"), Some(1001), 1000).is_err(), "this machine's other user");
        assert_eq!(admit_unix(1000, 1000), Ok(()));
        assert!(admit_unix(1001, 1000).is_err());
    }
}
