//! `quota`: the hourly quotas as the service last reported them (this run,
//! or the mirror of earlier ones), or with `--refresh` as it says now: every
//! organization's and the user-level quota, from one request.

use std::time::SystemTime;

use clap::Args;
use serde_json::{Map, Value, json};
use toggl_track_api::quota::{KnownQuotas, QuotaSnapshot};

use crate::args::Output;
use crate::failure::Failure;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Quota {
    /// Ask the service instead: one request to the quota endpoint (it
    /// counts against the user-level quota), for every quota at once.
    #[arg(long)]
    refresh: bool,
}

impl Quota {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        if self.refresh {
            s.client.refresh_quotas().await?;
        }
        let known = s.known_quotas();
        let rows = rows(&known);
        match out {
            Output::Table => output::emit(&output::table(
                &["quota", "remaining", "total", "resets_in", "seen"],
                rows.iter().map(cells),
            )),
            // Numbers a script can compare, in seconds.
            Output::Csv => output::emit(&output::csv(
                &["quota", "remaining", "total", "resets_in_s", "seen_s_ago"],
                rows.iter().map(numbers),
            )?),
            Output::Json => {
                let organizations: Map<String, Value> = known
                    .organizations
                    .iter()
                    .map(|(id, q)| (id.to_string(), as_json(*q)))
                    .collect();
                let doc = json!({
                    "organization": known.organization.map_or(Value::Null, as_json),
                    "user": known.user.map_or(Value::Null, as_json),
                    "organizations": organizations,
                });
                output::emit(&output::json_document(&doc))
            }
        }
    }
}

impl Session {
    /// What this run learned of the quotas, over what the mirror kept of
    /// earlier runs.
    pub(crate) fn known_quotas(&mut self) -> KnownQuotas {
        let kept = self
            .mirror_if_usable()
            .map(|m| m.quotas())
            .unwrap_or_default();
        kept.merged(&self.client.quota())
    }
}

/// The quotas to show: each organization's when they are known, and the
/// one this workspace's answers reported when that report is the newest
/// (its organization's id is not in the answer), then the user's.
fn rows(known: &KnownQuotas) -> Vec<(String, Option<QuotaSnapshot>)> {
    let mut rows: Vec<(String, Option<QuotaSnapshot>)> = known
        .organizations
        .iter()
        .map(|(id, q)| (format!("organization {id}"), Some(*q)))
        .collect();
    let newest_listed = known.organizations.values().map(|q| q.seen_at).max();
    match known.organization {
        Some(q) if newest_listed.is_none_or(|listed| q.seen_at > listed) => {
            let name = if rows.is_empty() {
                "organization"
            } else {
                "organization (newest report, this workspace's)"
            };
            rows.push((name.to_owned(), Some(q)));
        }
        None if rows.is_empty() => rows.push(("organization".to_owned(), None)),
        _ => {}
    }
    rows.push(("user".to_owned(), known.user));
    rows
}

/// A row as numbers: remaining, total, seconds to the reset and since
/// the report; a window that has ended counts as full.
fn numbers((name, quota): &(String, Option<QuotaSnapshot>)) -> Vec<String> {
    let total = quota
        .and_then(|q| q.total)
        .map_or_else(String::new, |t| t.to_string());
    match quota {
        Some(q) if !q.is_current() => {
            vec![
                name.clone(),
                total.clone(),
                total,
                "0".to_owned(),
                String::new(),
            ]
        }
        Some(q) => vec![
            name.clone(),
            q.remaining.to_string(),
            total,
            q.resets_in().as_secs().to_string(),
            seconds_ago(q.seen_at).to_string(),
        ],
        None => vec![
            name.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
    }
}

fn seconds_ago(t: SystemTime) -> u64 {
    t.elapsed().map(|d| d.as_secs()).unwrap_or_default()
}

fn cells((name, quota): &(String, Option<QuotaSnapshot>)) -> Vec<String> {
    let total = quota
        .and_then(|q| q.total)
        .map_or_else(String::new, |t| t.to_string());
    let (remaining, resets, seen) = match quota {
        // A window that has ended has been refilled.
        Some(q) if !q.is_current() => (
            q.total.map_or("full again (window reset)".to_owned(), |t| {
                format!("{t} (window reset)")
            }),
            String::new(),
            String::new(),
        ),
        Some(q) => (
            q.remaining.to_string(),
            format!("{} min", q.resets_in().as_secs().div_ceil(60)),
            format!("{} s ago", seconds_ago(q.seen_at)),
        ),
        None => ("unknown".to_owned(), String::new(), String::new()),
    };
    vec![name.clone(), remaining, total, resets, seen]
}

fn as_json(q: QuotaSnapshot) -> Value {
    if q.is_current() {
        json!({
            "remaining": q.remaining,
            "total": q.total,
            "resets_in_s": q.resets_in().as_secs(),
            "seen_s_ago": seconds_ago(q.seen_at),
        })
    } else {
        json!({"remaining": q.total, "total": q.total, "reset": true})
    }
}
