//! How a client behaves, set on [`ClientBuilder`](crate::ClientBuilder):
//! retries, pacing, the quota reserve, and the bounds, with their defaults.

use std::time::Duration;

pub use crate::pacing::Pacing;
pub use crate::pipeline::{Jitter, ReadAfterCreate, RetryPolicy};
pub use crate::quota::QuotaReserve;

/// The production service.
pub const DEFAULT_BASE_URL: &str = "https://api.track.toggl.com/api/v9";

/// The default bound on one attempt, from connecting to the last body byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default bound on connecting.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default bound on one operation, all attempts and waits included.
///
/// Two minutes: long enough for the default [`RetryPolicy`] to ride out a
/// brief outage (four attempts with backoff, each answered in the seconds a
/// slow service takes), short enough that a program never hangs on a
/// service that stopped answering. A person at a terminal wants less: the
/// command-line tool uses 30 seconds.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// The default cap on a response body: 64 MiB. A workspace of 100,000
/// clients answers a list with about 23 MB of JSON, so real answers stay far
/// below it; decoding a capped answer needs a few times its size, well
/// within any machine's memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
