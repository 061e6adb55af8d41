//! The attempt engine: a pure state machine over the attempts of one
//! operation. After each attempt it takes the outcome's class and says
//! whether to return it or to wait and try again, and why. The retry rule
//! is stated here once; the hooks do the sending and the waiting.

use std::time::Duration;

use reqwest::StatusCode;

use super::RetryPolicy;
use super::class::RetryClass;
use crate::events::WaitReason;

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Give this outcome to the caller.
    Return,
    /// Wait `delay`, then send the request again.
    Wait { delay: Duration, reason: WaitReason },
    /// Another attempt was due, but its wait would pass the operation's
    /// deadline: give this outcome to the caller now rather than wait for
    /// nothing.
    OutOfTime,
}

/// The attempts of one operation so far.
#[derive(Debug, Clone)]
pub(crate) struct RetryState<'p> {
    policy: &'p RetryPolicy,
    idempotent: bool,
    /// The operation's deadline, from its start.
    deadline: Duration,
    attempts: u32,
    not_visible: u32,
    waited: Duration,
}

impl<'p> RetryState<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy, idempotent: bool, deadline: Duration) -> Self {
        Self {
            policy,
            idempotent,
            deadline,
            attempts: 0,
            not_visible: 0,
            waited: Duration::ZERO,
        }
    }

    /// Starts an attempt; returns its number (1 for the first).
    pub(crate) fn attempt(&mut self) -> u32 {
        self.attempts += 1;
        self.attempts
    }

    /// Attempts started so far.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether any outcome of the current attempt could be followed by
    /// another: what makes a spare copy of the request worth keeping.
    pub(crate) fn may_retry(&self) -> bool {
        self.attempts < self.policy.max_attempts || self.visibility_retries_left()
    }

    fn visibility_retries_left(&self) -> bool {
        self.policy
            .read_after_create
            .is_some_and(|rule| self.not_visible < rule.retries)
    }

    /// The decision after the current attempt: its outcome's `class`, the
    /// status it got (none without an answer), whether it concerned a
    /// client this client created a moment ago, and the time since the
    /// operation started.
    pub(crate) fn step(
        &mut self,
        class: RetryClass,
        status: Option<StatusCode>,
        target_is_new: bool,
        elapsed: Duration,
    ) -> Step {
        let planned = match class {
            // A client created a moment ago may not be visible yet.
            RetryClass::NotFound if target_is_new => self.not_yet_visible(),
            RetryClass::NotActedOn { after } => self.backoff(after, status),
            RetryClass::MayHaveActed { after } if self.idempotent => self.backoff(after, status),
            RetryClass::MayHaveActed { .. } | RetryClass::NotFound | RetryClass::Final => None,
        };
        match planned {
            None => Step::Return,
            Some(_) if elapsed >= self.deadline => Step::OutOfTime,
            Some((delay, _)) if self.waited + delay > self.policy.max_elapsed => Step::Return,
            Some((delay, _)) if elapsed.saturating_add(delay) > self.deadline => Step::OutOfTime,
            Some((delay, reason)) => {
                self.waited += delay;
                Step::Wait { delay, reason }
            }
        }
    }

    /// A wait for a new client to become visible, if the policy has one left.
    fn not_yet_visible(&mut self) -> Option<(Duration, WaitReason)> {
        let rule = self
            .policy
            .read_after_create
            .filter(|rule| self.not_visible < rule.retries)?;
        self.not_visible += 1;
        Some((
            rule.delay,
            WaitReason::NotYetVisible {
                retry: self.not_visible,
            },
        ))
    }

    /// A backoff wait before the next attempt, if the policy has one left;
    /// the service's `Retry-After` wins over the policy's delay.
    fn backoff(
        &self,
        after: Option<Duration>,
        status: Option<StatusCode>,
    ) -> Option<(Duration, WaitReason)> {
        if self.attempts >= self.policy.max_attempts {
            return None;
        }
        let delay = after.unwrap_or_else(|| self.policy.backoff(self.attempts));
        Some((
            delay,
            WaitReason::Backoff {
                retry: self.attempts,
                status,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::{Jitter, ReadAfterCreate};
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

    /// Runs the engine over `outcomes` (one per attempt, as long as it
    /// asks for more) and returns the steps it took.
    fn run(
        policy: &RetryPolicy,
        idempotent: bool,
        deadline: Duration,
        outcomes: &[(RetryClass, Option<StatusCode>, bool)],
    ) -> Vec<Step> {
        let mut state = RetryState::new(policy, idempotent, deadline);
        let mut elapsed = Duration::ZERO;
        let mut steps = Vec::new();
        for &(class, status, new) in outcomes {
            state.attempt();
            let may = state.may_retry();
            let step = state.step(class, status, new, elapsed);
            if let Step::Wait { delay, .. } = step {
                assert!(may, "a wait where no retry was possible");
                elapsed += delay;
            }
            steps.push(step);
            if !matches!(step, Step::Wait { .. }) {
                break;
            }
        }
        steps
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The bounds hold whatever happens: attempts, total waiting, the
        /// deadline; a final answer is never retried; a request that is not
        /// idempotent is sent again only when the service did not act on it.
        #[test]
        fn the_engine_keeps_every_bound(
            policy in policy(),
            idempotent in any::<bool>(),
            deadline_s in 0u64..400,
            outcomes in proptest::collection::vec((class(), any::<bool>()), 1..20),
        ) {
            let deadline = Duration::from_secs(deadline_s);
            let outcomes: Vec<_> = outcomes.into_iter().map(|((c, s), n)| (c, s, n)).collect();
            let steps = run(&policy, idempotent, deadline, &outcomes);
            let visibility = policy.read_after_create.map_or(0, |r| r.retries);
            prop_assert!(steps.len() as u32 <= policy.max_attempts + visibility);
            let waited: Duration = steps.iter().map(|s| match s {
                Step::Wait { delay, .. } => *delay,
                Step::Return | Step::OutOfTime => Duration::ZERO,
            }).sum();
            prop_assert!(waited <= policy.max_elapsed);
            prop_assert!(waited <= deadline);
            for (step, (class, _, new)) in steps.iter().zip(&outcomes) {
                if let Step::Wait { reason, .. } = step {
                    match class {
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
            let is_exact = matches!(steps[0], Step::Wait { delay, .. } if delay == Duration::from_secs(after_s));
            prop_assert!(is_exact);
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
        assert!(!matches!(steps[0], Step::Wait { .. }), "{steps:?}");
        // Within the policy's waiting budget, the deadline is what stops it.
        let patient = RetryPolicy::default().max_elapsed(Duration::from_secs(7200));
        let steps = run(
            &patient,
            true,
            Duration::from_secs(120),
            &[(RetryClass::NotActedOn { after: far }, None, false)],
        );
        assert_eq!(steps, [Step::OutOfTime]);
    }

    #[test]
    fn no_spare_copy_is_needed_on_the_last_attempt() {
        let policy = RetryPolicy::none();
        let mut state = RetryState::new(&policy, true, Duration::from_secs(60));
        state.attempt();
        assert!(!state.may_retry());
        let with_visibility =
            RetryPolicy::none().read_after_create(ReadAfterCreate::toggl_advice());
        let mut state = RetryState::new(&with_visibility, true, Duration::from_secs(60));
        state.attempt();
        assert!(state.may_retry());
    }
}
