//! What a client knows of its quotas and has spent, at no cost, and the one
//! request that tells every quota at once.

use std::sync::atomic::Ordering;

use crate::quota::KnownQuotas;
use crate::{Client, Error};

impl Client {
    /// The quotas as the last answers reported them, at no cost.
    ///
    /// ```no_run
    /// # fn f(client: &toggl_track_api::Client) {
    /// if let Some(q) = client.quota().organization {
    ///     println!("{} requests left, resets in {:?}", q.remaining, q.resets_in());
    /// }
    /// # }
    /// ```
    pub fn quota(&self) -> KnownQuotas {
        self.inner.quota.snapshot()
    }

    /// Asks the service for every quota at once (`GET /me/quota`): this
    /// user's quota in each of their organizations and their user-level
    /// quota. What [`quota`](Self::quota) returns is refreshed from the one
    /// answer, and returned.
    ///
    /// One request; Toggl does not say whether it counts against the
    /// user-level quota, so assume it does (the spec labels this a guess).
    ///
    /// ```no_run
    /// # async fn f(client: &toggl_track_api::Client) -> Result<(), toggl_track_api::Error> {
    /// let quotas = client.refresh_quotas().await?;
    /// for (organization, q) in &quotas.organizations {
    ///     println!("organization {organization}: {} left", q.remaining);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn refresh_quotas(&self) -> Result<KnownQuotas, Error> {
        let answer = self.get_quota().send().await?;
        self.inner.quota.record_all(answer.iter().map(|q| {
            (
                q.organization_id.map(|id| id.get()),
                q.remaining,
                q.resets_in_secs,
                q.total,
            )
        }));
        Ok(self.quota())
    }

    /// Requests this client and its clones have sent so far, every attempt
    /// counted (retries included, and the ones that failed): what they have
    /// spent of the quotas.
    pub fn requests_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }
}
