//! Fault injection: misbehaviour a test switches on for one service.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// What the next request gets instead of a normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Answer 200 with exactly this JSON body: an answer the service has
    /// changed (a field of another type, say), for tests of what a client
    /// makes of it.
    Answer(Arc<str>),
    /// Answer with this status (and a body shaped as the real service's).
    Status(u16),
    /// As `Status`, with this header (name, value) added.
    StatusWithHeader(u16, Arc<str>, Arc<str>),
    /// Answer 200 with exactly this body, of this `Content-Type`.
    Typed {
        content_type: Arc<str>,
        body: Arc<str>,
    },
    /// Send the head, then break the connection.
    Drop,
    /// Answer 200 with a body that is not valid JSON.
    Malformed,
    /// Answer 200 with the JSON literal `null` (Toggl has answered empty
    /// lists so on other endpoints).
    Null,
    /// Answer 200 with a valid JSON list of clients this many bytes long,
    /// with its `Content-Length`.
    Oversized(u64),
    /// Answer 200 with a JSON list that never ends (chunked, no length).
    Endless,
    /// Accept the request and never answer.
    Silence,
}

/// What the `Date` header of the answers says: what a go-between (a
/// proxy, a load balancer) with a clock of its own may make of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum DateHeader {
    /// The service's own time.
    #[default]
    True,
    /// The service's time moved by this much.
    Shifted(chrono::Duration),
    /// No `Date` at all.
    Absent,
}

#[derive(Debug, Default)]
struct State {
    delay: Duration,
    /// How long an answer is held after it is computed, before it goes out.
    hold: Duration,
    /// Held answers to one method and path only: (method, path, hold).
    hold_route: Option<(String, String, Duration)>,
    date: DateHeader,
    /// How long a new client stays invisible to reads.
    lag: Duration,
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

    fn queue(&self, fault: Fault, n: usize) {
        self.state().queue.extend(std::iter::repeat_n(fault, n));
    }

    /// Delay every answer by `delay` (zero to stop).
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// Hold every answer for `hold` after it is computed and before it is
    /// sent (zero to stop): what a slow link does. A change that lands
    /// meanwhile is not in the answer, and the answer's `Date` is later
    /// than its snapshot.
    pub fn hold_answers(&self, hold: Duration) {
        self.state().hold = hold;
    }

    /// Hold the answers to `method` `path` (below `/api/v9`) for `hold`
    /// after they are computed: one slow request among quick ones (a full
    /// read through a slow link while other commands run).
    pub fn hold_answers_to(&self, method: &str, path: &str, hold: Duration) {
        self.state().hold_route = Some((method.to_owned(), path.to_owned(), hold));
    }

    /// Send `Date` moved by `by` from the service's time, as a go-between
    /// with a wrong clock would (zero to stop).
    pub fn shift_date(&self, by: chrono::Duration) {
        self.state().date = if by.is_zero() {
            DateHeader::True
        } else {
            DateHeader::Shifted(by)
        };
    }

    /// Send no `Date` header at all.
    pub fn strip_date(&self) {
        self.state().date = DateHeader::Absent;
    }

    /// Eventual consistency: a client stays invisible to every read (get,
    /// update, archive, restore, delete, lists) for `lag` after its
    /// creation, as Toggl warns may happen (zero to stop).
    pub fn set_visibility_lag(&self, lag: Duration) {
        self.state().lag = lag;
    }

    /// Answer the next `n` requests with `status`.
    pub fn fail_next(&self, status: u16, n: usize) {
        self.queue(Fault::Status(status), n);
    }

    /// Answer the next `n` requests with `status`, as
    /// [`fail_next`](Self::fail_next) does, and the header `name: value`
    /// besides: a `Retry-After` on a 429 or a 503, in seconds or as a date,
    /// as rate limiting in front of the service may send it. The headers the
    /// service stamps on every answer (`Date`, the request id, the quota)
    /// stay its own.
    pub fn fail_next_with_header(&self, status: u16, n: usize, name: &str, value: &str) {
        self.queue(
            Fault::StatusWithHeader(status, Arc::from(name), Arc::from(value)),
            n,
        );
    }

    /// Break the connection of the next `n` requests after sending the head.
    pub fn drop_next(&self, n: usize) {
        self.queue(Fault::Drop, n);
    }

    /// Answer the next `n` requests with a 200 whose JSON is cut short.
    pub fn malform_next(&self, n: usize) {
        self.queue(Fault::Malformed, n);
    }

    /// Answer the next `n` requests with a 200 whose body is `null`.
    pub fn null_next(&self, n: usize) {
        self.queue(Fault::Null, n);
    }

    /// Answer the next request with a valid list of `bytes` bytes.
    pub fn oversize_next(&self, bytes: u64) {
        self.queue(Fault::Oversized(bytes), 1);
    }

    /// Answer the next request with a list that streams without end.
    pub fn endless_next(&self) {
        self.queue(Fault::Endless, 1);
    }

    /// Answer the next request with a 200 whose JSON body is `body`, as
    /// it is: what a changed service would send.
    pub fn answer_next(&self, body: impl Into<String>) {
        self.queue(Fault::Answer(Arc::from(body.into())), 1);
    }

    /// Answer the next request with a 200 whose body is `body` and whose
    /// `Content-Type` is `content_type`, as they are: an answer the spec
    /// does not describe (a delete's plain-text `OK`, say), for tests that a
    /// client does not read what it need not.
    pub fn answer_next_as(&self, content_type: &str, body: impl Into<String>) {
        let fault = Fault::Typed {
            content_type: Arc::from(content_type),
            body: Arc::from(body.into()),
        };
        self.queue(fault, 1);
    }

    /// Never answer the next `n` requests.
    pub fn silence_next(&self, n: usize) {
        self.queue(Fault::Silence, n);
    }

    /// Back to normal behaviour.
    pub fn clear(&self) {
        *self.state() = State::default();
    }

    /// The visibility lag of new clients.
    pub(crate) fn lag(&self) -> Duration {
        self.state().lag
    }

    /// How long the answer to `method` `path` is held, and what its
    /// `Date` says.
    pub(crate) fn on_the_way_out(&self, method: &str, path: &str) -> (Duration, DateHeader) {
        let state = self.state();
        let route = match &state.hold_route {
            Some((m, p, hold)) if m == method && p == path => *hold,
            _ => Duration::ZERO,
        };
        (state.hold.max(route), state.date)
    }

    /// The delay and the fault (if any) for the request arriving now.
    pub(crate) fn next(&self) -> (Duration, Option<Fault>) {
        let mut state = self.state();
        let fault = (!state.queue.is_empty()).then(|| state.queue.remove(0));
        (state.delay, fault)
    }
}
