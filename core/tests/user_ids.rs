//! Hostile user ids are refused before anything is built; what is accepted names one path.

// Under wasm32-unknown-unknown these tests run in Node, through wasm-bindgen-test.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use clerk_moderation_core::{
    ApiConfig, BuildError, GetUser, Operation, SecretKey, UnlockUser, UserId, UserIdProblem,
};

#[test]
fn hostile_ids_are_refused() {
    let long = "a".repeat(10_000);
    let cases: &[(&str, UserIdProblem)] = &[
        ("", UserIdProblem::Empty),
        (".", UserIdProblem::DotSegment),
        ("..", UserIdProblem::DotSegment),
        ("../x", UserIdProblem::ForbiddenCharacter('/')),
        ("user_1/ban", UserIdProblem::ForbiddenCharacter('/')),
        ("a?b", UserIdProblem::ForbiddenCharacter('?')),
        ("a#b", UserIdProblem::ForbiddenCharacter('#')),
        ("%2e%2e", UserIdProblem::ForbiddenCharacter('%')),
        ("a\\b", UserIdProblem::ForbiddenCharacter('\\')),
        ("user_1\r\nX-Injected: 1", UserIdProblem::ControlCharacter),
        ("user_1\n", UserIdProblem::ControlCharacter),
        ("user\u{0}1", UserIdProblem::ControlCharacter),
        ("user 1", UserIdProblem::Whitespace),
        ("user_1\u{a0}", UserIdProblem::Whitespace),
        (&long, UserIdProblem::TooLong),
        ("us\u{e9}r_1", UserIdProblem::NonAscii),
        ("user_\u{202e}1", UserIdProblem::NonAscii),
    ];
    for (input, problem) in cases {
        match UserId::new(input) {
            Err(BuildError::InvalidUserId { problem: got, id }) => {
                assert_eq!(got, *problem, "{input:?}");
                assert!(
                    !id.contains('\r') && !id.contains('\n'),
                    "the error must not carry raw CR/LF"
                );
                assert!(id.chars().count() <= 65, "the error must cut long ids");
            }
            other => panic!("{input:?} should be refused, got {other:?}"),
        }
    }
}

#[test]
fn accepted_ids_produce_exactly_the_intended_path() {
    let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
    let cases = [
        (
            "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            "/v1/users/user_2xhFjEI5X2qWRvtV13BzSj8H6Dk/unlock",
        ),
        ("a.b", "/v1/users/a.b/unlock"),
        ("...", "/v1/users/.../unlock"),
        ("a:b@c", "/v1/users/a%3Ab%40c/unlock"),
        ("quote\"d", "/v1/users/quote%22d/unlock"),
        ("semi;colon", "/v1/users/semi%3Bcolon/unlock"),
    ];
    for (input, path) in cases {
        let request = UnlockUser::new(UserId::new(input).unwrap())
            .build_request(&config)
            .unwrap();
        assert_eq!(request.uri().path(), path, "{input:?}");
        assert!(request.uri().query().is_none());
    }
    let request = GetUser::new(UserId::new("user_1").unwrap())
        .build_request(&config)
        .unwrap();
    assert_eq!(request.uri().path(), "/v1/users/user_1");
}

#[test]
fn ids_convert_from_strings() {
    let id: UserId = "user_1".parse().unwrap();
    assert_eq!(id.as_str(), "user_1");
    assert_eq!(id.to_string(), "user_1");
    assert!(UserId::try_from(String::from("a/b")).is_err());
    assert_eq!(format!("{id:?}"), "UserId(\"user_1\")");
}
