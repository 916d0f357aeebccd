//! Clerk timestamps: Unix milliseconds in an `i64`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Turns a Clerk timestamp (Unix milliseconds) into a `SystemTime`.
///
/// Reads no clock: it is arithmetic from the Unix epoch. Values before the epoch are handled;
/// values a `SystemTime` cannot hold saturate at the epoch.
///
/// ```
/// use clerk_moderation_core::model::unix_millis_to_system_time;
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let t = unix_millis_to_system_time(1_716_883_200_000);
/// assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_716_883_200));
/// ```
pub fn unix_millis_to_system_time(millis: i64) -> SystemTime {
    let offset = Duration::from_millis(millis.unsigned_abs());
    let time = if millis >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    time.unwrap_or(UNIX_EPOCH)
}
