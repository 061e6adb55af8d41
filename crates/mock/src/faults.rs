//! Fault injection: misbehaviour a test switches on for one service.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// What the next request gets instead of a normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Answer with this status (and a body shaped as the real service's).
    Status(u16),
    /// Send the head, then break the connection.
    Drop,
    /// Answer 200 with a body that is not valid JSON.
    Malformed,
}

#[derive(Debug, Default)]
struct State {
    delay: Duration,
    /// Faults for the next requests, first one first.
    queue: Vec<Fault>,
}

/// The faults of one service. Cheap to clone; clones share state.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<State>>);

impl Faults {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave `State` half-changed.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Delay every answer by `delay` (zero to stop).
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// Answer the next `n` requests with `status`.
    pub fn fail_next(&self, status: u16, n: usize) {
        self.state()
            .queue
            .extend(std::iter::repeat_n(Fault::Status(status), n));
    }

    /// Break the connection of the next `n` requests after sending the head.
    pub fn drop_next(&self, n: usize) {
        self.state()
            .queue
            .extend(std::iter::repeat_n(Fault::Drop, n));
    }

    /// Answer the next `n` requests with a 200 whose JSON is cut short.
    pub fn malform_next(&self, n: usize) {
        self.state()
            .queue
            .extend(std::iter::repeat_n(Fault::Malformed, n));
    }

    /// Back to normal behaviour.
    pub fn clear(&self) {
        *self.state() = State::default();
    }

    /// The delay and the fault (if any) for the request arriving now.
    pub(crate) fn next(&self) -> (Duration, Option<Fault>) {
        let mut state = self.state();
        let fault = (!state.queue.is_empty()).then(|| state.queue.remove(0));
        (state.delay, fault)
    }
}
