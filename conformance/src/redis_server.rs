//! A real `redis-server` of a test's or a bench's own, for the shared-budget tests and benches
//! that stand on this crate (the command line's, the fleet bench): on 127.0.0.1, on a free
//! port, with no persistence, stopped by its own pid when dropped. A missing binary is a
//! failure that says how to install it, never a silent pass.
//!
//! The transports crate's own Redis tests keep a fuller guard of their own
//! (`transports/tests/budget_support`: it also kills and freezes the server mid-run): that crate
//! cannot depend on this one, which depends on it, and a file shared by path would not build
//! from either crate's package.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl RedisServer {
    /// Starts one and waits (10 s at most) until it answers `PING`.
    ///
    /// # Panics
    ///
    /// When `redis-server` is not installed or does not answer: these tests need a real one.
    pub fn start() -> Self {
        for _ in 0..5 {
            // A port found free may be taken before the server binds it: try a few.
            let port = free_port();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| {
                    panic!(
                        "redis-server could not start ({error}); these tests need a real one: \
                         `apt-get install -y redis-server` (Debian, Ubuntu); .ci/run installs it"
                    )
                });
            let mut server = Self { child, port };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if server.child.try_wait().ok().flatten().is_some() {
                    break;
                }
                if ping(port) {
                    return server;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = server.child.kill();
        }
        panic!("redis-server did not answer PING");
    }

    /// The process id, for `/proc` readings (its CPU time, say).
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// `redis://127.0.0.1:<port>/<db>`.
    pub fn url(&self, db: u8) -> String {
        format!("redis://127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"+PONG\r\n"
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}
