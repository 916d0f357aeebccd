//! `UserId`: an accepted id names exactly one path segment, which decodes back to it.
//!
//! Invariants: `UserId::new` never panics; an accepted id's path segment is not empty, holds
//! only unreserved characters and percent escapes, is not a dot segment, and percent-decodes
//! back to the id; every operation's URI has exactly the expected path segments (with and
//! without a path prefix), no query and no fragment; a bulk body holds the id as given. A
//! refused id's error text is one bounded line.

#![no_main]

use clerk_moderation_core::{
    ApiConfig, BanUser, BanUsers, GetUser, LockUser, Operation, SecretKey, UnbanUser, UnbanUsers,
    UnlockUser, UserId,
};
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let id = match UserId::new(&*text) {
        Ok(id) => id,
        Err(error) => {
            let message = error.to_string();
            assert!(
                !message.contains(['\n', '\r']),
                "a refused id's error spans lines: {message:?}"
            );
            assert!(message.len() < 1024, "a refused id's error is unbounded");
            return;
        }
    };
    assert_eq!(id.as_str(), text);

    let segment = id.path_segment().to_string();
    assert!(!segment.is_empty());
    assert!(
        segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
        "{segment:?} holds a character a path segment must escape"
    );
    assert!(
        segment != "." && segment != "..",
        "{segment:?} is a dot segment"
    );
    assert_eq!(
        percent_decode_str(&segment).decode_utf8().unwrap(),
        text,
        "the segment does not decode back to the id"
    );

    let key = SecretKey::new("sk_test_fuzz").unwrap();
    let configs = [
        (ApiConfig::new(key.clone()), &["v1"][..]),
        (
            ApiConfig::new(key)
                .with_base_url("http://127.0.0.1:1/proxy/clerk/v1/")
                .unwrap(),
            &["proxy", "clerk", "v1"][..],
        ),
    ];
    for (config, root) in &configs {
        let expect = |operation: &dyn Fn(&ApiConfig) -> http::Request<Vec<u8>>,
                      action: Option<&str>| {
            let request = operation(config);
            let uri = request.uri();
            assert_eq!(uri.query(), None, "{uri}");
            let mut expected = vec![""];
            expected.extend_from_slice(root);
            expected.extend(["users", segment.as_str()]);
            expected.extend(action);
            let actual: Vec<&str> = uri.path().split('/').collect();
            assert_eq!(actual, expected, "{uri}");
        };
        expect(
            &|c| UnlockUser::new(id.clone()).build_request(c).unwrap(),
            Some("unlock"),
        );
        expect(
            &|c| UnbanUser::new(id.clone()).build_request(c).unwrap(),
            Some("unban"),
        );
        expect(
            &|c| LockUser::new(id.clone()).build_request(c).unwrap(),
            Some("lock"),
        );
        expect(
            &|c| BanUser::new(id.clone()).build_request(c).unwrap(),
            Some("ban"),
        );
        expect(
            &|c| GetUser::new(id.clone()).build_request(c).unwrap(),
            None,
        );

        for bulk in [
            BanUsers::new([id.clone()]).unwrap().build_request(config),
            UnbanUsers::new([id.clone()]).unwrap().build_request(config),
        ] {
            let body: serde_json::Value =
                serde_json::from_slice(bulk.unwrap().body()).expect("a bulk body is JSON");
            assert_eq!(body, serde_json::json!({ "user_ids": [text] }));
        }
    }
});
