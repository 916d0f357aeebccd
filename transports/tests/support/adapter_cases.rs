//! The cases every adapter must pass, written once. Each adapter's test file says how to build
//! its transports (an [`Adapter`]) and expands the cases with [`shared_cases!`]; only what is
//! truly that adapter's own stays in its file.
//!
//! The cases run on a plain thread: a blocking transport is used as it is ([`Blocking`]), an
//! async one on a tokio runtime of its own ([`BlockOn`]), as `#[tokio::test]` would give it.

use std::time::{Duration, Instant};

use clerk_moderation_core::{
    ApiConfig, BanUsers, GetUser, ListUsers, LoopbackHttp, Operation, ResponseCap, RetryPolicy,
    Transport, UnbanUsers, UnlockUser, User, UserFilter, UserId,
};
use clerk_moderation_transports::{
    Client, ClientError, TlsFailure, TransportError, TransportErrorKind,
};

use super::tls::PrivateCa;
use super::*;

type Response = http::Response<Vec<u8>>;

/// One `#[test]` per case every adapter shares, each running the case with `$adapter`.
/// A new shared case is added to the list here, so no adapter can miss it. The trust cases
/// (`trust`) are for the adapters whose builder sets the roots (not the tower transport, whose
/// service does).
#[allow(unused_macros)] // Only the adapters' test files use it.
macro_rules! shared_cases {
    ($adapter:ty) => {
        $crate::support::adapter_cases::shared_cases!(
            @tests $adapter;
            every_operation_succeeds,
            error_statuses_are_surfaced_intact,
            redirects_are_returned_not_followed,
            a_body_over_the_cap_is_a_typed_error,
            a_page_of_large_users_fits_the_requests_cap,
            a_runaway_body_over_the_requests_cap_says_which_cap,
            a_stalled_server_times_out,
            a_refused_connection_was_not_sent,
            https_to_a_plain_http_port_is_a_tls_error,
            plain_http_is_refused_before_any_connection,
            loopback_http_goes_when_the_config_points_there,
            errors_never_show_the_secret,
        );
    };
    ($adapter:ty, trust) => {
        $crate::support::adapter_cases::shared_cases!($adapter);
        $crate::support::adapter_cases::shared_cases!(
            @tests $adapter;
            only_the_added_roots_when_mozillas_are_off,
            the_os_store_adds_to_the_roots_without_trusting_the_private_ca,
        );
    };
    (@tests $adapter:ty; $($case:ident),* $(,)?) => {$(
        #[test]
        fn $case() {
            $crate::support::adapter_cases::$case::<$adapter>();
        }
    )*};
}
#[allow(unused_imports)] // Only the adapters' test files use it.
pub(crate) use shared_cases;

/// What a case sets on the builder, beyond loopback HTTP; `None` keeps the builder's default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub max_body_size: Option<u64>,
    pub timeout: Option<Duration>,
}

/// The roots a transport trusts: Mozilla's, the OS store's, and those in a PEM.
#[derive(Clone, Copy, Debug)]
pub struct Roots<'a> {
    pub mozilla: bool,
    pub os: bool,
    pub pem: Option<&'a str>,
}

/// How an adapter builds its transports: the one part each adapter's test file writes.
pub trait Adapter {
    type Transport: Harness;

    /// The adapter's `new()`: its defaults, loopback HTTP only where the request allows it.
    fn defaults() -> Self::Transport;

    /// Its builder with loopback HTTP allowed for every request (and no proxy where it has
    /// one), and `limits`.
    fn loopback(limits: Limits) -> Self::Transport;
}

/// An adapter whose builder sets the trusted roots.
pub trait TrustAdapter: Adapter {
    /// Its builder trusting `roots`; the error of the step that refused them, if one did.
    fn with_roots(roots: Roots<'_>) -> Result<Self::Transport, TransportError>;
}

/// An adapter that takes a client (an agent) the user built, where it is used for loopback HTTP
/// too: ureq and hyper (reqwest's loopback HTTP goes through a client of its own).
pub trait OverUsersClient: Adapter {
    type OverClient: Harness;

    /// A transport over a client built the plain way, loopback HTTP allowed, `max_body_size`.
    fn over_users_client(max_body_size: u64) -> Self::OverClient;
}

/// A transport seen from a plain thread: one request at a time, and a client over it.
pub trait Harness: std::fmt::Debug {
    type Client: Calls;

    fn send(&self, request: http::Request<Vec<u8>>) -> Result<Response, TransportError>;

    /// A client over this transport with `config`, never retrying: one attempt per call.
    fn into_client(self, config: ApiConfig) -> Self::Client;
}

/// The client calls the cases make, blocking.
pub trait Calls {
    fn unlock(&self, user_id: &UserId) -> Result<User, ClientError>;
    fn unban(&self, user_id: &UserId) -> Result<User, ClientError>;
    fn lock(&self, user_id: &UserId) -> Result<User, ClientError>;
    fn ban(&self, user_id: &UserId) -> Result<User, ClientError>;
    fn get_user(&self, user_id: &UserId) -> Result<User, ClientError>;
    fn execute<O>(&self, operation: &O) -> Result<O::Output, ClientError>
    where
        O: Operation + Sync,
        O::Output: Send;
}

/// A blocking transport, used as it is.
#[derive(Debug)]
pub struct Blocking<T>(pub T);

impl<T> Harness for Blocking<T>
where
    T: Transport<Error = TransportError> + std::fmt::Debug,
{
    type Client = Client<T>;

    fn send(&self, request: http::Request<Vec<u8>>) -> Result<Response, TransportError> {
        self.0.send(request)
    }

    fn into_client(self, config: ApiConfig) -> Client<T> {
        Client::new(config, self.0).with_retry_policy(RetryPolicy::never())
    }
}

impl<T> Calls for Client<T>
where
    T: Transport<Error = TransportError>,
{
    fn unlock(&self, user_id: &UserId) -> Result<User, ClientError> {
        Client::unlock(self, user_id)
    }
    fn unban(&self, user_id: &UserId) -> Result<User, ClientError> {
        Client::unban(self, user_id)
    }
    fn lock(&self, user_id: &UserId) -> Result<User, ClientError> {
        Client::lock(self, user_id)
    }
    fn ban(&self, user_id: &UserId) -> Result<User, ClientError> {
        Client::ban(self, user_id)
    }
    fn get_user(&self, user_id: &UserId) -> Result<User, ClientError> {
        Client::get_user(self, user_id)
    }
    fn execute<O>(&self, operation: &O) -> Result<O::Output, ClientError>
    where
        O: Operation + Sync,
        O::Output: Send,
    {
        Client::execute(self, operation)
    }
}

#[cfg(feature = "tokio")]
#[allow(unused_imports)] // Only the async adapters' test files use it.
pub use on_tokio::BlockOn;

#[cfg(feature = "tokio")]
mod on_tokio {
    use std::convert::Infallible;
    use std::future::Future;

    use clerk_moderation_core::{ApiConfig, AsyncTransport, Operation, RetryPolicy, User, UserId};
    use clerk_moderation_transports::{AsyncClient, ClientError, TransportError};
    use tokio::runtime::Runtime;

    use super::{Calls, Harness, Response};

    /// An async transport on a current-thread tokio runtime of its own, as `#[tokio::test]`
    /// gives a test. Built inside that runtime; dropped before it.
    #[derive(Debug)]
    pub struct BlockOn<T> {
        transport: T,
        runtime: Runtime,
    }

    fn runtime() -> Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    }

    impl<T> BlockOn<T> {
        pub fn build(build: impl FnOnce() -> T) -> Self {
            match Self::try_build(|| Ok::<T, Infallible>(build())) {
                Ok(harness) => harness,
                Err(never) => match never {},
            }
        }

        pub fn try_build<E>(build: impl FnOnce() -> Result<T, E>) -> Result<Self, E> {
            let runtime = runtime();
            let transport = {
                let _inside = runtime.enter();
                build()?
            };
            Ok(Self { transport, runtime })
        }
    }

    impl<T> Harness for BlockOn<T>
    where
        T: AsyncTransport<Error = TransportError> + Sync + std::fmt::Debug,
    {
        type Client = BlockOnClient<T>;

        fn send(&self, request: http::Request<Vec<u8>>) -> Result<Response, TransportError> {
            self.runtime.block_on(self.transport.send(request))
        }

        fn into_client(self, config: ApiConfig) -> BlockOnClient<T> {
            let client =
                AsyncClient::new(config, self.transport).with_retry_policy(RetryPolicy::never());
            BlockOnClient {
                client,
                runtime: self.runtime,
            }
        }
    }

    /// An `AsyncClient` driven on its transport's runtime.
    pub struct BlockOnClient<T> {
        client: AsyncClient<T>,
        runtime: Runtime,
    }

    impl<T> BlockOnClient<T> {
        /// Runs one call. The `Send` bound checks, for every call the cases make, that its future
        /// can move to another thread (a multi-threaded runtime's worker).
        fn run<F: Future + Send>(&self, call: F) -> F::Output {
            self.runtime.block_on(call)
        }
    }

    impl<T> Calls for BlockOnClient<T>
    where
        T: AsyncTransport<Error = TransportError> + Sync,
    {
        fn unlock(&self, user_id: &UserId) -> Result<User, ClientError> {
            self.run(self.client.unlock(user_id))
        }
        fn unban(&self, user_id: &UserId) -> Result<User, ClientError> {
            self.run(self.client.unban(user_id))
        }
        fn lock(&self, user_id: &UserId) -> Result<User, ClientError> {
            self.run(self.client.lock(user_id))
        }
        fn ban(&self, user_id: &UserId) -> Result<User, ClientError> {
            self.run(self.client.ban(user_id))
        }
        fn get_user(&self, user_id: &UserId) -> Result<User, ClientError> {
            self.run(self.client.get_user(user_id))
        }
        fn execute<O>(&self, operation: &O) -> Result<O::Output, ClientError>
        where
            O: Operation + Sync,
            O::Output: Send,
        {
            self.run(self.client.execute(operation))
        }
    }
}

/// A `GET /v1/users/user_1` to `url`, with the test key.
pub fn request_to(url: &str) -> http::Request<Vec<u8>> {
    GetUser::new(uid("user_1"))
        .build_request(&config(url))
        .unwrap()
}

fn loopback<A: Adapter>() -> A::Transport {
    A::loopback(Limits::default())
}

/// Every operation through the client, each on the wire exactly as Clerk expects it, over one
/// kept-alive connection.
pub fn every_operation_succeeds<A: Adapter>() {
    let server = TestServer::start(|request, _| echo_users(request, false));
    let client = loopback::<A>().into_client(config(&server.url()));
    let id = uid("user_abc");

    assert_eq!(client.unlock(&id).unwrap().id, "user_abc");
    assert_eq!(client.unban(&id).unwrap().id, "user_abc");
    assert_eq!(client.lock(&id).unwrap().id, "user_abc");
    assert_eq!(client.ban(&id).unwrap().id, "user_abc");
    assert_eq!(client.get_user(&id).unwrap().id, "user_abc");
    let ids = [uid("user_1"), uid("user_2")];
    let banned = client
        .execute(&BanUsers::new(ids.clone()).unwrap())
        .unwrap();
    assert_eq!(
        banned.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["user_1", "user_2"]
    );
    let unbanned = client.execute(&UnbanUsers::new(ids).unwrap()).unwrap();
    assert_eq!(unbanned.len(), 2);

    let requests = server.requests();
    let lines: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        lines,
        [
            "POST /v1/users/user_abc/unlock",
            "POST /v1/users/user_abc/unban",
            "POST /v1/users/user_abc/lock",
            "POST /v1/users/user_abc/ban",
            "GET /v1/users/user_abc",
            "POST /v1/users/ban",
            "POST /v1/users/unban",
        ]
    );
    check_content_lengths(&requests);
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {SECRET}").as_str())
        );
        assert_eq!(request.header("clerk-api-version"), Some("2026-05-12"));
        assert_eq!(request.header("accept"), Some("application/json"));
        assert!(
            request
                .header("user-agent")
                .unwrap()
                .starts_with("clerk-moderation/")
        );
    }
    // The bulk bodies are JSON; a single-user POST has no body, so no type for one.
    for bulk in &requests[5..7] {
        assert_eq!(bulk.user_ids(), ["user_1", "user_2"]);
        assert_eq!(bulk.header("content-type"), Some("application/json"));
    }
    assert_eq!(requests[0].header("content-type"), None);
    assert_eq!(server.connections(), 1, "keep-alive reuse");
}

/// 4xx and 5xx come back from the transport as responses, body intact, and the client makes
/// typed response errors of them that keep what the server said.
pub fn error_statuses_are_surfaced_intact<A: Adapter>() {
    for case in error_cases() {
        let server = TestServer::scripted(vec![case.reply()]);
        let transport = loopback::<A>();

        let response = transport.send(request_to(&server.url())).unwrap();
        assert_eq!(response.status().as_u16(), case.status);
        assert_eq!(response.body(), case.body.as_bytes());

        let error = transport
            .into_client(config(&server.url()))
            .unlock(&uid("user_1"))
            .unwrap_err();
        assert_eq!(error.attempts(), 1);
        check_response_error(error.response().expect("a response error"), &case);
        assert_no_secret(&error);
    }
}

pub fn redirects_are_returned_not_followed<A: Adapter>() {
    let target = TestServer::start(|request, _| echo_users(request, false));
    let location = format!("{}/v1/users/user_1/unlock", target.url());
    let server = TestServer::scripted(vec![Reply::json(307, "").header("Location", &location)]);

    let response = loopback::<A>().send(request_to(&server.url())).unwrap();
    assert_eq!(response.status().as_u16(), 307);
    assert_eq!(response.headers()["location"], location.as_str());

    let error = loopback::<A>()
        .into_client(config(&server.url()))
        .unlock(&uid("user_1"))
        .unwrap_err();
    assert!(error.response().unwrap().is_redirect());
    assert_eq!(server.requests().len(), 2);
    assert!(
        target.requests().is_empty(),
        "the redirect target saw a request"
    );
}

/// `request`, as a request the core did not build: without its `ResponseCap`, so that only the
/// builder's cap applies.
pub fn without_its_cap(mut request: http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    request.extensions_mut().remove::<ResponseCap>();
    request
}

/// The builder's cap: over it by a byte is refused, exactly it passes; by default 1 MiB, more
/// than a one-user answer's own cap.
pub fn a_body_over_the_cap_is_a_typed_error<A: Adapter>() {
    let server = TestServer::scripted(vec![Reply::json(200, vec![b'x'; 4096])]);
    let transport = A::loopback(Limits {
        max_body_size: Some(1024),
        ..Limits::default()
    });
    let error = transport
        .send(without_its_cap(request_to(&server.url())))
        .unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
    assert!(error.may_have_been_sent());
    let shown = error.to_string();
    assert!(
        shown.contains("1024 bytes") && shown.contains("max_body_size"),
        "{shown}"
    );
    assert_no_secret(&error);
    let server = TestServer::scripted(vec![Reply::json(200, vec![b' '; 1024])]);
    let response = transport
        .send(without_its_cap(request_to(&server.url())))
        .unwrap();
    assert_eq!(response.body().len(), 1024);

    let server = TestServer::scripted(vec![Reply::json(200, vec![b' '; 1024 * 1024 + 1])]);
    let error = loopback::<A>().send(request_to(&server.url())).unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    let server = TestServer::scripted(vec![Reply::json(200, vec![b' '; 1024 * 1024])]);
    assert!(loopback::<A>().send(request_to(&server.url())).is_ok());
}

/// A user of about 40 KB (metadata, many addresses): well within Clerk's limits.
fn large_user_json(id: &str) -> String {
    let note = "n".repeat(40 * 1024);
    format!(
        r#"{{"id":"{id}","object":"user","banned":false,"locked":false,"public_metadata":{{"note":"{note}"}},"created_at":1700000000000}}"#
    )
}

/// A page of 100 users of about 40 KB each (4 MB, four times the builder's default cap) passes
/// through a transport with its defaults: the request allows it.
pub fn a_page_of_large_users_fits_the_requests_cap<A: Adapter>() {
    let users: Vec<String> = (0..100)
        .map(|i| large_user_json(&format!("user_{i}")))
        .collect();
    let page = format!("[{}]", users.join(","));
    assert!(page.len() > 4_000_000);
    let server = TestServer::scripted(vec![Reply::json(200, page.clone())]);
    let list = ListUsers::new(UserFilter::new()).with_limit(100).unwrap();
    let client = A::defaults().into_client(config(&server.url()));
    let listed = client.execute(&list).unwrap();
    assert_eq!(listed.len(), 100);
    assert_eq!(listed[99].id, "user_99");
}

/// A body over the request's own cap (larger than the builder's) fails, and says which cap it
/// was: its bytes, the users it was sized for, and how to raise it.
pub fn a_runaway_body_over_the_requests_cap_says_which_cap<A: Adapter>() {
    let list = ListUsers::new(UserFilter::new()).with_limit(10).unwrap();
    let cap = ResponseCap::for_users(10).bytes();
    let body = vec![b' '; usize::try_from(cap).unwrap() + 1];
    let server = TestServer::scripted(vec![Reply::json(200, body)]);
    let transport = A::loopback(Limits {
        max_body_size: Some(1024),
        ..Limits::default()
    });
    let error = transport
        .send(list.build_request(&config(&server.url())).unwrap())
        .unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    let shown = error.to_string();
    assert!(
        shown.contains(&format!("{cap} bytes"))
            && shown.contains("10 users")
            && shown.contains("max_body_size"),
        "{shown}"
    );
    // Exactly the request's cap passes.
    let server = TestServer::scripted(vec![Reply::json(
        200,
        vec![b' '; usize::try_from(cap).unwrap()],
    )]);
    let response = transport
        .send(list.build_request(&config(&server.url())).unwrap())
        .unwrap();
    assert_eq!(response.body().len() as u64, cap);
}

pub fn a_stalled_server_times_out<A: Adapter>() {
    let server = TestServer::scripted(vec![Reply::Stall(Duration::from_secs(8))]);
    let transport = A::loopback(Limits {
        timeout: Some(Duration::from_millis(300)),
        ..Limits::default()
    });
    let started = Instant::now();
    let error = transport.send(request_to(&server.url())).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.may_have_been_sent());
    assert_no_secret(&error);
}

pub fn a_refused_connection_was_not_sent<A: Adapter>() {
    let url = format!("http://127.0.0.1:{}", dead_port());
    let error = loopback::<A>().send(request_to(&url)).unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert!(!error.may_have_been_sent());
    assert_no_secret(&error);
}

pub fn https_to_a_plain_http_port_is_a_tls_error<A: Adapter>() {
    let server = TestServer::scripted(vec![Reply::json(200, user_json("user_1"))]);
    let url = format!("https://127.0.0.1:{}", server.port());
    let error = loopback::<A>().send(request_to(&url)).unwrap_err();
    assert!(error.is_tls(), "{error:?}");
    assert!(!error.may_have_been_sent() && !error.is_transient());
    assert_eq!(error.tls_failure(), Some(TlsFailure::NotTls), "{error:?}");
    assert!(
        error.to_string().contains("did not answer in TLS"),
        "{error}"
    );
    assert_no_secret(&error);
    assert!(server.requests().is_empty());
}

pub fn plain_http_is_refused_before_any_connection<A: Adapter>() {
    // Not loopback: refused with or without the opt-in, mark or not, before DNS. (A marked
    // request to another host: built for a loopback configuration, its URL then rewritten.)
    for transport in [A::defaults(), loopback::<A>()] {
        let mut marked = request_to("http://127.0.0.1:1");
        assert!(LoopbackHttp::is_marked(&marked));
        *marked.uri_mut() = "http://example.com/v1/users/user_1".parse().unwrap();
        for request in [request_to("http://example.com"), marked] {
            let error = transport.send(request).unwrap_err();
            assert!(error.is_insecure_scheme(), "{error:?}");
            assert!(!error.may_have_been_sent() && !error.is_transient());
            assert_no_secret(&error);
        }
    }
    // Loopback, but the request does not say its configuration points there (made by hand,
    // or rewritten): refused without the opt-in, and the server sees nothing.
    let server = TestServer::scripted(vec![Reply::json(200, user_json("user_1"))]);
    let error = A::defaults()
        .send(unmarked(request_to(&server.url())))
        .unwrap_err();
    assert!(error.is_insecure_scheme(), "{error:?}");
    assert!(!error.may_have_been_sent());
    assert!(server.requests().is_empty());
    let response = loopback::<A>()
        .send(unmarked(request_to(&server.url())))
        .unwrap();
    assert_eq!(response.status(), 200);
    // `localhost` and `[::1]` count as loopback too (`::1` may not be configured here, so only
    // check that it is not refused as insecure).
    let url = format!("http://localhost:{}", server.port());
    match A::defaults().send(request_to(&url)) {
        Ok(response) => assert_eq!(response.status(), 200),
        Err(e) => assert!(!e.is_insecure_scheme(), "{e:?}"),
    }
    let url = format!("http://[::1]:{}", server.port());
    if let Err(e) = A::defaults().send(request_to(&url)) {
        assert!(!e.is_insecure_scheme(), "{e:?}");
    }
}

/// `request` without the core's `LoopbackHttp` mark.
fn unmarked(mut request: http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    request.extensions_mut().remove::<LoopbackHttp>();
    request
}

/// The README's first steps: a client over the adapter's `new()` and a configuration whose base
/// URL is an explicit loopback `http://` URL (an emulator's) works with no builder switch.
pub fn loopback_http_goes_when_the_config_points_there<A: Adapter>() {
    let server = TestServer::start(|request, _| echo_users(request, false));
    let request = request_to(&server.url());
    assert!(LoopbackHttp::is_marked(&request));
    let client = A::defaults().into_client(config(&server.url()));
    assert_eq!(client.unlock(&uid("user_1")).unwrap().id, "user_1");
    assert_eq!(client.get_user(&uid("user_2")).unwrap().id, "user_2");
    assert_eq!(server.requests().len(), 2);
}

pub fn errors_never_show_the_secret<A: Adapter>() {
    let refused = format!("http://127.0.0.1:{}", dead_port());
    let errors = [
        loopback::<A>().send(request_to(&refused)).unwrap_err(),
        A::defaults()
            .send(request_to("http://example.com"))
            .unwrap_err(),
    ];
    for error in &errors {
        assert_no_secret(error);
    }
    let client = A::defaults().into_client(config("http://example.com"));
    let error = client.execute(&UnlockUser::new(uid("user_1"))).unwrap_err();
    assert_eq!(error.attempts(), 1);
    assert!(
        error
            .transport_error::<TransportError>()
            .unwrap()
            .is_insecure_scheme()
    );
    assert_no_secret(&error);
}

/// A PEM whose certificate is not DER.
const BAD_CERTIFICATE_PEM: &str = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

pub fn only_the_added_roots_when_mozillas_are_off<A: TrustAdapter>() {
    let ca = PrivateCa::new();
    let server = ca.serve();
    let transport = A::with_roots(Roots {
        mozilla: false,
        os: false,
        pem: Some(&ca.ca_pem),
    })
    .unwrap();
    let response = transport.send(request_to(&server.url())).unwrap();
    assert_eq!(response.status(), 200);

    // A PEM with a broken certificate, or none, is refused where it is given.
    for pem in [BAD_CERTIFICATE_PEM, "no PEM here"] {
        let refused = A::with_roots(Roots {
            mozilla: true,
            os: false,
            pem: Some(pem),
        });
        let error = refused.expect_err(pem);
        assert!(error.is_config(), "{error:?}");
        assert!(!error.may_have_been_sent() && !error.is_transient());
    }
}

pub fn the_os_store_adds_to_the_roots_without_trusting_the_private_ca<A: TrustAdapter>() {
    let ca = PrivateCa::new();
    let server = ca.serve();
    let mozillas = Roots {
        mozilla: true,
        os: false,
        pem: None,
    };
    let transport = match A::with_roots(Roots {
        os: true,
        ..mozillas
    }) {
        Ok(transport) => transport,
        // A machine without a certificate store says so; Mozilla's roots alone are checked.
        Err(error) => {
            assert!(error.is_config(), "{error:?}");
            A::with_roots(mozillas).unwrap()
        }
    };
    let error = transport.send(request_to(&server.url())).unwrap_err();
    assert!(error.is_tls() && !error.may_have_been_sent(), "{error:?}");
    assert!(!error.is_transient());
    assert_eq!(
        error.tls_failure(),
        Some(TlsFailure::UnknownIssuer),
        "{error:?}"
    );
    assert!(error.to_string().contains("unknown issuer"), "{error}");
}

/// Over a client the user built, the transport's own rules still hold: statuses are returned,
/// the body cap is the builder's, plain HTTP to a host that is not loopback is refused.
pub fn a_user_built_client_keeps_the_guarantees<A: OverUsersClient>() {
    let transport = A::over_users_client(200);
    let server = TestServer::scripted(vec![
        Reply::json(404, clerk_error("resource_not_found", "t")),
        Reply::json(200, vec![b'x'; 201]),
    ]);
    let response = transport.send(request_to(&server.url())).unwrap();
    assert_eq!(response.status(), 404);
    let error = transport
        .send(without_its_cap(request_to(&server.url())))
        .unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    let error = transport
        .send(request_to("http://example.com"))
        .unwrap_err();
    assert!(error.is_insecure_scheme(), "{error:?}");
}
