//! `ApiConfig`: base URLs taken as meant, refused ones with readable reasons, and the config
//! read from `CLERK_SECRET_KEY` / `CLERK_API_URL` through a lookup (the process environment is
//! never changed here).

// Under wasm32-unknown-unknown these tests run in Node, through wasm-bindgen-test.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::env::VarError;
use std::error::Error as _;

use clerk_moderation_core::{
    ApiConfig, BanUsers, BuildError, EnvError, GetUser, Instance, Operation, SecretKey, UnlockUser,
    UserId,
};

const KEY: &str = "sk_live_config0123456789abcdef";

fn config() -> ApiConfig {
    ApiConfig::new(SecretKey::new(KEY).unwrap())
}

/// The URI an unlock of `user_1` goes to with this base URL.
fn unlock_uri(base_url: &str) -> String {
    let config = config()
        .with_base_url(base_url)
        .unwrap_or_else(|e| panic!("{base_url}: {e}"));
    UnlockUser::new(UserId::new("user_1").unwrap())
        .build_request(&config)
        .unwrap()
        .uri()
        .to_string()
}

/// The reason a base URL was refused, as a user reads it.
fn refusal(base_url: &str) -> String {
    match config().with_base_url(base_url) {
        Err(error @ BuildError::InvalidBaseUrl { .. }) => error.to_string(),
        Err(other) => panic!("{base_url}: refused as {other:?}"),
        Ok(config) => panic!("{base_url}: accepted as {}", config.base_url()),
    }
}

/// A lookup over a fixed set of variables, as the environment would answer.
fn vars(pairs: &[(&str, &str)]) -> impl FnMut(&str) -> Result<String, VarError> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or(VarError::NotPresent)
    }
}

#[test]
fn a_base_url_ending_in_v1_is_the_api_root() {
    let cases = [
        (
            "https://api.clerk.com",
            "https://api.clerk.com/v1/users/user_1/unlock",
        ),
        (
            "https://api.clerk.com/",
            "https://api.clerk.com/v1/users/user_1/unlock",
        ),
        (
            "https://api.clerk.com/v1",
            "https://api.clerk.com/v1/users/user_1/unlock",
        ),
        (
            "https://api.clerk.com/v1/",
            "https://api.clerk.com/v1/users/user_1/unlock",
        ),
        (
            "http://127.0.0.1:8080/proxy/clerk",
            "http://127.0.0.1:8080/proxy/clerk/v1/users/user_1/unlock",
        ),
        (
            "http://127.0.0.1:8080/proxy/clerk/v1/",
            "http://127.0.0.1:8080/proxy/clerk/v1/users/user_1/unlock",
        ),
        // Only a whole last segment `v1` is the version: these are prefixes.
        (
            "https://proxy.test/clerkv1",
            "https://proxy.test/clerkv1/v1/users/user_1/unlock",
        ),
        (
            "https://proxy.test/v1/clerk",
            "https://proxy.test/v1/clerk/v1/users/user_1/unlock",
        ),
        (
            "https://proxy.test/v2",
            "https://proxy.test/v2/v1/users/user_1/unlock",
        ),
        (
            "https://proxy.test/V1",
            "https://proxy.test/V1/v1/users/user_1/unlock",
        ),
        (
            "https://[::1]:9/v1",
            "https://[::1]:9/v1/users/user_1/unlock",
        ),
    ];
    for (base_url, expected) in cases {
        assert_eq!(unlock_uri(base_url), expected, "{base_url}");
    }
}

#[test]
fn every_operation_sees_the_same_root_with_or_without_v1() {
    for base_url in ["https://api.clerk.com", "https://api.clerk.com/v1/"] {
        let config = config().with_base_url(base_url).unwrap();
        assert_eq!(config.base_url(), "https://api.clerk.com/v1");
        assert!(config.is_https());
        let get = GetUser::new(UserId::new("user_1").unwrap())
            .build_request(&config)
            .unwrap();
        assert_eq!(get.uri().path(), "/v1/users/user_1");
        let ban = BanUsers::new([UserId::new("user_1").unwrap()])
            .unwrap()
            .build_request(&config)
            .unwrap();
        assert_eq!(ban.uri().path(), "/v1/users/ban");
    }
}

#[test]
fn dot_segments_are_refused_encoded_or_not() {
    for base_url in [
        "https://x/..",
        "https://x/.",
        "https://x/a/../b",
        "https://x/a/./b",
        "https://x/%2e%2e",
        "https://x/%2E%2E/admin",
        "https://x/%2E%2e",
        "https://x/.%2e",
        "https://x/%2e.",
        "https://x/%2e",
        "https://x/%2E/",
        "https://x/a/%2e%2e/v1",
        "https://x/v1/%2e%2e",
    ] {
        assert_eq!(
            refusal(base_url),
            "invalid base URL: it must not have dot segments in its path",
            "{base_url}"
        );
    }
    // Dots inside a segment, and other escapes, are a name like any other.
    for (base_url, expected) in [
        ("https://x/a..b", "https://x/a..b/v1/users/user_1/unlock"),
        ("https://x/...", "https://x/.../v1/users/user_1/unlock"),
        (
            "https://x/%2e%2e%2e",
            "https://x/%2e%2e%2e/v1/users/user_1/unlock",
        ),
        (
            "https://x/.well-known",
            "https://x/.well-known/v1/users/user_1/unlock",
        ),
        ("https://x/a%20b", "https://x/a%20b/v1/users/user_1/unlock"),
    ] {
        assert_eq!(unlock_uri(base_url), expected, "{base_url}");
    }
}

#[test]
fn every_refusal_reads_as_a_sentence() {
    let cases = [
        (
            "ftp://x",
            "invalid base URL: it has a scheme other than http or https",
        ),
        ("api.clerk.com", "invalid base URL: it has no scheme"),
        (
            "https://user:pw@api.clerk.com",
            "invalid base URL: it must not carry user info",
        ),
        (
            "https://x/?q=1",
            "invalid base URL: it must not have a query or fragment",
        ),
        (
            "https://x/#f",
            "invalid base URL: it must not have a query or fragment",
        ),
        ("not a url", "invalid base URL: it is not a valid URL"),
        ("/v1", "invalid base URL: it has no scheme"),
    ];
    for (base_url, expected) in cases {
        assert_eq!(refusal(base_url), expected, "{base_url}");
    }
}

#[test]
fn from_lookup_reads_the_key_and_an_optional_url() {
    let config = ApiConfig::from_lookup(vars(&[("CLERK_SECRET_KEY", KEY)])).unwrap();
    assert_eq!(config.base_url(), "https://api.clerk.com/v1");
    assert_eq!(config.secret_key(), &SecretKey::new(KEY).unwrap());
    assert_eq!(config.secret_key().instance(), Instance::Production);

    for url in ["http://127.0.0.1:7070", "http://127.0.0.1:7070/v1"] {
        let config = ApiConfig::from_lookup(vars(&[
            ("CLERK_SECRET_KEY", "sk_test_dev"),
            ("CLERK_API_URL", url),
        ]))
        .unwrap();
        assert_eq!(config.secret_key().instance(), Instance::Development);
        let request = UnlockUser::new(UserId::new("user_9").unwrap())
            .build_request(&config)
            .unwrap();
        assert_eq!(
            request.uri(),
            "http://127.0.0.1:7070/v1/users/user_9/unlock",
            "{url}"
        );
        assert_eq!(request.headers()["authorization"], "Bearer sk_test_dev");
    }
}

#[test]
fn from_lookup_trims_values_and_takes_empty_as_unset() {
    let config = ApiConfig::from_lookup(vars(&[
        ("CLERK_SECRET_KEY", "  sk_test_padded\r\n"),
        ("CLERK_API_URL", " https://proxy.test/clerk/v1/\n"),
    ]))
    .unwrap();
    assert_eq!(config.secret_key().expose_secret(), "sk_test_padded");
    assert_eq!(config.base_url(), "https://proxy.test/clerk/v1");

    let config =
        ApiConfig::from_lookup(vars(&[("CLERK_SECRET_KEY", KEY), ("CLERK_API_URL", "")])).unwrap();
    assert_eq!(config.base_url(), "https://api.clerk.com/v1");

    for empty in ["", "   ", "\n"] {
        assert_eq!(
            ApiConfig::from_lookup(vars(&[("CLERK_SECRET_KEY", empty)])).unwrap_err(),
            EnvError::Missing {
                name: "CLERK_SECRET_KEY"
            }
        );
    }
}

#[test]
fn env_errors_name_the_variable_and_never_show_the_key() {
    let missing = ApiConfig::from_lookup(vars(&[("CLERK_API_URL", "https://x")])).unwrap_err();
    assert_eq!(missing.to_string(), "CLERK_SECRET_KEY is not set, or empty");
    assert_eq!(missing.variable(), "CLERK_SECRET_KEY");
    assert!(missing.source().is_none());

    let bad_key = "sk_live_has space_in_it";
    let invalid_key = ApiConfig::from_lookup(vars(&[("CLERK_SECRET_KEY", bad_key)])).unwrap_err();
    assert_eq!(invalid_key.to_string(), "CLERK_SECRET_KEY is invalid");
    assert_eq!(
        invalid_key.source().unwrap().to_string(),
        "invalid secret key: it has a character that is not visible ASCII"
    );

    let not_unicode = ApiConfig::from_lookup(|name| match name {
        "CLERK_SECRET_KEY" => Err(VarError::NotUnicode(KEY.into())),
        _ => Err(VarError::NotPresent),
    })
    .unwrap_err();
    assert_eq!(
        not_unicode,
        EnvError::NotUnicode {
            name: "CLERK_SECRET_KEY"
        }
    );
    assert_eq!(
        not_unicode.to_string(),
        "CLERK_SECRET_KEY is not valid Unicode"
    );

    let bad_url = "https://admin:hunter2@proxy.test/v1";
    let invalid_url = ApiConfig::from_lookup(vars(&[
        ("CLERK_SECRET_KEY", KEY),
        ("CLERK_API_URL", bad_url),
    ]))
    .unwrap_err();
    assert_eq!(invalid_url.to_string(), "CLERK_API_URL is invalid");
    assert_eq!(invalid_url.variable(), "CLERK_API_URL");
    assert_eq!(
        invalid_url.source().unwrap().to_string(),
        "invalid base URL: it must not carry user info"
    );

    let url_not_unicode = ApiConfig::from_lookup(|name| match name {
        "CLERK_SECRET_KEY" => Ok(KEY.to_owned()),
        _ => Err(VarError::NotUnicode("x".into())),
    })
    .unwrap_err();
    assert_eq!(url_not_unicode.variable(), "CLERK_API_URL");

    // Nothing a user could print, in any form, holds a value it was given.
    for error in [&missing, &invalid_key, &not_unicode, &invalid_url] {
        let texts = [
            error.to_string(),
            format!("{error:?}"),
            format!("{error:#?}"),
            error.source().map(|s| s.to_string()).unwrap_or_default(),
            error.source().map(|s| format!("{s:?}")).unwrap_or_default(),
        ];
        for text in texts {
            for secret in [KEY, bad_key, "has space", "hunter2", bad_url] {
                assert!(!text.contains(secret), "{text:?} shows {secret:?}");
            }
        }
    }
}

#[test]
fn from_lookup_asks_for_exactly_the_two_variables() {
    let mut asked = Vec::new();
    let _ = ApiConfig::from_lookup(|name| {
        asked.push(name.to_owned());
        Ok(format!("sk_test_{}", asked.len()))
    });
    // The second answer is not a URL; what matters is which names were read, in order.
    assert_eq!(asked, ["CLERK_SECRET_KEY", "CLERK_API_URL"]);
}

#[test]
fn from_env_reads_what_the_environment_holds() {
    // Compared with a lookup over the same environment, which this test only reads: whatever
    // the machine has set, both must agree (a config, or the same error).
    let summary = |result: Result<ApiConfig, EnvError>| {
        result.map(|config| (config.base_url().to_owned(), config.secret_key().clone()))
    };
    assert_eq!(
        summary(ApiConfig::from_env()),
        summary(ApiConfig::from_lookup(|name| std::env::var(name)))
    );
}
