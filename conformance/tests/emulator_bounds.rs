//! The emulator's bounds: request size and time limits, what the request log keeps, and the
//! resident memory of the `clerk-emulator` process under hostile traffic (read from
//! `/proc/<pid>/status`).
//!
//! The memory tests assert [`RSS_BOUND_MIB`], the bound the conformance README states.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use clerk_moderation_conformance::emulator::{
    Emulator, MAX_RECORDED_BYTES, MAX_REQUEST_BODY, RecordedRequest,
};

mod emulator_support;
use emulator_support::*;

/// The most resident memory the emulator process may reach, whatever callers do: 32 MiB of
/// request log, 32 MiB of bodies in flight, 32 MiB of connection read buffers, and room for
/// the rest.
const RSS_BOUND_MIB: u64 = 160;

const MIB: usize = 1024 * 1024;

fn assert_within_bound(emulator: &EmulatorProcess, what: &str) {
    let (rss, peak) = emulator.memory_kib();
    eprintln!(
        "{what}: VmRSS {} MiB, VmHWM {} MiB",
        rss / 1024,
        peak / 1024
    );
    assert!(
        peak < RSS_BOUND_MIB * 1024,
        "{what}: peak RSS {peak} KiB over the bound of {RSS_BOUND_MIB} MiB"
    );
}

fn connect(addr: std::net::SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream
}

/// A POST with a `len`-byte body of `x`, written in 64 KiB pieces, then the whole answer.
fn post_big(addr: std::net::SocketAddr, auth: Option<&str>, len: usize) -> Resp {
    let stream = connect(addr);
    let mut client = Client {
        reader: std::io::BufReader::new(stream),
    };
    let mut head = format!(
        "POST /v1/users/ban HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n"
    );
    if let Some(auth) = auth {
        head.push_str(&format!("Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    let stream = client.reader.get_mut();
    stream.write_all(head.as_bytes()).unwrap();
    let piece = vec![b'x'; 64 * 1024];
    let mut sent = 0;
    while sent < len {
        let n = piece.len().min(len - sent);
        stream
            .write_all(&piece[..n])
            .expect("the emulator reads the whole body");
        sent += n;
    }
    client.read_response().expect("an answer, not a reset")
}

// ---- size and time limits ----------------------------------------------------------------------

#[test]
fn a_body_over_the_limit_gets_413_with_a_clerk_error() {
    let emulator = started();
    let auth = auth(&emulator);
    for key in [Some(auth.as_str()), None] {
        let resp = post_big(emulator.addr(), key, MAX_REQUEST_BODY + 1);
        assert_eq!(resp.status, 413);
        assert_eq!(resp.error_code(), "request_body_too_large");
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert_eq!(resp.header("connection"), Some("close"));
    }
    // Just under the limit is read (and refused for what it is: not JSON).
    let resp = post_big(emulator.addr(), Some(&auth), MAX_REQUEST_BODY);
    assert_eq!(resp.status, 400);
}

#[test]
fn a_chunked_body_over_the_limit_gets_413() {
    let emulator = started();
    let mut stream = connect(emulator.addr());
    let head = format!(
        "POST /v1/users/ban HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        auth(&emulator)
    );
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..(MAX_REQUEST_BODY / chunk.len() + 2) {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .unwrap();
        stream.write_all(&chunk).unwrap();
        stream.write_all(b"\r\n").unwrap();
    }
    stream.write_all(b"0\r\n\r\n").unwrap();
    let mut client = Client {
        reader: std::io::BufReader::new(stream),
    };
    let resp = client.read_response().unwrap();
    assert_eq!(resp.status, 413);
    assert_eq!(resp.error_code(), "request_body_too_large");
}

#[test]
fn a_client_waiting_for_100_continue_gets_413_before_sending() {
    let emulator = started();
    let mut client = Client::connect(&emulator);
    let head = format!(
        "POST /v1/users/ban HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        auth(&emulator),
        MAX_REQUEST_BODY * 16
    );
    client.reader.get_mut().write_all(head.as_bytes()).unwrap();
    let resp = client.read_response().unwrap();
    assert_eq!(resp.status, 413);
    assert_eq!(resp.error_code(), "request_body_too_large");
}

#[test]
fn a_slow_body_gets_408() {
    let emulator = Emulator::builder()
        .read_timeout(Duration::from_secs(1))
        .start()
        .unwrap();
    let mut client = Client::connect(&emulator);
    let head = format!(
        "POST /v1/users/ban HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Length: 100\r\n\r\n{{\"user",
        auth(&emulator)
    );
    client.reader.get_mut().write_all(head.as_bytes()).unwrap();
    let start = Instant::now();
    let resp = client.read_response().expect("a 408");
    assert_eq!(resp.status, 408);
    assert_eq!(resp.error_code(), "request_timeout");
    assert!(start.elapsed() < TIMEOUT);
    // The connection is closed after it.
    assert!(client.read_response().is_err());
    // Recorded, without a body.
    let last = emulator.requests().pop().unwrap();
    assert!(last.body.is_empty());
}

#[test]
fn a_slow_head_closes_the_connection() {
    let emulator = Emulator::builder()
        .read_timeout(Duration::from_secs(1))
        .start()
        .unwrap();
    let mut stream = connect(emulator.addr());
    stream
        .write_all(b"GET /v1/users HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let start = Instant::now();
    let mut buf = [0_u8; 1024];
    // Closed (EOF or reset) well before the client's own 10 s timeout; hyper may write a 408
    // head first.
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        assert!(start.elapsed() < TIMEOUT);
    }
    assert!(start.elapsed() < Duration::from_secs(5));
}

// ---- what the log keeps ----------------------------------------------------------------------

#[test]
fn bodies_without_the_key_are_not_kept() {
    let emulator = started();
    let body = vec![b'{'; 100 * 1024];
    let resp = Client::connect(&emulator).request(
        "POST",
        "/v1/users/ban",
        &[("Authorization", "Bearer sk_test_wrong")],
        &body,
    );
    assert_eq!(resp.status, 401);
    let resp = Client::connect(&emulator).request("POST", "/v1/users/ban", &[], &body);
    assert_eq!(resp.status, 401);
    let kept = emulator.requests();
    assert_eq!(kept.len(), 2);
    assert!(kept.iter().all(|r| r.body.is_empty()));

    let resp = call(&emulator, "POST", "/v1/users/ban", &body);
    assert_eq!(resp.status, 400);
    assert_eq!(emulator.requests().pop().unwrap().body, body);
}

#[test]
fn the_log_is_capped_in_bytes() {
    let emulator = Emulator::builder().no_rate_limit().start().unwrap();
    let request = http::Request::post("/v1/users/ban")
        .header("authorization", auth(&emulator))
        .body(vec![b'x'; MIB - 1024])
        .unwrap();
    for _ in 0..60 {
        assert_eq!(emulator.handle(&request).status(), 400);
    }
    let kept = emulator.requests();
    let bytes: usize = kept.iter().map(RecordedRequest::approximate_size).sum();
    assert!(bytes <= MAX_RECORDED_BYTES, "{bytes}");
    assert!((20..60).contains(&kept.len()), "{}", kept.len());
    assert_eq!(emulator.request_count(), 60);
}

// ---- resident memory of the process under hostile traffic -------------------------------------

#[test]
fn memory_stays_bounded_under_large_bodies() {
    let emulator = EmulatorProcess::spawn(&["--rate-limit", "0", "--read-timeout", "5"]);
    let addr = emulator.addr;
    let auth = format!("Bearer {}", emulator.secret_key);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|worker| {
                let auth = auth.clone();
                scope.spawn(move || {
                    for _ in 0..6 {
                        // Over the limit, without a key: read and thrown away, then 413.
                        assert_eq!(post_big(addr, None, 15 * MIB).status, 413);
                        // Under the limit, without a key: never kept, 401.
                        assert_eq!(post_big(addr, Some("Bearer wrong"), MIB - 1024).status, 401);
                        // Under the limit, with the key: kept in the log (400: not JSON).
                        for _ in 0..5 {
                            assert_eq!(post_big(addr, Some(&auth), MIB - 1024).status, 400);
                        }
                    }
                    worker
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("worker");
        }
    });
    assert_within_bound(&emulator, "large bodies");
}

#[test]
fn memory_stays_bounded_under_slow_drip_bodies() {
    let emulator = EmulatorProcess::spawn(&["--rate-limit", "0", "--read-timeout", "2"]);
    let auth = format!("Bearer {}", emulator.secret_key);
    let head = format!(
        "POST /v1/users/ban HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: 100000\r\n\r\n"
    );
    let mut streams: Vec<TcpStream> = (0..400)
        .filter_map(|_| TcpStream::connect_timeout(&emulator.addr, TIMEOUT).ok())
        .collect();
    assert!(streams.len() >= 300, "only {} connections", streams.len());
    for stream in &mut streams {
        stream
            .set_write_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let _ = stream.write_all(head.as_bytes());
    }
    // One byte per connection every 200 ms, for at most 4 s: past the 2 s read timeout.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(4) {
        for stream in &mut streams {
            let _ = stream.write_all(b"x");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_within_bound(&emulator, "slow drip bodies");
    // Every connection was cut by now: answered 408 then closed, or, when our drip reached the
    // closed socket first, reset (which can discard the 408 before we read it). None is still
    // waiting for an answer.
    let mut answered = 0;
    let mut still_open = 0;
    for stream in &mut streams {
        stream
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        let mut head = [0_u8; 12];
        match stream.read_exact(&mut head) {
            Ok(()) if head.starts_with(b"HTTP/1.1 408") => answered += 1,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                still_open += 1;
            }
            _ => {}
        }
    }
    assert_eq!(
        still_open, 0,
        "{still_open} connections were not cut ({answered} got 408)"
    );
    assert!(answered > 0, "no connection got a 408");
    // And the emulator still serves.
    assert_eq!(emulator.call("GET", "/v1/users/count", b"").status, 200);
}

#[test]
fn memory_stays_bounded_under_many_connections() {
    let emulator = EmulatorProcess::spawn(&["--rate-limit", "0", "--read-timeout", "2"]);
    // Each connection sends an unfinished head of almost 64 KiB: what hyper buffers at most.
    let padding = format!("X-Padding: {}\r\n", "p".repeat(1000));
    let mut head = String::from("GET /v1/users HTTP/1.1\r\nHost: x\r\n");
    for _ in 0..60 {
        head.push_str(&padding);
    }
    let start = Instant::now();
    let mut streams = Vec::new();
    for _ in 0..1500 {
        if start.elapsed() > Duration::from_secs(8) {
            break;
        }
        let Ok(mut stream) = TcpStream::connect_timeout(&emulator.addr, Duration::from_millis(200))
        else {
            continue;
        };
        stream
            .set_write_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let _ = stream.write_all(head.as_bytes());
        streams.push(stream);
    }
    assert!(streams.len() > 600, "only {} connections", streams.len());
    assert_within_bound(&emulator, "many connections");
    drop(streams);
    // Once they are gone, a normal request is served.
    assert_eq!(emulator.call("GET", "/v1/users/count", b"").status, 200);
    assert_within_bound(&emulator, "many connections, after");
}
