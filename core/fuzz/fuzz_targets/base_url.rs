//! `ApiConfig::with_base_url`: an accepted base URL sends every request under `…/v1/users`,
//! with no dot segment (encoded or not) anywhere in the path.
//!
//! Invariants: it never panics; an accepted URL gives a base that ends in `/v1`, keeps its
//! scheme, and gives the same base when fed back (`/v1` is not doubled); a built request's path
//! is that base's path then `users/user_1`, with no dot segment once percent-decoded, no query
//! and no user info. A refusal reads `invalid base URL: it …` on one line.

#![no_main]

use clerk_moderation_core::{ApiConfig, GetUser, Operation, SecretKey, UserId};
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let config = ApiConfig::new(SecretKey::new("sk_test_fuzz").unwrap());
    let config = match config.with_base_url(&text) {
        Ok(config) => config,
        Err(error) => {
            let message = error.to_string();
            assert!(message.starts_with("invalid base URL: it "), "{message:?}");
            assert!(!message.contains(['\n', '\r']), "{message:?}");
            return;
        }
    };

    let base = config.base_url();
    assert!(base.ends_with("/v1"), "{base}");
    let scheme = if config.is_https() {
        "https://"
    } else {
        "http://"
    };
    assert!(
        base.starts_with(scheme),
        "{base} against is_https {}",
        config.is_https()
    );
    let again = config
        .clone()
        .with_base_url(base)
        .unwrap_or_else(|e| panic!("its own base {base:?} is refused: {e}"));
    assert_eq!(again.base_url(), base, "feeding the base back changed it");

    let request = GetUser::new(UserId::new("user_1").unwrap())
        .build_request(&config)
        .unwrap_or_else(|e| panic!("{base:?} builds no request: {e}"));
    let uri = request.uri();
    assert_eq!(uri.query(), None, "{uri}");
    let authority = uri.authority().expect("an absolute URI").as_str();
    assert!(!authority.contains('@'), "{uri}");
    let path = uri.path();
    assert!(path.ends_with("/v1/users/user_1"), "{uri}");
    assert_eq!(
        format!("{scheme}{authority}{path}"),
        format!("{base}/users/user_1")
    );
    for segment in path.split('/') {
        let decoded = percent_decode_str(segment).collect::<Vec<u8>>();
        assert!(
            decoded != b"." && decoded != b"..",
            "{uri} has the dot segment {segment:?}"
        );
    }
});
