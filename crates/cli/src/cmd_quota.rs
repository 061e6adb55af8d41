//! `quota`: the hourly quotas as the service last reported them (this run,
//! or the cache of earlier ones), or with `--refresh` as it says now.

use std::time::SystemTime;

use clap::Args;
use serde_json::{Value, json};
use toggl_track_api::quota::{KnownQuotas, QuotaKind, QuotaSnapshot};

use crate::args::Output;
use crate::failure::Failure;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Quota {
    /// Ask the service instead (one request, the cheapest there is).
    #[arg(long)]
    refresh: bool,
}

impl Quota {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        if self.refresh {
            // One client of one page: the smallest answer a request can get.
            s.client
                .list_clients()
                .workspace_id(s.workspace)
                .page(1u64)
                .per_page(1u64)
                .send()
                .await?;
        }
        let known = s.known_quotas();
        let rows: Vec<(QuotaKind, Option<QuotaSnapshot>)> =
            [QuotaKind::Organization, QuotaKind::User]
                .into_iter()
                .map(|kind| (kind, known.get(kind)))
                .collect();
        let header = ["quota", "remaining", "resets_in", "seen"];
        match out {
            Output::Table => output::emit(&output::table(&header, rows.iter().map(cells))),
            Output::Csv => output::emit(&output::csv(&header, rows.iter().map(cells))?),
            Output::Json => {
                let doc: serde_json::Map<String, Value> = rows
                    .iter()
                    .map(|(kind, q)| (kind.to_string(), q.map_or(Value::Null, as_json)))
                    .collect();
                output::emit(&output::json_document(&doc.into()))
            }
        }
    }
}

impl Session {
    /// What this run learned of the quotas, over what the cache kept.
    pub(crate) fn known_quotas(&self) -> KnownQuotas {
        let cached = self.cache.as_ref().map(|c| c.quotas()).unwrap_or_default();
        cached.merged(&self.client.quota())
    }
}

fn seconds_ago(t: SystemTime) -> u64 {
    t.elapsed().map(|d| d.as_secs()).unwrap_or_default()
}

fn cells((kind, quota): &(QuotaKind, Option<QuotaSnapshot>)) -> Vec<String> {
    let (remaining, resets, seen) = match quota {
        // A window that has ended has been refilled; by how much is unknown.
        Some(q) if !q.is_current() => (
            "full again (window reset)".to_owned(),
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
    vec![kind.to_string(), remaining, resets, seen]
}

fn as_json(q: QuotaSnapshot) -> Value {
    if q.is_current() {
        json!({
            "remaining": q.remaining,
            "resets_in_s": q.resets_in().as_secs(),
            "seen_s_ago": seconds_ago(q.seen_at),
        })
    } else {
        json!({"remaining": null, "reset": true})
    }
}
