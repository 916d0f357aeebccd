//! [`EmulatorStats`]: what the emulator counted, for tests, for `GET /_emulator/stats` and for
//! the lines the binary prints when it stops.

use std::time::Duration;

use serde_json::{Value, json};

/// What the emulator has counted since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmulatorStats {
    /// Requests received (their head read), whatever their answer; the stats endpoint's own
    /// are not counted.
    pub requests: u64,
    /// 429 answers sent, whatever their cause (the rate limit or a fault).
    pub rate_limited: u64,
    /// The most arrivals with the emulator's key seen in any window of [`window`], refused
    /// ones included, the neighbour's phantom arrivals not.
    ///
    /// [`window`]: EmulatorStats::window
    pub peak_window: u64,
    /// Phantom arrivals of the neighbour counted in the window so far (see
    /// [`EmulatorBuilder::neighbour`](super::builder::EmulatorBuilder::neighbour)).
    pub neighbour_arrivals: u64,
    /// Arrivals allowed per window; `None` when the limit is off.
    pub limit: Option<u32>,
    /// The window of the limit and of [`peak_window`](EmulatorStats::peak_window) (10 s
    /// unless a limit says otherwise).
    pub window: Duration,
}

impl EmulatorStats {
    /// `{"requests","rate_limited","peak_window","neighbour_arrivals","limit","window_ms"}`, as
    /// `GET /_emulator/stats` answers (`limit` is `null` when off).
    pub fn to_json(&self) -> Value {
        json!({
            "requests": self.requests,
            "rate_limited": self.rate_limited,
            "peak_window": self.peak_window,
            "neighbour_arrivals": self.neighbour_arrivals,
            "limit": self.limit,
            "window_ms": u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// One `label value` line per number, in the order of [`EmulatorStats::to_json`] (`limit
    /// off` when there is none), as the binary prints them when it stops.
    pub fn to_lines(&self) -> String {
        let limit = self
            .limit
            .map_or_else(|| "off".to_owned(), |l| l.to_string());
        format!(
            "requests {}\nrate_limited {}\npeak_window {}\nneighbour_arrivals {}\nlimit {limit}\nwindow_ms {}\n",
            self.requests,
            self.rate_limited,
            self.peak_window,
            self.neighbour_arrivals,
            self.window.as_millis(),
        )
    }
}
