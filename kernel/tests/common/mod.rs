//! What the integration tests that start the kernel binary share: a free port (for names,
//! or a port to hold), and the ports a kernel started from a port-0 connection file serves.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// How long a kernel may take to bind its sockets and write its ports.
const BIND_WAIT: Duration = Duration::from_secs(10);

/// A port free at the time of asking (taken again by anyone at any moment after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The five ports the kernel serves, in the connection file's order (shell, iopub, stdin,
/// control, hb), once it has written them into `file` (it was started with port 0 there:
/// ports picked by a test and freed could be taken by another test before the kernel binds
/// them). Panics with the kernel's exit status if it ends first.
pub fn served_ports(file: &Path, child: &mut Child) -> Vec<u16> {
    let deadline = Instant::now() + BIND_WAIT;
    loop {
        let conn: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let ports: Vec<u16> = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"]
            .iter()
            .map(|k| conn[k].as_u64().unwrap().try_into().unwrap())
            .collect();
        if !ports.contains(&0) {
            return ports;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the kernel exited ({status}) before it bound its sockets");
        }
        assert!(
            Instant::now() < deadline,
            "the kernel did not write its ports into {} in {BIND_WAIT:?}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
