//! What the fuzz targets share: reading fuzzer bytes as an HTTP response.
//!
//! The format is written to be readable, so that seeds are plain text a person can write and
//! libFuzzer's mutations stay meaningful:
//!
//! ```text
//! 429
//! content-type: application/json
//! retry-after: 3
//!
//! {"errors":[{"message":"slow down","code":"too_many_requests"}]}
//! ```
//!
//! The first line's digits are the status (brought into 100..=999, so every input has one);
//! then `name: value` lines up to an empty line (a line that is not a valid header is skipped);
//! the rest, byte for byte, is the body. CRLF line ends work too.

use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

/// A response read from fuzzer bytes: the parts, kept so that each operation can be handed its
/// own `http::Response`.
#[derive(Clone, Debug)]
pub struct FuzzResponse<'a> {
    /// The status, always in 100..=999.
    pub status: StatusCode,
    /// The headers, in order, repeated names kept.
    pub headers: HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

impl<'a> FuzzResponse<'a> {
    /// Reads `data` in the format described in the crate docs. Total: every input gives a
    /// response.
    pub fn parse(data: &'a [u8]) -> Self {
        let (status_line, mut rest) = split_line(data);
        let number = status_line
            .iter()
            .filter(|b| b.is_ascii_digit())
            .fold(0u32, |n, b| {
                n.wrapping_mul(10).wrapping_add(u32::from(*b - b'0'))
            });
        let status = StatusCode::from_u16(100 + (number % 900) as u16)
            .expect("100..=999 is always a valid status code");

        let mut headers = HeaderMap::new();
        while !rest.is_empty() {
            let (line, after) = split_line(rest);
            rest = after;
            if line.is_empty() {
                break;
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let name = line[..colon].trim_ascii();
            let value = line[colon + 1..].trim_ascii();
            if let (Ok(name), Ok(value)) =
                (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
            {
                headers.append(name, value);
            }
        }
        Self {
            status,
            headers,
            body: rest,
        }
    }

    /// A fresh `http::Response` with these parts.
    pub fn to_response(&self) -> Response<&'a [u8]> {
        let mut response = Response::new(self.body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers.clone();
        response
    }
}

/// The bytes up to the first `\n` (without a trailing `\r`), and the bytes after it.
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(end) => (&data[..end], &data[end + 1..]),
        None => (data, &data[data.len()..]),
    };
    (line.strip_suffix(b"\r").unwrap_or(line), rest)
}
