//! `create`, or with `--if-missing` the client of that name if it exists.

use clap::Args;
use toggl_track_api::types::ClientCreate;

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
    /// instead of failing; create it otherwise.
    #[arg(long)]
    if_missing: bool,
}

impl Create {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let body = ClientCreate::builder()
            .name(self.name)
            .notes(self.notes)
            .external_reference(self.external_reference);
        let client = if self.if_missing {
            let ensured = s
                .client
                .create_client_if_missing(s.workspace()?, body)
                .await?;
            eprintln!(
                "{} ({} request(s))",
                if ensured.created {
                    "created"
                } else {
                    "already there; nothing created"
                },
                ensured.requests
            );
            ensured.client
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
