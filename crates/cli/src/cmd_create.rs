//! `create`, or with `--if-missing` the client of that name if it exists.

use clap::Args;
use toggl_track_api::types::{ClientCreate, ClientUpdate, TrackClient};

use crate::args::{Output, client_name};
use crate::failure::Failure;
use crate::mirror::Written;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Create {
    /// The client's name: unique in the workspace (in any case), at most
    /// 255 bytes.
    #[arg(long, value_parser = client_name)]
    name: String,
    /// Free text, e.g. payment terms.
    #[arg(long)]
    notes: Option<String>,
    /// The client's id in another system (a CRM, an invoicing tool).
    #[arg(long)]
    external_reference: Option<String>,
    /// Return the client with this name (any case) if there is one,
    /// instead of failing; create it otherwise. Says which of the given
    /// fields the existing client has otherwise.
    #[arg(long)]
    if_missing: bool,
    /// With --if-missing, give an existing client the notes and external
    /// reference given here (one request more, only when they differ).
    #[arg(long, requires = "if_missing")]
    update: bool,
}

impl Create {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let wanted = Wanted {
            notes: self.notes.clone(),
            external_reference: self.external_reference.clone(),
        };
        let body = ClientCreate::builder()
            .name(self.name)
            .notes(self.notes)
            .external_reference(self.external_reference);
        let client = if self.if_missing {
            let ensured = s
                .client
                .create_client_if_missing(s.workspace()?, body)
                .await?;
            if ensured.created {
                eprintln!("created ({} request(s))", ensured.requests);
                ensured.client
            } else {
                wanted
                    .reconcile(s, ensured.client, ensured.requests, self.update)
                    .await?
            }
        } else {
            s.client
                .create_client()
                .workspace_id(s.workspace()?)
                .body(body)
                .send()
                .await?
                .into_inner()
        };
        s.write_through(Written::Clients(std::slice::from_ref(&client)));
        output::client(out, &client)
    }
}

/// The fields given beside the name, to compare with a client that is
/// already there.
struct Wanted {
    notes: Option<String>,
    external_reference: Option<String>,
}

impl Wanted {
    /// The given fields `existing` has otherwise: (name, there, given).
    fn differences(&self, existing: &TrackClient) -> Vec<(&'static str, String, String)> {
        let mut differ = Vec::new();
        let mut compare = |field, there: &Option<String>, given: &Option<String>| {
            if let Some(given) = given
                && there.as_deref().unwrap_or_default() != given
            {
                differ.push((field, there.clone().unwrap_or_default(), given.clone()));
            }
        };
        compare("notes", &existing.notes, &self.notes);
        compare(
            "external_reference",
            &existing.external_reference,
            &self.external_reference,
        );
        differ
    }

    /// Says that the client was there and how it differs from what was
    /// given; with `update`, makes it so (one request more).
    async fn reconcile(
        &self,
        s: &mut Session,
        existing: TrackClient,
        requests: u32,
        update: bool,
    ) -> Result<TrackClient, Failure> {
        let differ = self.differences(&existing);
        eprintln!("already there; nothing created ({requests} request(s))");
        if differ.is_empty() {
            return Ok(existing);
        }
        let said: Vec<String> = differ
            .iter()
            .map(|(field, there, given)| format!("{field} is {there:?}, you gave {given:?}"))
            .collect();
        if !update {
            eprintln!(
                "it differs from what you gave: {}; add --update to change it (1 request more)",
                said.join("; ")
            );
            return Ok(existing);
        }
        let mut body = ClientUpdate::builder();
        for (field, _, given) in &differ {
            body = match *field {
                "notes" => body.notes(Some(given.clone())),
                _ => body.external_reference(Some(given.clone())),
            };
        }
        let updated = s
            .client
            .update_client()
            .workspace_id(s.workspace()?)
            .client_id(existing.id)
            .body(body)
            .send()
            .await?
            .into_inner();
        eprintln!("updated: {} (1 request more)", said.join("; "));
        Ok(updated)
    }
}
