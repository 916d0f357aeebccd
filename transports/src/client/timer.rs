//! `Timer` and `LocalTimer`: how the async client waits, so that it needs no particular
//! runtime; and [`TimerHandle`], how a client holds one, which decides whether its futures are
//! `Send`.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use clerk_moderation_core::Instant;

/// Sleeps until an instant, on whatever runtime the caller uses. `TokioTimer` (feature
/// `tokio`) is one; so is any `Fn(Instant) -> impl Future<Output = ()>` whose future is `Send`,
/// such as `|at| async move { async_io::Timer::at(at).await; }` for smol or async-std.
///
/// For a timer whose future is not `Send` (JavaScript's `setTimeout` on wasm32), see
/// [`LocalTimer`].
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

/// [`Timer`] for single-threaded executors: its future need not be `Send`, and it need not be
/// shared across threads. The timer of a [`LocalAsyncClient`](crate::LocalAsyncClient).
///
/// Every [`Timer`] is one. A closure whose future is not `Send` becomes one through
/// [`local_timer_fn`]; on wasm32 the `fetch` feature's `fetch::JsTimer` (JavaScript's
/// `setTimeout`) is one ready-made.
pub trait LocalTimer: 'static {
    /// A future that completes at `deadline` (at once if it is past).
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Future<Output = ()>>>;
}

impl<K: Timer + ?Sized> LocalTimer for K {
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Future<Output = ()>>> {
        Timer::sleep_until(self, deadline)
    }
}

/// A closure whose future need not be `Send`, as a [`LocalTimer`]: see [`local_timer_fn`].
#[derive(Clone, Copy, Debug)]
pub struct LocalTimerFn<F>(F);

/// Makes a closure returning a future that is not `Send` a [`LocalTimer`]. A closure whose
/// future is `Send` needs no wrapper: it is a [`Timer`], hence a local one too.
pub fn local_timer_fn<F, Fut>(sleep_until: F) -> LocalTimerFn<F>
where
    F: Fn(Instant) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    LocalTimerFn(sleep_until)
}

impl<F, Fut> LocalTimer for LocalTimerFn<F>
where
    F: Fn(Instant) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Future<Output = ()>>> {
        Box::pin((self.0)(deadline))
    }
}

/// How an [`AsyncClient`](crate::AsyncClient) holds its timer: `Arc<dyn Timer>` (the default:
/// the client's futures are `Send` when its transport's are, for tokio's `spawn`) or
/// `Rc<dyn LocalTimer>` (a [`LocalAsyncClient`](crate::LocalAsyncClient), for single-threaded
/// executors and wasm32). The client is written once over this; only the sleep's type differs.
///
/// Sealed: these two are the only handles.
pub trait TimerHandle: Clone + sealed::Sealed {
    /// The future of one sleep.
    type Sleep: Future<Output = ()> + Unpin;

    /// A future that completes at `deadline` (at once if it is past).
    fn sleep_until(&self, deadline: Instant) -> Self::Sleep;
}

// For every lifetime of the trait object, though only `'static` ones can be made: a `Send` check
// on a client's future sees the type with its lifetimes erased, and must still find this impl.
impl<'a> TimerHandle for Arc<dyn Timer + 'a> {
    type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn sleep_until(&self, deadline: Instant) -> Self::Sleep {
        Timer::sleep_until(&**self, deadline)
    }
}

impl<'a> TimerHandle for Rc<dyn LocalTimer + 'a> {
    type Sleep = Pin<Box<dyn Future<Output = ()>>>;

    fn sleep_until(&self, deadline: Instant) -> Self::Sleep {
        LocalTimer::sleep_until(&**self, deadline)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for std::sync::Arc<dyn super::Timer + '_> {}
    impl Sealed for std::rc::Rc<dyn super::LocalTimer + '_> {}
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
