//! `auth status`: per profile, who it is, which service, where its token
//! lives, its workspace and its mirror's file. No secret is printed, and
//! no request is sent unless `--check` asks (one `GET /me` per profile).

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use toggl_track_api::config::DEFAULT_BASE_URL;

use crate::args::{Global, Output};
use crate::config::Profile;
use crate::credential_store;
use crate::failure::Failure;
use crate::mirror;
use crate::output;
use crate::profile::Chosen;

#[derive(Debug, Args)]
pub(crate) struct Auth {
    #[command(subcommand)]
    command: AuthCommand,
}

#[derive(Debug, Subcommand)]
enum AuthCommand {
    /// Who each profile is logged in as, where its token is kept, its
    /// workspace and mirror (no request unless --check).
    Status(Status),
}

#[derive(Debug, Args)]
struct Status {
    /// Also ask the service whether each token still works: one request
    /// to /me per profile (user-level quota).
    #[arg(long)]
    check: bool,
}

impl Auth {
    pub(crate) async fn run(self, g: &Global, chosen: Chosen) -> Result<(), Failure> {
        let AuthCommand::Status(status) = self.command;
        chosen.must_exist()?;
        let mut names: Vec<String> = chosen.file.profiles.keys().cloned().collect();
        if chosen.named {
            names.retain(|n| *n == chosen.name);
        } else if !names.contains(&chosen.name) {
            names.insert(0, chosen.name.clone());
        }
        let mut rows = Vec::new();
        for name in names {
            let profile = chosen.file.profile(&name).cloned().unwrap_or_default();
            let mut row = describe(&name, &profile, name == chosen.name);
            if status.check {
                row["checked"] = check(g, &profile).await;
            }
            rows.push(row);
        }
        print(&rows, g.output())?;
        if std::env::var_os("TOGGL_API_TOKEN").is_some() {
            eprintln!("note: TOGGL_API_TOKEN is set: commands use it, not a profile's token");
        }
        Ok(())
    }
}

/// One profile, in words and without secrets.
fn describe(name: &str, p: &Profile, in_use: bool) -> Value {
    let service = p
        .base_url
        .clone()
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let (user, token, token_state, mirror) = match &p.login {
        Some(login) => {
            let state = match credential_store::read(&login.token) {
                Ok(_) => "present".to_owned(),
                Err(why) => format!("missing: {why}"),
            };
            let identity = mirror::Identity::new(&service, "", Some(login.user_id));
            let file =
                p.db.clone()
                    .or_else(|| mirror::default_path(&identity))
                    .map(|f| f.display().to_string());
            (
                Some(format!("{} (Toggl user {})", login.user, login.user_id)),
                Some(login.token.to_string()),
                Some(state),
                file,
            )
        }
        None => (
            None,
            None,
            None,
            p.db.as_ref().map(|f| f.display().to_string()),
        ),
    };
    json!({
        "profile": name,
        "in_use": in_use,
        "service": service,
        "user": user,
        "token": token,
        "token_state": token_state,
        "workspace": p.workspace,
        "mirror": mirror,
    })
}

/// Whether the profile's token still works, by one `GET /me`.
async fn check(g: &Global, p: &Profile) -> Value {
    let Some(login) = &p.login else {
        return Value::Null;
    };
    let token = match credential_store::read(&login.token) {
        Ok(token) => token,
        Err(why) => return json!(format!("not checked: {why}")),
    };
    let mut client =
        toggl_track_api::Client::builder(toggl_track_api::Credentials::api_token(token))
            .timeout(g.timeout())
            .base_url(p.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL));
    if g.allow_insecure_http {
        client = client.allow_insecure_http();
    }
    let answer = match client.build() {
        Ok(client) => client
            .get_me()
            .send()
            .await
            .map(|r| r.into_inner().id.get()),
        Err(e) => return json!(format!("not checked: {e}")),
    };
    match answer {
        Ok(id) if id == login.user_id => json!("the token works"),
        Ok(id) => json!(format!(
            "the token is now Toggl user {id}'s; run `toggl-clients login` again"
        )),
        Err(e) => json!(format!(
            "the token did not work: {}",
            Failure::from(e).message
        )),
    }
}

fn print(rows: &[Value], out: Output) -> Result<(), Failure> {
    match out {
        Output::Json => output::emit(&output::json_document(&json!(rows))),
        Output::Table | Output::Csv => {
            let keys = [
                "service",
                "user",
                "token",
                "token_state",
                "workspace",
                "mirror",
                "checked",
            ];
            let mut text = String::new();
            for row in rows {
                let mark = if row["in_use"] == json!(true) {
                    " (in use)"
                } else {
                    ""
                };
                text.push_str(&format!(
                    "{}{mark}\n",
                    row["profile"].as_str().unwrap_or("")
                ));
                if row["user"].is_null() {
                    text.push_str("  not logged in (`toggl-clients login`)\n");
                }
                for key in keys {
                    match &row[key] {
                        Value::Null => {}
                        Value::String(s) => text.push_str(&format!("  {key}: {s}\n")),
                        other => text.push_str(&format!("  {key}: {other}\n")),
                    }
                }
            }
            output::emit(&text)
        }
    }
}
