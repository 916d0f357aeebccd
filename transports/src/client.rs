//! `Client` and `AsyncClient`: run operations over any transport, with the retry policy.

use std::error::Error as StdError;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use clerk_moderation_core::{
    ApiConfig, AttemptOutcome, BanUser, BanUsers, BuildError, GetUser, LockUser, MAX_BULK_USER_IDS,
    Operation, ResponseError, RetryDecision, RetryPolicy, RetryState, StopReason, Transport,
    UnbanUser, UnbanUsers, UnlockUser, User, UserId,
};

/// Why a client call failed, with the last outcome, how many attempts were made and, for the
/// bulk calls, the users of the chunks that had already succeeded.
///
/// Carries no secret: build errors never hold the key, responses are the server's, and the
/// transport errors of this crate hold neither the request nor its headers.
pub struct ClientError<E> {
    kind: ClientErrorKind<E>,
    operation: &'static str,
    attempts: u32,
    stop: Option<StopReason>,
    completed: Vec<User>,
}

/// The last outcome of a failed call.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientErrorKind<E> {
    /// The request could not be built; nothing was sent.
    Build(BuildError),
    /// The last attempt got a response, and it was an error (a 404, a 429 past the retry
    /// budget, a 2xx that did not decode…).
    Response(ResponseError),
    /// The last attempt got no response.
    Transport(E),
}

impl<E> ClientError<E> {
    fn new(kind: ClientErrorKind<E>, operation: &'static str, attempts: u32) -> Self {
        Self {
            kind,
            operation,
            attempts,
            stop: None,
            completed: Vec::new(),
        }
    }

    /// The last outcome.
    pub fn kind(&self) -> &ClientErrorKind<E> {
        &self.kind
    }

    /// The last outcome, owned.
    pub fn into_kind(self) -> ClientErrorKind<E> {
        self.kind
    }

    /// The operation's name, such as `unlock_user`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Attempts made (0 when the request could not be built). For a bulk call: the attempts of
    /// the chunk that failed.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Why the retry policy stopped, when it was asked.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stop
    }

    /// For `ban_many` and `unban_many`: the users of the chunks that succeeded before this
    /// failure, in input order (those users were changed). Empty for other calls.
    pub fn completed_users(&self) -> &[User] {
        &self.completed
    }

    /// The response error, if the last attempt got a response.
    pub fn response(&self) -> Option<&ResponseError> {
        match &self.kind {
            ClientErrorKind::Response(e) => Some(e),
            _ => None,
        }
    }

    /// The transport error, if the last attempt got no response.
    pub fn transport(&self) -> Option<&E> {
        match &self.kind {
            ClientErrorKind::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// The build error, if the request could not be built.
    pub fn build(&self) -> Option<&BuildError> {
        match &self.kind {
            ClientErrorKind::Build(e) => Some(e),
            _ => None,
        }
    }

    /// A 404 response.
    pub fn is_not_found(&self) -> bool {
        self.response().is_some_and(ResponseError::is_not_found)
    }

    /// A 429 response (the retry budget did not cover it).
    pub fn is_rate_limited(&self) -> bool {
        self.response().is_some_and(ResponseError::is_rate_limited)
    }
}

impl<E: fmt::Debug> fmt::Debug for ClientError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientError")
            .field("kind", &self.kind)
            .field("operation", &self.operation)
            .field("attempts", &self.attempts)
            .field("stop", &self.stop)
            .field("completed_users", &self.completed.len())
            .finish()
    }
}

impl<E: fmt::Display> fmt::Display for ClientError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ClientErrorKind::Build(e) => write!(f, "{}: not sent: {e}", self.operation),
            ClientErrorKind::Response(e) => {
                write!(
                    f,
                    "{} failed after {} attempt(s): {e}",
                    self.operation, self.attempts
                )
            }
            ClientErrorKind::Transport(e) => write!(
                f,
                "{} failed after {} attempt(s), no response: {e}",
                self.operation, self.attempts
            ),
        }
    }
}

impl<E: StdError + 'static> StdError for ClientError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.kind {
            ClientErrorKind::Build(e) => Some(e),
            ClientErrorKind::Response(e) => Some(e),
            ClientErrorKind::Transport(e) => Some(e),
        }
    }
}

/// A retry about to happen, as shown to a hook set with `on_retry`.
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryEvent<'a> {
    /// The operation's name, such as `unlock_user`.
    pub operation: &'static str,
    /// The attempt that just failed (1 for the first).
    pub attempt: u32,
    /// How long the client waits before the next attempt.
    pub wait: Duration,
    /// How the attempt failed.
    pub cause: RetryCause<'a>,
}

/// How an attempt failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RetryCause<'a> {
    /// An error response (429, 503…).
    Response(&'a ResponseError),
    /// No response.
    Transport(&'a (dyn StdError + Send + Sync + 'static)),
}

type RetryHook = Arc<dyn Fn(&RetryEvent<'_>) + Send + Sync>;

/// How one attempt failed.
enum Failure<E> {
    Response(ResponseError),
    Transport(E),
}

impl<E: StdError + Send + Sync + 'static> Failure<E> {
    fn outcome(&self) -> AttemptOutcome<'_> {
        match self {
            Self::Response(e) => AttemptOutcome::Response(e),
            Self::Transport(_) => AttemptOutcome::TransportFailure,
        }
    }

    fn cause(&self) -> RetryCause<'_> {
        match self {
            Self::Response(e) => RetryCause::Response(e),
            Self::Transport(e) => RetryCause::Transport(e),
        }
    }

    fn into_error(
        self,
        operation: &'static str,
        state: &RetryState,
        stop: StopReason,
    ) -> ClientError<E> {
        let kind = match self {
            Self::Response(e) => ClientErrorKind::Response(e),
            Self::Transport(e) => ClientErrorKind::Transport(e),
        };
        let mut error = ClientError::new(kind, operation, state.attempts());
        error.stop = Some(stop);
        error
    }
}

/// Decides after a failed attempt; calls the hook when it is a retry.
fn decide<E: StdError + Send + Sync + 'static>(
    state: &mut RetryState,
    failure: &Failure<E>,
    operation: &'static str,
    hook: Option<&RetryHook>,
) -> RetryDecision {
    let attempt = state.attempts();
    let decision = state.next(failure.outcome(), SystemTime::now(), random_u64());
    if let (RetryDecision::RetryAfter(wait), Some(hook)) = (decision, hook) {
        hook(&RetryEvent {
            operation,
            attempt,
            wait,
            cause: failure.cause(),
        });
    }
    decision
}

/// A random `u64` for the retry jitter, from std alone: a fresh `RandomState` (randomly keyed
/// per thread, and a different key each time) hashing a process-wide counter.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Sorts one chunk's users into the order of its ids (users the chunk did not ask for, if any,
/// go last, in the order they came).
fn in_input_order(ids: &[UserId], mut users: Vec<User>) -> Vec<User> {
    let position = |user: &User| {
        ids.iter()
            .position(|id| id.as_str() == user.id)
            .unwrap_or(usize::MAX)
    };
    users.sort_by_cached_key(position);
    users
}

/// The operations `ban_many` and `unban_many` run.
trait BulkOperation: Operation<Output = Vec<User>> + Sized {
    fn for_chunk(ids: &[UserId]) -> Result<Self, BuildError>;
}

impl BulkOperation for BanUsers {
    fn for_chunk(ids: &[UserId]) -> Result<Self, BuildError> {
        BanUsers::new(ids.iter().cloned())
    }
}

impl BulkOperation for UnbanUsers {
    fn for_chunk(ids: &[UserId]) -> Result<Self, BuildError> {
        UnbanUsers::new(ids.iter().cloned())
    }
}

/// A blocking client: runs operations over any [`Transport`], retrying as its
/// [`RetryPolicy`] says (sleeping the thread in between).
///
/// ```
/// use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
/// use clerk_moderation_transports::Client;
///
/// // Any closure is a transport; this one answers every request with the same user.
/// let transport = |_request: http::Request<Vec<u8>>| {
///     http::Response::builder()
///         .status(200)
///         .body(br#"{"id":"user_1","object":"user","locked":false}"#.to_vec())
/// };
/// let client = Client::new(ApiConfig::new(SecretKey::new("sk_test_x").unwrap()), transport);
/// let user = client.unlock(&UserId::new("user_1").unwrap()).unwrap();
/// assert_eq!(user.id, "user_1");
/// ```
#[derive(Clone)]
pub struct Client<T> {
    config: ApiConfig,
    transport: T,
    retry: RetryPolicy,
    hook: Option<RetryHook>,
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Client<T> {
    /// A client with the default [`RetryPolicy`].
    pub fn new(config: ApiConfig, transport: T) -> Self {
        Self {
            config,
            transport,
            retry: RetryPolicy::default(),
            hook: None,
        }
    }

    /// Replaces the retry policy ([`RetryPolicy::never`] turns retries off).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Calls `hook` before each retry (for metrics or logs; it never sees the secret).
    pub fn on_retry(mut self, hook: impl Fn(&RetryEvent<'_>) + Send + Sync + 'static) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// The config.
    pub fn config(&self) -> &ApiConfig {
        &self.config
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Runs any operation, retrying as the policy says.
    pub fn execute<O: Operation>(&self, operation: &O) -> Result<O::Output, ClientError<T::Error>> {
        let mut state = self.retry.start();
        loop {
            let request = operation
                .build_request(&self.config)
                .map_err(|e| ClientError::new(ClientErrorKind::Build(e), O::NAME, 0))?;
            let failure = match self.transport.send(request) {
                Ok(response) => match operation.parse_response(response) {
                    Ok(output) => return Ok(output),
                    Err(e) => Failure::Response(e),
                },
                Err(e) => Failure::Transport(e),
            };
            match decide(&mut state, &failure, O::NAME, self.hook.as_ref()) {
                RetryDecision::RetryAfter(wait) => std::thread::sleep(wait),
                RetryDecision::Stop(stop) => return Err(failure.into_error(O::NAME, &state, stop)),
                // A decision this version does not know: stop rather than guess.
                _ => return Err(failure.into_error(O::NAME, &state, StopReason::NotRetryable)),
            }
        }
    }

    /// `POST /v1/users/{id}/unlock`.
    pub fn unlock(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
        self.execute(&UnlockUser::new(user_id.clone()))
    }

    /// `POST /v1/users/{id}/unban`.
    pub fn unban(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
        self.execute(&UnbanUser::new(user_id.clone()))
    }

    /// `POST /v1/users/{id}/lock`.
    pub fn lock(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
        self.execute(&LockUser::new(user_id.clone()))
    }

    /// `POST /v1/users/{id}/ban`.
    pub fn ban(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
        self.execute(&BanUser::new(user_id.clone()))
    }

    /// `GET /v1/users/{id}`.
    pub fn get_user(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
        self.execute(&GetUser::new(user_id.clone()))
    }

    /// `POST /v1/users/ban` for any number of ids: in chunks of 50, one after the other; the
    /// users come back in input order. No ids, no request.
    pub fn ban_many(&self, user_ids: &[UserId]) -> Result<Vec<User>, ClientError<T::Error>> {
        self.bulk::<BanUsers>(user_ids)
    }

    /// `POST /v1/users/unban` for any number of ids: in chunks of 50, one after the other; the
    /// users come back in input order. No ids, no request.
    pub fn unban_many(&self, user_ids: &[UserId]) -> Result<Vec<User>, ClientError<T::Error>> {
        self.bulk::<UnbanUsers>(user_ids)
    }

    fn bulk<O: BulkOperation>(
        &self,
        user_ids: &[UserId],
    ) -> Result<Vec<User>, ClientError<T::Error>> {
        let mut users = Vec::with_capacity(user_ids.len());
        for chunk in user_ids.chunks(MAX_BULK_USER_IDS) {
            let result = O::for_chunk(chunk)
                .map_err(|e| ClientError::new(ClientErrorKind::Build(e), O::NAME, 0))
                .and_then(|operation| self.execute(&operation));
            match result {
                Ok(chunk_users) => users.extend(in_input_order(chunk, chunk_users)),
                Err(mut error) => {
                    error.completed = users;
                    return Err(error);
                }
            }
        }
        Ok(users)
    }
}

#[cfg(feature = "tokio")]
pub use async_client::AsyncClient;

#[cfg(feature = "tokio")]
mod async_client {
    use super::*;
    use clerk_moderation_core::AsyncTransport;

    /// An async client: runs operations over any [`AsyncTransport`], retrying as its
    /// [`RetryPolicy`] says (waiting with `tokio::time::sleep`, so it needs a tokio runtime
    /// with the timer on). Its futures are `Send` when the transport's are.
    ///
    /// ```
    /// use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
    /// use clerk_moderation_transports::AsyncClient;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let transport = |_request: http::Request<Vec<u8>>| async {
    ///     http::Response::builder()
    ///         .status(200)
    ///         .body(br#"{"id":"user_1","object":"user","banned":false}"#.to_vec())
    /// };
    /// let client = AsyncClient::new(ApiConfig::new(SecretKey::new("sk_test_x").unwrap()), transport);
    /// let user = client.unban(&UserId::new("user_1").unwrap()).await.unwrap();
    /// assert_eq!(user.id, "user_1");
    /// # }
    /// ```
    #[derive(Clone)]
    pub struct AsyncClient<T> {
        config: ApiConfig,
        transport: T,
        retry: RetryPolicy,
        hook: Option<RetryHook>,
    }

    impl<T> fmt::Debug for AsyncClient<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("AsyncClient")
                .field("config", &self.config)
                .field("retry", &self.retry)
                .finish_non_exhaustive()
        }
    }

    impl<T: AsyncTransport> AsyncClient<T> {
        /// A client with the default [`RetryPolicy`].
        pub fn new(config: ApiConfig, transport: T) -> Self {
            Self {
                config,
                transport,
                retry: RetryPolicy::default(),
                hook: None,
            }
        }

        /// Replaces the retry policy ([`RetryPolicy::never`] turns retries off).
        pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
            self.retry = policy;
            self
        }

        /// Calls `hook` before each retry (for metrics or logs; it never sees the secret).
        pub fn on_retry(mut self, hook: impl Fn(&RetryEvent<'_>) + Send + Sync + 'static) -> Self {
            self.hook = Some(Arc::new(hook));
            self
        }

        /// The config.
        pub fn config(&self) -> &ApiConfig {
            &self.config
        }

        /// The transport.
        pub fn transport(&self) -> &T {
            &self.transport
        }

        /// The retry policy.
        pub fn retry_policy(&self) -> &RetryPolicy {
            &self.retry
        }

        /// Runs any operation, retrying as the policy says.
        pub async fn execute<O: Operation>(
            &self,
            operation: &O,
        ) -> Result<O::Output, ClientError<T::Error>> {
            let mut state = self.retry.start();
            loop {
                let request = operation
                    .build_request(&self.config)
                    .map_err(|e| ClientError::new(ClientErrorKind::Build(e), O::NAME, 0))?;
                let failure = match self.transport.send(request).await {
                    Ok(response) => match operation.parse_response(response) {
                        Ok(output) => return Ok(output),
                        Err(e) => Failure::Response(e),
                    },
                    Err(e) => Failure::Transport(e),
                };
                match decide(&mut state, &failure, O::NAME, self.hook.as_ref()) {
                    RetryDecision::RetryAfter(wait) => tokio::time::sleep(wait).await,
                    RetryDecision::Stop(stop) => {
                        return Err(failure.into_error(O::NAME, &state, stop));
                    }
                    _ => return Err(failure.into_error(O::NAME, &state, StopReason::NotRetryable)),
                }
            }
        }

        /// `POST /v1/users/{id}/unlock`.
        pub async fn unlock(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
            self.execute(&UnlockUser::new(user_id.clone())).await
        }

        /// `POST /v1/users/{id}/unban`.
        pub async fn unban(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
            self.execute(&UnbanUser::new(user_id.clone())).await
        }

        /// `POST /v1/users/{id}/lock`.
        pub async fn lock(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
            self.execute(&LockUser::new(user_id.clone())).await
        }

        /// `POST /v1/users/{id}/ban`.
        pub async fn ban(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
            self.execute(&BanUser::new(user_id.clone())).await
        }

        /// `GET /v1/users/{id}`.
        pub async fn get_user(&self, user_id: &UserId) -> Result<User, ClientError<T::Error>> {
            self.execute(&GetUser::new(user_id.clone())).await
        }

        /// `POST /v1/users/ban` for any number of ids: in chunks of 50, one after the other;
        /// the users come back in input order. No ids, no request.
        pub async fn ban_many(
            &self,
            user_ids: &[UserId],
        ) -> Result<Vec<User>, ClientError<T::Error>> {
            self.bulk::<BanUsers>(user_ids).await
        }

        /// `POST /v1/users/unban` for any number of ids: in chunks of 50, one after the other;
        /// the users come back in input order. No ids, no request.
        pub async fn unban_many(
            &self,
            user_ids: &[UserId],
        ) -> Result<Vec<User>, ClientError<T::Error>> {
            self.bulk::<UnbanUsers>(user_ids).await
        }

        async fn bulk<O: BulkOperation>(
            &self,
            user_ids: &[UserId],
        ) -> Result<Vec<User>, ClientError<T::Error>> {
            let mut users = Vec::with_capacity(user_ids.len());
            for chunk in user_ids.chunks(MAX_BULK_USER_IDS) {
                let operation = match O::for_chunk(chunk) {
                    Ok(operation) => operation,
                    Err(e) => {
                        let mut error = ClientError::new(ClientErrorKind::Build(e), O::NAME, 0);
                        error.completed = users;
                        return Err(error);
                    }
                };
                match self.execute(&operation).await {
                    Ok(chunk_users) => users.extend(in_input_order(chunk, chunk_users)),
                    Err(mut error) => {
                        error.completed = users;
                        return Err(error);
                    }
                }
            }
            Ok(users)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_values_differ() {
        let values: std::collections::HashSet<u64> = (0..100).map(|_| random_u64()).collect();
        assert!(values.len() > 95);
    }
}
