//! Every wait of a call is decided here, and only here: [`decide`] says
//! whether a request goes now, waits (how long, and why), or gives up. It
//! weighs the quota reserve against the quota last reported, the pacer's
//! answer, the retry policy's backoff, the service's `Retry-After`, a quota
//! reset, and the operation's deadline. It is pure: the clock, the pacer,
//! the quota tracker and the random draw for jitter are read by the
//! pipeline and handed in as [`Facts`], so every rule is tested here
//! without HTTP or time. The pipeline carries out what it answers; the
//! progress callbacks only report it.

use std::time::Duration;

use reqwest::StatusCode;

use super::retry::{Jitter, RetryClass, RetryPolicy};
use crate::events::WaitReason;
use crate::quota::{QuotaReserve, reset_wait};

/// The most quota resets one operation waits for: a day of hourly
/// windows, and a stop for a service that reports a used-up quota that
/// resets at once, again and again.
const MAX_QUOTA_WAITS: u32 = 24;

/// The shortest pacing wait: a pacer that refuses a request but asks for
/// no time (its clock is coarser than ours) is not asked again at once.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// The reset assumed for a quota `402` that does not say when.
const ASSUMED_RESET: Duration = Duration::from_secs(60);

/// What one decision depends on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Facts<'p> {
    /// Time left before the operation's deadline.
    pub left: Duration,
    /// The caller's quota reserve: the requests kept back, and whether a
    /// reset is waited for (past the deadline if need be) rather than the
    /// operation failing. Without one, a quota `402` stands.
    pub reserve: Option<QuotaReserve>,
    /// What the operation has spent so far.
    pub spent: Spent,
    /// Where the call is.
    pub moment: Moment<'p>,
}

/// Where a call is when it asks.
#[derive(Debug, Clone, Copy)]
pub(super) enum Moment<'p> {
    /// Before an attempt.
    BeforeAttempt {
        /// The quota as last reported, while its window runs (read only
        /// under a reserve).
        quota: Option<Known>,
        /// The wait the pacer asks for when it holds the request back;
        /// none when it let the request go (or there is no pacer).
        pacing: Option<Duration>,
    },
    /// After an attempt that failed.
    AfterFailure(Failure<'p>),
}

/// The quota as last reported, as of now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Known {
    /// Requests left (negative while Toggl does not enforce the quota).
    pub remaining: i64,
    /// Time until the window starts afresh.
    pub resets_in: Duration,
}

/// A failed attempt, as retrying sees it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Failure<'p> {
    /// The caller's retry policy.
    pub policy: &'p RetryPolicy,
    /// Could the service have acted on it, and when did it ask to be tried
    /// again (`Retry-After`, or a quota reset).
    pub class: RetryClass,
    /// The status it got; none without an answer.
    pub status: Option<StatusCode>,
    /// The request may be sent twice.
    pub idempotent: bool,
    /// It concerned a client this client created a moment ago.
    pub target_is_new: bool,
    /// A uniform draw from `[0, 1)`, for the policy's jitter.
    pub draw: f64,
}

/// What an operation has spent: attempts, and the waits between them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Spent {
    /// Attempts started (1 for the first).
    pub attempts: u32,
    /// Retries for a new client that was not visible yet.
    pub not_visible: u32,
    /// Backoff and visibility waits together: what the policy's
    /// `max_elapsed` bounds.
    pub waited: Duration,
    /// Quota resets waited for.
    pub resets: u32,
}

/// The answer: what the pipeline does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// Send the request now.
    Go,
    /// Wait `delay`, then ask again (before an attempt) or send again
    /// (after a failure).
    Wait { delay: Duration, reason: WaitReason },
    /// Stop: the operation ends, for this reason.
    GiveUp(GiveUp),
}

/// Why an operation ends without another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GiveUp {
    /// The reserve holds the request back, and the caller did not ask to
    /// wait for the reset (or the most resets one operation waits for are
    /// waited).
    ReserveReached {
        /// Requests left, none below zero.
        left: u64,
        /// Requests the reserve keeps back.
        kept: u64,
        resets_in: Duration,
    },
    /// The failure stands: it is final, or no retry is left.
    Stands,
    /// A wait was due, but it would pass the deadline.
    OutOfTime,
}

/// The one decision: go, wait, or give up, from `facts`.
pub(super) fn decide(facts: &Facts<'_>) -> Decision {
    match &facts.moment {
        Moment::BeforeAttempt { quota, pacing } => admit(facts, *quota, *pacing),
        Moment::AfterFailure(failure) => retry(facts, failure),
    }
}

/// Whether the reserve holds the next request back: the quota as known
/// cannot spare it. The pipeline asks the pacer only when it does not, as
/// the pacer's answer takes a slot.
pub(super) fn holds_back(reserve: Option<QuotaReserve>, quota: Option<Known>) -> bool {
    held_back(reserve, quota).is_some()
}

/// The reserve and the quota, when the one holds the next request back.
fn held_back(reserve: Option<QuotaReserve>, quota: Option<Known>) -> Option<(QuotaReserve, Known)> {
    let (reserve, known) = (reserve?, quota?);
    let kept = i64::try_from(reserve.kept()).unwrap_or(i64::MAX);
    (known.remaining <= kept).then_some((reserve, known))
}

/// Before an attempt: the reserve first, then the pacing.
fn admit(facts: &Facts<'_>, quota: Option<Known>, pacing: Option<Duration>) -> Decision {
    if let Some((reserve, known)) = held_back(facts.reserve, quota) {
        let reached = GiveUp::ReserveReached {
            left: u64::try_from(known.remaining).unwrap_or(0),
            kept: reserve.kept(),
            resets_in: known.resets_in,
        };
        return quota_reset(facts, known.resets_in, reached);
    }
    match pacing {
        None => Decision::Go,
        Some(wait) => within(facts.left, wait.max(MIN_WAIT), WaitReason::Pacing),
    }
}

/// A wait for the quota window to start afresh, when the caller asked for
/// one and the operation has not waited for too many; else `otherwise`.
/// The deadline does not bound it: the caller asked to wait, however long.
fn quota_reset(facts: &Facts<'_>, resets_in: Duration, otherwise: GiveUp) -> Decision {
    let asked = facts.reserve.is_some_and(|r| r.waits());
    if !asked || facts.spent.resets >= MAX_QUOTA_WAITS {
        return Decision::GiveUp(otherwise);
    }
    Decision::Wait {
        delay: reset_wait(resets_in),
        reason: WaitReason::QuotaReset,
    }
}

/// After a failed attempt: the retry its class allows, within the
/// policy's bounds and the deadline.
fn retry(facts: &Facts<'_>, failure: &Failure<'_>) -> Decision {
    let planned = match failure.class {
        RetryClass::QuotaUsedUp { resets_in } => {
            let resets_in = resets_in.unwrap_or(ASSUMED_RESET);
            return quota_reset(facts, resets_in, GiveUp::Stands);
        }
        // A client created a moment ago may not be visible yet.
        RetryClass::NotFound if failure.target_is_new => {
            not_yet_visible(facts.spent, failure.policy)
        }
        RetryClass::NotActedOn { after } => backoff(facts.spent, failure, after),
        RetryClass::MayHaveActed { after } if failure.idempotent => {
            backoff(facts.spent, failure, after)
        }
        RetryClass::MayHaveActed { .. } | RetryClass::NotFound | RetryClass::Final => None,
    };
    let Some((delay, reason)) = planned else {
        return Decision::GiveUp(GiveUp::Stands);
    };
    if facts.left.is_zero() {
        return Decision::GiveUp(GiveUp::OutOfTime);
    }
    if facts.spent.waited.saturating_add(delay) > failure.policy.max_elapsed {
        return Decision::GiveUp(GiveUp::Stands);
    }
    within(facts.left, delay, reason)
}

/// A wait of `delay`, if it ends before the deadline.
fn within(left: Duration, delay: Duration, reason: WaitReason) -> Decision {
    if delay > left {
        Decision::GiveUp(GiveUp::OutOfTime)
    } else {
        Decision::Wait { delay, reason }
    }
}

/// A wait for a new client to become visible, if the policy has one left.
fn not_yet_visible(spent: Spent, policy: &RetryPolicy) -> Option<(Duration, WaitReason)> {
    let rule = policy
        .read_after_create
        .filter(|rule| spent.not_visible < rule.retries)?;
    let retry = spent.not_visible + 1;
    Some((rule.delay, WaitReason::NotYetVisible { retry }))
}

/// A backoff wait before the next attempt, if the policy has one left;
/// the service's `Retry-After` wins over the policy's delay.
fn backoff(
    spent: Spent,
    failure: &Failure<'_>,
    after: Option<Duration>,
) -> Option<(Duration, WaitReason)> {
    if spent.attempts >= failure.policy.max_attempts {
        return None;
    }
    let retry = spent.attempts;
    let delay = after.unwrap_or_else(|| backoff_delay(failure.policy, retry, failure.draw));
    let status = failure.status;
    Some((delay, WaitReason::Backoff { retry, status }))
}

/// The policy's delay before retry number `retry` (1 for the first): a
/// ceiling that doubles each retry up to `max_backoff`, of which full
/// jitter takes the fraction `draw`.
fn backoff_delay(policy: &RetryPolicy, retry: u32, draw: f64) -> Duration {
    let factor = 2u32.saturating_pow(retry.saturating_sub(1));
    let ceiling = policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff);
    match policy.jitter {
        Jitter::None => ceiling,
        Jitter::Full => {
            let draw = if (0.0..=1.0).contains(&draw) {
                draw
            } else {
                1.0
            };
            Duration::try_from_secs_f64(ceiling.as_secs_f64() * draw)
                .map_or(ceiling, |d| d.min(ceiling))
        }
    }
}

impl Spent {
    /// Starts an attempt; returns its number (1 for the first).
    pub(super) fn attempt(&mut self) -> u32 {
        self.attempts = self.attempts.saturating_add(1);
        self.attempts
    }

    /// Counts a wait once it is carried out.
    pub(super) fn count(&mut self, reason: WaitReason, delay: Duration) {
        match reason {
            WaitReason::Backoff { .. } => self.waited = self.waited.saturating_add(delay),
            WaitReason::NotYetVisible { .. } => {
                self.not_visible += 1;
                self.waited = self.waited.saturating_add(delay);
            }
            WaitReason::QuotaReset => self.resets += 1,
            WaitReason::Pacing => {}
        }
    }

    /// Whether any outcome of the current attempt could be followed by
    /// another: what makes a spare copy of the request worth keeping.
    pub(super) fn may_retry(&self, policy: &RetryPolicy, reserve: Option<QuotaReserve>) -> bool {
        let visibility = policy
            .read_after_create
            .is_some_and(|rule| self.not_visible < rule.retries);
        let resets = reserve.is_some_and(|r| r.waits()) && self.resets < MAX_QUOTA_WAITS;
        self.attempts < policy.max_attempts || visibility || resets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::ReadAfterCreate;
    use proptest::prelude::*;

    fn class() -> impl Strategy<Value = (RetryClass, Option<StatusCode>)> {
        let after = proptest::option::of((0u64..200).prop_map(Duration::from_secs));
        prop_oneof![
            after.clone().prop_map(|after| (
                RetryClass::NotActedOn { after },
                StatusCode::from_u16(429).ok()
            )),
            after.prop_map(|after| (
                RetryClass::MayHaveActed { after },
                StatusCode::from_u16(503).ok()
            )),
            Just((RetryClass::NotActedOn { after: None }, None)),
            Just((RetryClass::NotFound, StatusCode::from_u16(404).ok())),
            Just((RetryClass::Final, StatusCode::from_u16(400).ok())),
            proptest::option::of(0u64..4000).prop_map(|s| (
                RetryClass::QuotaUsedUp {
                    resets_in: s.map(Duration::from_secs)
                },
                StatusCode::from_u16(402).ok()
            )),
        ]
    }

    fn policy() -> impl Strategy<Value = RetryPolicy> {
        (1u32..7, 0u64..5_000, 0u64..300, any::<bool>()).prop_map(
            |(attempts, backoff_ms, elapsed_s, visible)| {
                let mut p = RetryPolicy::default()
                    .max_attempts(attempts)
                    .initial_backoff(Duration::from_millis(backoff_ms))
                    .max_elapsed(Duration::from_secs(elapsed_s))
                    .jitter(Jitter::Full);
                if visible {
                    p = p.read_after_create(ReadAfterCreate::toggl_advice());
                }
                p
            },
        )
    }

    fn reserve() -> impl Strategy<Value = Option<QuotaReserve>> {
        proptest::option::of((0u64..10, any::<bool>()).prop_map(|(keep, waits)| {
            let reserve = QuotaReserve::keep(keep);
            if waits {
                reserve.wait_for_reset()
            } else {
                reserve
            }
        }))
    }

    fn known() -> impl Strategy<Value = Option<Known>> {
        proptest::option::of(
            (-5i64..15, 0u64..4_000_000).prop_map(|(remaining, ms)| Known {
                remaining,
                resets_in: Duration::from_millis(ms),
            }),
        )
    }

    fn spent() -> impl Strategy<Value = Spent> {
        (1u32..8, 0u32..5, 0u64..300_000, 0u32..30).prop_map(
            |(attempts, not_visible, waited_ms, resets)| Spent {
                attempts,
                not_visible,
                waited: Duration::from_millis(waited_ms),
                resets,
            },
        )
    }

    /// Everything a decision depends on, owned, before or after an attempt.
    #[derive(Debug, Clone)]
    struct Case {
        policy: RetryPolicy,
        left: Duration,
        reserve: Option<QuotaReserve>,
        spent: Spent,
        before: bool,
        quota: Option<Known>,
        pacing: Option<Duration>,
        class: RetryClass,
        status: Option<StatusCode>,
        idempotent: bool,
        target_is_new: bool,
        draw: f64,
    }

    impl Case {
        fn facts(&self) -> Facts<'_> {
            let moment = if self.before {
                Moment::BeforeAttempt {
                    quota: self.quota,
                    pacing: self.pacing,
                }
            } else {
                Moment::AfterFailure(Failure {
                    policy: &self.policy,
                    class: self.class,
                    status: self.status,
                    idempotent: self.idempotent,
                    target_is_new: self.target_is_new,
                    draw: self.draw,
                })
            };
            Facts {
                left: self.left,
                reserve: self.reserve,
                spent: self.spent,
                moment,
            }
        }

        fn waits_for_quota(&self) -> bool {
            self.reserve.is_some_and(|r| r.waits())
        }
    }

    fn case() -> impl Strategy<Value = Case> {
        let pacing = proptest::option::of(prop_oneof![
            (0u64..2_000).prop_map(Duration::from_micros),
            (0u64..5_000_000).prop_map(Duration::from_micros),
        ]);
        let left = (0u64..400_000).prop_map(Duration::from_millis);
        (
            (policy(), left, reserve(), spent(), any::<bool>()),
            (known(), pacing, class()),
            (any::<bool>(), any::<bool>(), 0.0f64..1.0),
        )
            .prop_map(
                |(
                    (policy, left, reserve, spent, before),
                    (quota, pacing, (class, status)),
                    (idempotent, target_is_new, draw),
                )| Case {
                    policy,
                    left,
                    reserve,
                    spent,
                    before,
                    quota,
                    pacing,
                    class,
                    status,
                    idempotent,
                    target_is_new,
                    draw,
                },
            )
    }

    /// Runs the decisions after `outcomes` (one per attempt, as long as
    /// they ask for more), waits carried out on a clock of its own, and
    /// returns them.
    fn run(
        policy: &RetryPolicy,
        idempotent: bool,
        deadline: Duration,
        outcomes: &[(RetryClass, Option<StatusCode>, bool)],
    ) -> Vec<Decision> {
        run_waiting(policy, idempotent, deadline, false, 0.5, outcomes)
    }

    /// As [`run`], and waiting out quota resets when `quota` says so;
    /// `draw` is every jitter draw.
    fn run_waiting(
        policy: &RetryPolicy,
        idempotent: bool,
        deadline: Duration,
        quota: bool,
        draw: f64,
        outcomes: &[(RetryClass, Option<StatusCode>, bool)],
    ) -> Vec<Decision> {
        let reserve = quota.then(|| QuotaReserve::keep(0).wait_for_reset());
        let mut spent = Spent::default();
        let mut elapsed = Duration::ZERO;
        let mut steps = Vec::new();
        for &(class, status, target_is_new) in outcomes {
            spent.attempt();
            let may = spent.may_retry(policy, reserve);
            let failure = Failure {
                policy,
                class,
                status,
                idempotent,
                target_is_new,
                draw,
            };
            let step = decide(&Facts {
                left: deadline.saturating_sub(elapsed),
                reserve,
                spent,
                moment: Moment::AfterFailure(failure),
            });
            if let Decision::Wait { delay, reason } = step {
                assert!(may, "a wait where no retry was possible");
                spent.count(reason, delay);
                // A quota reset starts the deadline afresh.
                elapsed = if reason == WaitReason::QuotaReset {
                    Duration::ZERO
                } else {
                    elapsed + delay
                };
            }
            steps.push(step);
            if !matches!(step, Decision::Wait { .. }) {
                break;
            }
        }
        steps
    }

    /// A pacer on a clock of its own: one request every `period`; the
    /// waits it asks for are cut to its clock's `tick`, so it may refuse a
    /// request and ask for no time at all.
    struct SimulatedPacer {
        period: Duration,
        free_at: Duration,
        tick: Duration,
    }

    impl SimulatedPacer {
        fn reserve(&mut self, now: Duration) -> Option<Duration> {
            if now < self.free_at {
                let ticks = (self.free_at - now).as_nanos() / self.tick.as_nanos();
                let ticks = u32::try_from(ticks).unwrap_or(u32::MAX);
                return Some(self.tick.saturating_mul(ticks));
            }
            self.free_at = now + self.period;
            None
        }
    }

    /// Asks before one attempt, as the pipeline does, until the answer is
    /// to go or to give up; waits are carried out on a clock of its own.
    /// Returns the decisions.
    fn admit(
        reserve: Option<QuotaReserve>,
        reported: Option<Known>,
        pacer: &mut SimulatedPacer,
        budget: Duration,
    ) -> Vec<Decision> {
        let (mut now, mut started, mut spent) = (Duration::ZERO, Duration::ZERO, Spent::default());
        let mut decisions = Vec::new();
        while decisions.len() < 100 {
            // The report stands until its window resets.
            let quota = reported.filter(|k| now < k.resets_in).map(|k| Known {
                resets_in: k.resets_in - now,
                ..k
            });
            let pacing = if holds_back(reserve, quota) {
                None
            } else {
                pacer.reserve(now)
            };
            let moment = Moment::BeforeAttempt { quota, pacing };
            let left = budget.saturating_sub(now - started);
            let decision = decide(&Facts {
                left,
                reserve,
                spent,
                moment,
            });
            decisions.push(decision);
            let Decision::Wait { delay, reason } = decision else {
                break;
            };
            now += delay;
            spent.count(reason, delay);
            if reason == WaitReason::QuotaReset {
                started = now;
            }
        }
        decisions
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// No wait passes the deadline, but a quota reset the caller asked
        /// to wait for.
        #[test]
        fn no_wait_passes_the_deadline_unless_a_quota_wait_was_allowed(case in case()) {
            if let Decision::Wait { delay, reason } = decide(&case.facts()) {
                let allowed = reason == WaitReason::QuotaReset && case.waits_for_quota();
                prop_assert!(delay <= case.left || allowed, "{delay:?} past {:?}", case.left);
            }
        }

        /// Every wait before an attempt lasts at least the floor; a
        /// shorter one comes only after a failed attempt, and each of
        /// those spends an attempt of a bounded number.
        #[test]
        fn no_wait_is_a_busy_loop(case in case()) {
            if let Decision::Wait { delay, reason } = decide(&case.facts()) {
                let retry = matches!(reason, WaitReason::Backoff { .. } | WaitReason::NotYetVisible { .. });
                prop_assert!(delay >= MIN_WAIT || (retry && !case.before), "{reason:?} {delay:?}");
            }
        }

        /// Before an attempt, the waits end in a go or a give-up within a
        /// few steps, whatever the pacer and the quota say.
        #[test]
        fn admission_ends_in_a_go_or_a_give_up(
            reserve in reserve(),
            reported in known(),
            period_us in 1u64..3_000_000,
            busy_us in 0u64..3_000_000,
            tick_us in 1u64..=1_000,
            budget_ms in 0u64..10_000,
        ) {
            let mut pacer = SimulatedPacer {
                period: Duration::from_micros(period_us),
                free_at: Duration::from_micros(busy_us),
                tick: Duration::from_micros(tick_us),
            };
            let decisions = admit(reserve, reported, &mut pacer, Duration::from_millis(budget_ms));
            // A reset, a pacing wait cut short by the tick, the rest of it,
            // and the answer.
            prop_assert!(decisions.len() <= 4, "{decisions:?}");
            let last = decisions.last().copied();
            prop_assert!(matches!(last, Some(Decision::Go | Decision::GiveUp(_))), "{decisions:?}");
        }

        /// A final answer is never waited on: it is given up at once.
        #[test]
        fn a_final_answer_is_never_waited_on(mut case in case()) {
            case.before = false;
            let final_class = match case.class {
                RetryClass::Final => true,
                RetryClass::NotFound => !case.target_is_new,
                RetryClass::MayHaveActed { .. } => !case.idempotent,
                RetryClass::QuotaUsedUp { .. } => !case.waits_for_quota(),
                RetryClass::NotActedOn { .. } => false,
            };
            let decision = decide(&case.facts());
            prop_assert!(!final_class || decision == Decision::GiveUp(GiveUp::Stands), "{decision:?}");
        }

        /// `Retry-After` is the wait, exactly, when it fits the deadline
        /// and the policy's bounds.
        #[test]
        fn retry_after_is_honoured_within_the_deadline(mut case in case(), after_ms in 0u64..60_000, acted in any::<bool>()) {
            let after = Some(Duration::from_millis(after_ms));
            case.before = false;
            case.class = if acted { RetryClass::MayHaveActed { after } } else { RetryClass::NotActedOn { after } };
            case.idempotent |= acted;
            case.policy.max_attempts = case.spent.attempts + 1;
            case.policy.max_elapsed = case.spent.waited + Duration::from_millis(after_ms);
            case.left = case.left.max(Duration::from_millis(after_ms.max(1)));
            let retry = case.spent.attempts;
            let expected = Decision::Wait {
                delay: Duration::from_millis(after_ms),
                reason: WaitReason::Backoff { retry, status: case.status },
            };
            prop_assert_eq!(decide(&case.facts()), expected);
        }

        /// A request the reserve cannot spare is never sent: it waits for
        /// the reset when the caller asked to, else the operation fails
        /// saying why; a request it can spare is never held for a reset.
        #[test]
        fn the_reserve_is_respected(mut case in case()) {
            case.before = true;
            let decision = decide(&case.facts());
            let held = matches!(
                decision,
                Decision::Wait { reason: WaitReason::QuotaReset, .. }
                    | Decision::GiveUp(GiveUp::ReserveReached { .. })
            );
            let (Some(reserve), Some(known)) = (case.reserve, case.quota) else {
                prop_assert!(!held, "held back without a reserve or a known quota: {:?}", decision);
                return Ok(());
            };
            if known.remaining > i64::try_from(reserve.kept()).unwrap_or(i64::MAX) {
                prop_assert!(!held, "held back with requests to spare: {:?}", decision);
            } else if reserve.waits() && case.spent.resets < MAX_QUOTA_WAITS {
                let reset = Decision::Wait { delay: reset_wait(known.resets_in), reason: WaitReason::QuotaReset };
                prop_assert_eq!(decision, reset);
            } else {
                let reached = GiveUp::ReserveReached {
                    left: u64::try_from(known.remaining).unwrap_or(0),
                    kept: reserve.kept(),
                    resets_in: known.resets_in,
                };
                prop_assert_eq!(decision, Decision::GiveUp(reached));
            }
        }

        /// The bounds hold whatever happens: attempts, total waiting, the
        /// deadline; a final answer is never retried; a request that is not
        /// idempotent is sent again only when the service did not act on it.
        #[test]
        fn retries_keep_every_bound(
            policy in policy(),
            idempotent in any::<bool>(),
            quota in any::<bool>(),
            deadline_s in 0u64..400,
            draw in 0.0f64..1.0,
            outcomes in proptest::collection::vec((class(), any::<bool>()), 1..40),
        ) {
            let deadline = Duration::from_secs(deadline_s);
            let outcomes: Vec<_> = outcomes.into_iter().map(|((c, s), n)| (c, s, n)).collect();
            let steps = run_waiting(&policy, idempotent, deadline, quota, draw, &outcomes);
            let visibility = policy.read_after_create.map_or(0, |r| r.retries);
            let resets = steps.iter().filter(|s| matches!(s, Decision::Wait { reason: WaitReason::QuotaReset, .. })).count() as u32;
            prop_assert!(resets <= MAX_QUOTA_WAITS);
            prop_assert!(quota || resets == 0, "a quota reset waited for unasked");
            prop_assert!(steps.len() as u32 <= policy.max_attempts + visibility + resets);
            // Quota resets are waited out apart from the bounds.
            let waited: Duration = steps.iter().map(|s| match s {
                Decision::Wait { reason: WaitReason::QuotaReset, .. } => Duration::ZERO,
                Decision::Wait { delay, .. } => *delay,
                Decision::Go | Decision::GiveUp(_) => Duration::ZERO,
            }).sum();
            prop_assert!(waited <= policy.max_elapsed);
            prop_assert!(waited <= deadline || resets > 0);
            for (step, (class, _, new)) in steps.iter().zip(&outcomes) {
                if let Decision::Wait { reason, .. } = step {
                    match class {
                        RetryClass::QuotaUsedUp { .. } => {
                            prop_assert!(quota && *reason == WaitReason::QuotaReset);
                        }
                        RetryClass::Final => prop_assert!(false, "a final answer was retried"),
                        RetryClass::NotFound => {
                            prop_assert!(*new, "a 404 for an old client was retried");
                            let waits_for_visibility = matches!(reason, WaitReason::NotYetVisible { .. });
                            prop_assert!(waits_for_visibility);
                        }
                        RetryClass::MayHaveActed { .. } => prop_assert!(idempotent),
                        RetryClass::NotActedOn { .. } => {}
                    }
                }
            }
        }

        /// `Retry-After` is honoured exactly, within the bounds.
        #[test]
        fn retry_after_is_the_wait(after_s in 0u64..60) {
            let policy = RetryPolicy::default().max_elapsed(Duration::from_secs(600));
            let after = Some(Duration::from_secs(after_s));
            let steps = run(&policy, false, Duration::from_secs(600), &[
                (RetryClass::NotActedOn { after }, StatusCode::from_u16(429).ok(), false),
            ]);
            prop_assert_eq!(steps.len(), 1);
            let is_exact = matches!(steps[0], Decision::Wait { delay, .. } if delay == Duration::from_secs(after_s));
            prop_assert!(is_exact);
        }

        /// Full jitter stays under the ceiling, whatever the draw.
        #[test]
        fn jitter_stays_under_the_ceiling(retry in 0u32..40, draw in any::<f64>(), ms in 0u64..100_000) {
            let policy = RetryPolicy::default()
                .initial_backoff(Duration::from_millis(ms))
                .max_backoff(Duration::MAX);
            let ceiling = backoff_delay(&policy.clone().jitter(Jitter::None), retry, draw);
            prop_assert!(backoff_delay(&policy, retry, draw) <= ceiling);
        }
    }

    #[test]
    fn a_retry_after_beyond_the_deadline_returns_at_once() {
        let policy = RetryPolicy::default();
        let far = Some(Duration::from_secs(3600));
        let steps = run(
            &policy,
            true,
            Duration::from_secs(120),
            &[(RetryClass::NotActedOn { after: far }, None, false)],
        );
        assert_eq!(steps.len(), 1);
        assert!(!matches!(steps[0], Decision::Wait { .. }), "{steps:?}");
        // Within the policy's waiting budget, the deadline is what stops it.
        let patient = RetryPolicy::default().max_elapsed(Duration::from_secs(7200));
        let steps = run(
            &patient,
            true,
            Duration::from_secs(120),
            &[(RetryClass::NotActedOn { after: far }, None, false)],
        );
        assert_eq!(steps, [Decision::GiveUp(GiveUp::OutOfTime)]);
    }

    #[test]
    fn with_no_time_left_not_even_an_immediate_retry_is_made() {
        let now = Some(Duration::ZERO);
        let steps = run(
            &RetryPolicy::default(),
            true,
            Duration::ZERO,
            &[(RetryClass::NotActedOn { after: now }, None, false)],
        );
        assert_eq!(steps, [Decision::GiveUp(GiveUp::OutOfTime)]);
    }

    #[test]
    fn no_spare_copy_is_needed_on_the_last_attempt() {
        let policy = RetryPolicy::none();
        let mut spent = Spent::default();
        spent.attempt();
        assert!(!spent.may_retry(&policy, None));
        let with_visibility =
            RetryPolicy::none().read_after_create(ReadAfterCreate::toggl_advice());
        assert!(spent.may_retry(&with_visibility, None));
        let waiting = Some(QuotaReserve::keep(0).wait_for_reset());
        assert!(spent.may_retry(&policy, waiting));
    }

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(8))
            .max_backoff(Duration::from_millis(50))
            .jitter(Jitter::None);
        let delays: Vec<_> = (1..=5).map(|r| backoff_delay(&policy, r, 0.5)).collect();
        let ms = Duration::from_millis;
        assert_eq!(delays, [ms(8), ms(16), ms(32), ms(50), ms(50)]);
        let jittered = policy.jitter(Jitter::Full);
        assert_eq!(backoff_delay(&jittered, 2, 0.25), ms(4));
        assert_eq!(backoff_delay(&jittered, 2, f64::NAN), ms(16));
    }

    /// The rounding and the margin are tested through `quota::reset_wait`;
    /// here, that a reset however far off is no panic.
    #[test]
    fn a_reset_however_far_off_is_waited_without_overflow() {
        assert_eq!(reset_wait(Duration::MAX), Duration::MAX);
        let far = Duration::from_secs(u64::MAX - 1) + Duration::from_millis(1);
        assert_eq!(reset_wait(far), Duration::MAX);
    }
}
