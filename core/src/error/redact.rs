//! Masking the secret key in what a [`ResponseError`] keeps.
//!
//! A misconfigured proxy or a debugging endpoint may echo the request back, `Authorization`
//! header included. The error keeps what the server said, byte for byte, so the key would then
//! show in its `Debug`, in logs and in reports. [`ResponseError::redact_secret`] replaces it
//! wherever the error keeps text.

use http::{HeaderMap, HeaderValue};
use serde_json::{Map, Value};

use super::clerk_errors::ClerkError;
use super::response::{ApiError, DecodeError, ResponseError, UnstructuredError};
use crate::SecretKey;

/// What replaces the secret key (see [`ResponseError::REDACTED_SECRET`]).
const REDACTED_SECRET: &str = "<redacted secret key>";

impl ResponseError {
    /// What [`Self::redact_secret`] puts where the key was: visible ASCII, so it fits in a
    /// header value as in JSON.
    pub const REDACTED_SECRET: &'static str = REDACTED_SECRET;

    /// Replaces every occurrence of `key` in what this error keeps (body bytes, header values,
    /// Clerk's messages and codes, `meta`, unknown fields, the trace id, the decode message)
    /// with [`Self::REDACTED_SECRET`].
    ///
    /// ```
    /// use clerk_moderation_core::{GetUser, Operation, ResponseError, SecretKey, UserId};
    ///
    /// let key = SecretKey::new("sk_test_echoed")?;
    /// let echo = http::Response::builder()
    ///     .status(400)
    ///     .header("x-echo-authorization", "Bearer sk_test_echoed")
    ///     .body(b"you sent Bearer sk_test_echoed".to_vec())?;
    /// let mut error = GetUser::new(UserId::new("user_1")?).parse_response(echo).unwrap_err();
    /// error.redact_secret(&key);
    /// assert!(!format!("{error:?}").contains("sk_test_echoed"));
    /// let ResponseError::Unstructured(raw) = &error else { unreachable!() };
    /// assert_eq!(raw.body_text(), format!("you sent Bearer {}", ResponseError::REDACTED_SECRET));
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// ```
    pub fn redact_secret(&mut self, key: &SecretKey) {
        let key = key.expose_secret();
        if key.is_empty() {
            return;
        }
        match self {
            Self::Api(error) => error.redact(key),
            Self::Unstructured(error) => error.redact(key),
            Self::Decode(error) => error.redact(key),
        }
    }
}

impl ApiError {
    fn redact(&mut self, key: &str) {
        for error in &mut self.errors {
            redact_clerk_error(error, key);
        }
        redact_option(&mut self.clerk_trace_id, key);
        if let Some(meta) = &mut self.meta {
            redact_json(meta, key);
        }
        redact_map(&mut self.extra, key);
        redact_headers(&mut self.headers, key);
    }
}

impl UnstructuredError {
    fn redact(&mut self, key: &str) {
        redact_option(&mut self.content_type, key);
        redact_bytes(&mut self.body, key);
        redact_option(&mut self.clerk_trace_id, key);
        redact_headers(&mut self.headers, key);
    }
}

impl DecodeError {
    fn redact(&mut self, key: &str) {
        redact_option(&mut self.content_type, key);
        redact_string(&mut self.path, key);
        redact_string(&mut self.message, key);
        redact_bytes(&mut self.body, key);
        redact_option(&mut self.clerk_trace_id, key);
    }
}

fn redact_clerk_error(error: &mut ClerkError, key: &str) {
    redact_string(&mut error.message, key);
    redact_option(&mut error.long_message, key);
    redact_string(&mut error.code, key);
    if let Some(meta) = &mut error.meta {
        redact_json(meta, key);
    }
    redact_map(&mut error.extra, key);
}

fn redact_string(text: &mut String, key: &str) {
    if text.contains(key) {
        *text = text.replace(key, REDACTED_SECRET);
    }
}

fn redact_option(text: &mut Option<String>, key: &str) {
    if let Some(text) = text {
        redact_string(text, key);
    }
}

fn redact_bytes(bytes: &mut Vec<u8>, key: &str) {
    let key = key.as_bytes();
    if !bytes.windows(key.len()).any(|w| w == key) {
        return;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        if rest.starts_with(key) {
            out.extend_from_slice(REDACTED_SECRET.as_bytes());
            rest = &rest[key.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    *bytes = out;
}

fn redact_json(value: &mut Value, key: &str) {
    match value {
        Value::String(text) => redact_string(text, key),
        Value::Array(items) => items.iter_mut().for_each(|item| redact_json(item, key)),
        Value::Object(map) => redact_map(map, key),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn redact_map(map: &mut Map<String, Value>, key: &str) {
    if map.keys().any(|name| name.contains(key)) {
        *map = std::mem::take(map)
            .into_iter()
            .map(|(name, value)| (name.replace(key, REDACTED_SECRET), value))
            .collect();
    }
    map.values_mut().for_each(|value| redact_json(value, key));
}

fn redact_headers(headers: &mut HeaderMap, key: &str) {
    for value in headers.values_mut() {
        let mut bytes = value.as_bytes().to_vec();
        redact_bytes(&mut bytes, key);
        if bytes == value.as_bytes() {
            continue;
        }
        // The key and the marker are visible ASCII, so what was a header value still is one;
        // should it not be, the whole value goes.
        let mut redacted = HeaderValue::from_bytes(&bytes)
            .unwrap_or_else(|_| HeaderValue::from_static(REDACTED_SECRET));
        redacted.set_sensitive(true);
        *value = redacted;
    }
}

/// How deep [`shows_secret`] follows a `source()` chain: far past any real chain, and a bound so
/// that a cyclic or absurdly deep one cannot hang a run.
const MAX_CHAIN_DEPTH: usize = 32;

/// Whether `error`, or any error in its `source()` chain, shows `secret` in its `Display` or its
/// `Debug`: the one check every transport error and every run outcome goes through before it is
/// kept, printed or logged. An empty `secret` is shown by nothing.
///
/// ```
/// use clerk_moderation_core::error::shows_secret;
///
/// let echo = std::io::Error::other("sent Bearer sk_test_abc");
/// assert!(shows_secret(&echo, b"sk_test_abc"));
/// assert!(!shows_secret(&echo, b"sk_test_xyz"));
/// ```
pub fn shows_secret(error: &(dyn std::error::Error + 'static), secret: &[u8]) -> bool {
    if secret.is_empty() {
        return false;
    }
    let shows = |text: String| text.as_bytes().windows(secret.len()).any(|w| w == secret);
    let mut next = Some(error);
    for _ in 0..MAX_CHAIN_DEPTH {
        let Some(error) = next else {
            return false;
        };
        if shows(error.to_string()) || shows(format!("{error:?}")) {
            return true;
        }
        next = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GetUser, Operation, UserId};

    const KEY: &str = "sk_test_EchoedBack42";

    fn key() -> SecretKey {
        SecretKey::new(KEY).unwrap()
    }

    fn parse(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseError {
        let mut response = http::Response::builder().status(status);
        for (name, value) in headers {
            response = response.header(*name, *value);
        }
        let response = response.body(body.as_bytes().to_vec()).unwrap();
        GetUser::new(UserId::new("user_1").unwrap())
            .parse_response(response)
            .unwrap_err()
    }

    /// Checks the key is gone from the error's text, `Debug` and body, and the marker is in.
    fn assert_masked(error: &ResponseError) {
        let body = match error {
            ResponseError::Unstructured(raw) => raw.body_text().into_owned(),
            ResponseError::Decode(decode) => decode.body_text().into_owned(),
            _ => String::new(),
        };
        let kept = format!("{error} / {error:?} / {body}");
        assert!(!kept.contains(KEY), "{kept}");
        assert!(kept.contains(REDACTED_SECRET), "{kept}");
    }

    #[test]
    fn clerk_errors_are_masked_everywhere() {
        let body = format!(
            r#"{{"errors":[{{"message":"bad {KEY}","long_message":"Bearer {KEY} refused","code":"c_{KEY}","meta":{{"echo":["{KEY}",1]}},"extra_{KEY}":"{KEY}"}}],"meta":{{"{KEY}":{{"deep":"{KEY}"}}}},"clerk_trace_id":"t{KEY}","echo":"{KEY}"}}"#
        );
        let mut error = parse(
            401,
            &[
                ("content-type", "application/json"),
                ("x-echo", &format!("Bearer {KEY}")),
                ("x-echo", &format!("{KEY}, again {KEY}")),
            ],
            &body,
        );
        assert!(matches!(error, ResponseError::Api(_)));
        assert!(format!("{error:?}").contains(KEY));
        error.redact_secret(&key());
        assert_masked(&error);
        let ResponseError::Api(api) = &error else {
            unreachable!()
        };
        assert_eq!(api.errors[0].message, format!("bad {REDACTED_SECRET}"));
        assert_eq!(api.errors[0].code, format!("c_{REDACTED_SECRET}"));
        assert_eq!(
            api.meta.as_ref().unwrap()[REDACTED_SECRET]["deep"],
            REDACTED_SECRET
        );
        assert_eq!(api.extra["echo"], REDACTED_SECRET);
        let echoed: Vec<_> = api.headers.get_all("x-echo").iter().collect();
        assert_eq!(echoed.len(), 2);
        assert_eq!(
            echoed[1].to_str().unwrap(),
            format!("{REDACTED_SECRET}, again {REDACTED_SECRET}")
        );
        assert!(echoed.iter().all(|v| v.is_sensitive()));
    }

    #[test]
    fn an_unstructured_body_is_masked_byte_for_byte() {
        let mut error = parse(
            502,
            &[("content-type", "text/plain")],
            &format!("Authorization: Bearer {KEY}\r\nX: {KEY}{KEY}"),
        );
        error.redact_secret(&key());
        assert_masked(&error);
        let ResponseError::Unstructured(raw) = &error else {
            unreachable!()
        };
        assert_eq!(
            raw.body_text(),
            format!(
                "Authorization: Bearer {REDACTED_SECRET}\r\nX: {REDACTED_SECRET}{REDACTED_SECRET}"
            )
        );
    }

    #[test]
    fn a_decode_error_is_masked_in_its_message_and_body() {
        // A 2xx whose `id` is a number: serde's message quotes nothing, but the body does.
        let mut error = parse(200, &[], &format!(r#"{{"id":7,"echo":"{KEY}"}}"#));
        assert!(error.is_decode());
        error.redact_secret(&key());
        assert_masked(&error);
        // A `banned` that is the key: serde's message quotes the value.
        let mut error = parse(200, &[], &format!(r#"{{"id":"user_1","banned":"{KEY}"}}"#));
        error.redact_secret(&key());
        assert_masked(&error);
    }

    #[test]
    fn an_error_without_the_key_is_unchanged() {
        let mut error = parse(
            404,
            &[("x-a", "b")],
            r#"{"errors":[{"message":"m","code":"c"}]}"#,
        );
        let before = error.clone();
        error.redact_secret(&key());
        assert_eq!(error, before);
    }
}
