//! A custom transport written as a closure: HTTP/1.1 over a plain `std::net::TcpStream`, one
//! connection per request (`Connection: close`). No TLS, so it refuses anything but
//! `http://` to a loopback host: point it at an emulator.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… CLERK_API_URL=http://127.0.0.1:8080 \
//!     cargo run -p clerk-moderation-transports --example closure_transport -- user_123
//! ```

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
use clerk_moderation_transports::{Client, is_loopback_host};

/// The most response bytes read.
const MAX_RESPONSE: u64 = 1024 * 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("CLERK_SECRET_KEY").map_err(|_| "set CLERK_SECRET_KEY")?;
    let url = std::env::var("CLERK_API_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let user_id = std::env::args()
        .nth(1)
        .ok_or("usage: closure_transport <user_id>")?;

    let config = ApiConfig::new(SecretKey::new(key)?).with_base_url(&url)?;
    // The whole transport: a closure from request to response.
    let transport = |request: http::Request<Vec<u8>>| send_over_tcp(request);
    let client = Client::new(config, transport);

    let user = client.get_user(&UserId::new(user_id)?)?;
    println!(
        "{}: banned {}, locked {}",
        user.id, user.banned, user.locked
    );
    Ok(())
}

fn send_over_tcp(request: http::Request<Vec<u8>>) -> io::Result<http::Response<Vec<u8>>> {
    let uri = request.uri();
    let host = uri.host().unwrap_or_default();
    if uri.scheme_str() != Some("http") || !is_loopback_host(host) {
        // Without TLS the secret key would cross the network in the clear.
        return Err(io::Error::other(
            "this example transport speaks plain HTTP to loopback hosts only",
        ));
    }
    let port = uri.port_u16().unwrap_or(80);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut stream = TcpStream::connect((host, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;

    // The request head, then the body.
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!("{} {path} HTTP/1.1\r\n", request.method());
    let authority = uri.authority().map_or(host, |a| a.as_str());
    head.push_str(&format!("Host: {authority}\r\nConnection: close\r\n"));
    head.push_str(&format!("Content-Length: {}\r\n", request.body().len()));
    let mut out = head.into_bytes();
    for (name, value) in request.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(request.body());
    stream.write_all(&out)?;

    // The response: status line, headers, then the body to the end of the connection.
    let mut reader = BufReader::new(stream.take(MAX_RESPONSE));
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad status line"))?;
    let mut response = http::Response::builder().status(status);
    let mut chunked = false;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked") {
                chunked = true;
            }
            response = response.header(name, value);
        }
    }
    let mut body = Vec::new();
    reader.read_to_end(&mut body)?;
    if chunked {
        body = dechunk(&body)?;
    }
    response.body(body).map_err(io::Error::other)
}

/// Decodes a chunked body.
fn dechunk(mut raw: &[u8]) -> io::Result<Vec<u8>> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad chunked body");
    let mut body = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").ok_or_else(bad)?;
        let size = std::str::from_utf8(&raw[..line_end]).map_err(|_| bad())?;
        let size = size.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| bad())?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if raw.len() < size + 2 {
            return Err(bad());
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}
