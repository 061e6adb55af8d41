//! `workspaces`: the workspaces you have, to find their ids: one request
//! to `/me/workspaces` (user-level quota), or none with `--offline` (the
//! ones the mirror holds).

use clap::Args;
use serde_json::json;

use crate::args::Output;
use crate::failure::Failure;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Workspaces {
    /// The workspaces the mirror holds, with no request.
    #[arg(long)]
    offline: bool,
}

impl Workspaces {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let default = s.workspace().ok();
        let mark = |id: u64| if Some(id) == default { "yes" } else { "" }.to_owned();
        if self.offline {
            let held = s.mirror()?.workspaces()?;
            eprintln!("from the mirror (0 request(s))");
            return match out {
                Output::Json => output::emit(&output::json_document(&json!(
                    held.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()
                ))),
                Output::Table => output::emit(&output::table(
                    &["id", "default"],
                    held.iter().map(|id| vec![id.to_string(), mark(*id)]),
                )),
                Output::Csv => output::emit(&output::csv(
                    &["id", "default"],
                    held.iter().map(|id| vec![id.to_string(), mark(*id)]),
                )?),
            };
        }
        let list = s.client.list_my_workspaces().send().await?.into_inner();
        let header = ["id", "name", "organization_id", "premium", "default"];
        let rows = || {
            list.iter().map(|w| {
                vec![
                    w.id.to_string(),
                    w.name.clone().unwrap_or_default(),
                    w.organization_id.map(|o| o.to_string()).unwrap_or_default(),
                    w.premium.map(|p| p.to_string()).unwrap_or_default(),
                    mark(w.id.get()),
                ]
            })
        };
        match out {
            Output::Json => output::emit(&output::json_document(&json!(list))),
            Output::Table => output::emit(&output::table(&header, rows())),
            Output::Csv => output::emit(&output::csv(&header, rows())?),
        }
    }
}
