//! `Timer`: how the async client waits, so that it needs no particular runtime.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

/// Sleeps until an instant, on whatever runtime the caller uses. [`TokioTimer`] (feature
/// `tokio`) is one; so is any `Fn(Instant) -> impl Future<Output = ()>`, such as
/// `|at| async move { async_io::Timer::at(at).await; }` for smol or async-std.
pub trait Timer: Send + Sync + 'static {
    /// A future that completes at `deadline` (at once if it is past).
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

impl<F, Fut> Timer for F
where
    F: Fn(Instant) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(self(deadline))
    }
}

/// tokio's timer (needs a runtime with the time driver on).
#[cfg(feature = "tokio")]
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioTimer;

#[cfg(feature = "tokio")]
impl Timer for TokioTimer {
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep_until(tokio::time::Instant::from_std(
            deadline,
        )))
    }
}
