//! The service's clock: the time it stamps on changes (`at`), on its
//! answers (`Date`) and against which it judges an old `since`. Real time
//! by default; a test sets it ahead or behind to play a service whose
//! clock disagrees with the caller's, without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// The real time plus an offset that tests set.
#[derive(Debug, Default)]
pub struct Clock {
    /// Milliseconds added to the real time.
    offset_ms: AtomicI64,
}

impl Clock {
    /// The service's time now.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Runs the clock `offset` ahead of real time (behind when negative).
    pub fn set_offset(&self, offset: Duration) {
        self.offset_ms
            .store(offset.num_milliseconds(), Ordering::Relaxed);
    }

    /// Moves the clock on by `by`, as if that much time had passed.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}
