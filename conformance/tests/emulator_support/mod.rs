//! What the emulator test files share: a tiny std-only HTTP/1.1 client, helpers to call the
//! emulator, and a handle on the `clerk-emulator` binary run as a child process.

#![allow(dead_code)] // each test file uses its own part

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clerk_moderation_conformance::emulator::Emulator;
use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(10);
pub const VERSION: &str = "2026-05-12";

// ---- a tiny HTTP/1.1 client ------------------------------------------------------------------

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn error_code(&self) -> String {
        let body = self.json();
        let error = &body["errors"][0];
        for field in ["message", "long_message", "code"] {
            assert!(error[field].is_string(), "{field} in {body}");
        }
        assert!(error["meta"].is_object(), "meta in {body}");
        let trace = body["clerk_trace_id"].as_str().expect("clerk_trace_id");
        assert_eq!(self.header("clerk-trace-id"), Some(trace));
        error["code"].as_str().unwrap().to_owned()
    }
}

pub struct Client {
    pub reader: BufReader<TcpStream>,
}

impl Client {
    pub fn connect(emulator: &Emulator) -> Self {
        Self::connect_to(emulator.addr())
    }

    pub fn connect_to(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        Self {
            reader: BufReader::new(stream),
        }
    }

    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        stream.flush().unwrap();
    }

    /// Status line and headers; `Err` on EOF or a reset before a full head.
    pub fn read_head(&mut self) -> io::Result<(u16, Vec<(String, String)>)> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        for _ in 0..200 {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                return Ok((status, headers));
            }
            let (name, value) = trimmed.split_once(':').expect("header line");
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        Err(io::Error::other("too many headers"))
    }

    /// A whole response with a `Content-Length` body; `Err` if the connection ends early.
    pub fn read_response(&mut self) -> io::Result<Resp> {
        let (status, headers) = self.read_head()?;
        let mut resp = Resp {
            status,
            headers,
            body: Vec::new(),
        };
        let len: usize = resp
            .header("content-length")
            .map_or(Ok(0), str::parse)
            .map_err(io::Error::other)?;
        resp.body = vec![0; len];
        self.reader.read_exact(&mut resp.body)?;
        Ok(resp)
    }

    /// Whatever body bytes arrive until the connection ends (or errors).
    pub fn read_to_end_lossy(&mut self) -> Vec<u8> {
        let mut body = Vec::new();
        let mut chunk = [0_u8; 8192];
        for _ in 0..100_000 {
            match self.reader.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
            }
        }
        body
    }

    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        self.send(method, path, headers, body);
        self.read_response().expect("response")
    }
}

pub fn auth(emulator: &Emulator) -> String {
    format!("Bearer {}", emulator.secret_key())
}

/// One authenticated request with the version header, on a fresh connection.
pub fn call(emulator: &Emulator, method: &str, path: &str, body: &[u8]) -> Resp {
    let auth = auth(emulator);
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Clerk-API-Version", VERSION),
        ("Accept", "application/json"),
    ];
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json"));
    }
    Client::connect(emulator).request(method, path, &headers, body)
}

pub fn bulk_body(ids: &[String]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "user_ids": ids })).unwrap()
}

pub fn started() -> Emulator {
    Emulator::builder().no_rate_limit().start().expect("start")
}

/// Writes `raw` (a whole request, head and body) on a fresh connection and reads the answer.
pub fn raw_exchange(addr: SocketAddr, raw: &[u8]) -> Resp {
    let mut client = Client::connect_to(addr);
    let stream = client.reader.get_mut();
    stream.write_all(raw).unwrap();
    stream.flush().unwrap();
    client.read_response().expect("response")
}

/// The emulator's `GET /_emulator/stats`, without a key.
pub fn stats_of(addr: SocketAddr) -> Value {
    let resp = Client::connect_to(addr).request("GET", "/_emulator/stats", &[], b"");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    resp.json()
}

/// Whether every user of a JSON array answer has `field` equal to `value`.
pub fn every_user(resp: &Resp, field: &str, value: &Value) -> bool {
    resp.json()
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {}", String::from_utf8_lossy(&resp.body)))
        .iter()
        .all(|user| user[field] == *value)
}

/// Runs the `clerk-emulator` binary with `args` and standard input closed, to its end (for
/// what exits at once: help, usage errors, bad files).
pub fn run_emulator(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_clerk-emulator"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run clerk-emulator")
}

/// The ids of a JSON array of users.
pub fn ids_in(users: &Value) -> Vec<String> {
    users
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {users}"))
        .iter()
        .map(|u| u["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Parses a body as a list of users and returns their ids.
pub fn ids_of(resp: &Resp) -> Vec<String> {
    resp.json()
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {}", String::from_utf8_lossy(&resp.body)))
        .iter()
        .map(|u| u["id"].as_str().expect("id").to_owned())
        .collect()
}

// ---- the binary as a child process -----------------------------------------------------------

/// A running `clerk-emulator` child: its printed lines, and a handle that kills it on drop, so
/// that it never outlives a failing test.
pub struct EmulatorProcess {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub base_url: String,
    pub addr: SocketAddr,
    pub secret_key: String,
    /// `(label, value)` of every line after `secret_key`.
    pub users: Vec<(String, String)>,
    /// The lines printed after the start-up lines (the stats, when it stops).
    pub later_lines: mpsc::Receiver<String>,
}

impl EmulatorProcess {
    /// Starts the binary with `args` (standard input a pipe, kept open) and reads its lines.
    pub fn spawn(args: &[&str]) -> Self {
        Self::spawn_with_timeout(args, TIMEOUT)
    }

    /// [`EmulatorProcess::spawn`], waiting up to `start_within` for its lines (large users
    /// take a while to load).
    pub fn spawn_with_timeout(args: &[&str], start_within: Duration) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clerk-emulator"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn clerk-emulator");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let lines = read_lines_in_background(stdout);
        let mut process = Self {
            child,
            stdin,
            base_url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            secret_key: String::new(),
            users: Vec::new(),
            later_lines: mpsc::channel().1,
        };
        let deadline = Instant::now() + start_within;
        // The binary prints every line in one write: once the key is there, the users follow
        // at once; a quiet 300 ms after that means they are all in.
        loop {
            let wait = if process.secret_key.is_empty() {
                deadline.saturating_duration_since(Instant::now())
            } else {
                Duration::from_millis(300)
            };
            let Ok(line) = lines.recv_timeout(wait) else {
                break;
            };
            match line.split_once(' ') {
                Some(("base_url", url)) => process.base_url = url.to_owned(),
                Some(("secret_key", key)) => process.secret_key = key.to_owned(),
                Some((label, value)) => process.users.push((label.to_owned(), value.to_owned())),
                None => {}
            }
        }
        assert!(
            !process.secret_key.is_empty(),
            "the emulator printed no secret_key line"
        );
        process.later_lines = lines;
        process.addr = process
            .base_url
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
            .expect("base_url is http://127.0.0.1:port");
        process
    }

    /// Sends `signal`, waits for the exit, and returns the `label value` lines printed after
    /// the start-up lines.
    pub fn stop_with(&mut self, signal: &str) -> Vec<(String, String)> {
        self.signal(signal);
        let status = self.wait_exit(TIMEOUT).expect("exits on the signal");
        assert!(status.success(), "{status:?}");
        // The reader thread ends with the child's output, so this ends at once after the last
        // line; the bounds only guard against a child that would not stop writing.
        let mut lines = Vec::new();
        for _ in 0..1000 {
            let Ok(line) = self.later_lines.recv_timeout(Duration::from_secs(2)) else {
                break;
            };
            if let Some((label, value)) = line.split_once(' ') {
                lines.push((label.to_owned(), value.to_owned()));
            }
        }
        lines
    }

    /// The ids printed with `label` (`user`, `banned_user` or `locked_user`).
    pub fn ids(&self, label: &str) -> Vec<String> {
        self.users
            .iter()
            .filter(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// One request with the key and the version header, on a fresh connection.
    pub fn call(&self, method: &str, path: &str, body: &[u8]) -> Resp {
        let auth = format!("Bearer {}", self.secret_key);
        let mut headers = vec![
            ("Authorization", auth.as_str()),
            ("Clerk-API-Version", VERSION),
        ];
        if !body.is_empty() {
            headers.push(("Content-Type", "application/json"));
        }
        Client::connect_to(self.addr).request(method, path, &headers, body)
    }

    /// `(VmRSS, VmHWM)` in KiB: the resident memory now, and its peak.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/<pid>/status");
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("{name} in /proc/<pid>/status"))
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Sends `signal` (e.g. `TERM`) to this child, by its id, with the system's `kill`.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits up to `limit` for the child to exit; `None` if it is still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_lines_in_background(stdout: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
