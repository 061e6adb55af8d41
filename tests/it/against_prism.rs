//! Every operation of the generated client against Prism serving the spec
//! (an independent mock that validates each request against the spec).
//! `cargo xtask ecosystem` starts Prism, runs this test with its URL in
//! `TOGGL_PRISM_URL`, and fails if Prism logged any request violation.
//! Plain `cargo test` reports it as ignored (not run): it needs Prism.

use std::num::NonZeroU64;

use toggl_track_api::config::RetryPolicy;
use toggl_track_api::types::{
    ClientCreate, ClientRestore, ClientStatus, ClientUpdate, ClientsByIds,
};
use toggl_track_api::{Client, Credentials, Error};

/// A client for the Prism that `cargo xtask ecosystem` started. Asked to
/// run without one, the test fails: it was not run, and must not pass.
fn client() -> Client {
    let url = std::env::var("TOGGL_PRISM_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("TOGGL_PRISM_URL names a running Prism; `cargo xtask ecosystem` starts one");
    Client::builder(Credentials::api_token("prism-token"))
        .base_url(url)
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds")
}

fn ids(list: &[u64]) -> Vec<NonZeroU64> {
    list.iter()
        .map(|i| NonZeroU64::new(*i).expect("non-zero"))
        .collect()
}

#[tokio::test]
#[ignore = "needs Prism: `cargo xtask ecosystem` starts it and runs this test"]
async fn every_operation_is_a_valid_request_with_a_decodable_answer() -> Result<(), Error> {
    let api = client();
    let ws = toggl_track_local_service::demo::WORKSPACE;
    let listed = api
        .list_clients()
        .workspace_id(ws)
        .status(ClientStatus::Both)
        .name("acme")
        .page(1u64)
        .per_page(50u64)
        .send()
        .await?;
    assert!(!listed.is_empty());
    let created = api
        .create_client()
        .workspace_id(ws)
        .body(
            ClientCreate::builder()
                .name("Acme Corporation")
                .notes(Some("n".to_owned()))
                .external_reference(Some("r".to_owned())),
        )
        .send()
        .await?;
    let id = created.id;
    api.get_client()
        .workspace_id(ws)
        .client_id(id)
        .send()
        .await?;
    api.update_client()
        .workspace_id(ws)
        .client_id(id)
        .body(ClientUpdate::builder().name(Some("Acme".to_owned())))
        .send()
        .await?;
    api.archive_client()
        .workspace_id(ws)
        .client_id(id)
        .send()
        .await?;
    api.restore_client()
        .workspace_id(ws)
        .client_id(id)
        .body(
            ClientRestore::builder().projects(vec![NonZeroU64::new(201234501).expect("non-zero")]),
        )
        .send()
        .await?;
    api.delete_client()
        .workspace_id(ws)
        .client_id(id)
        .send()
        .await?;
    api.archive_clients()
        .workspace_id(ws)
        .body(ids(&[61234001]))
        .send()
        .await?;
    api.delete_clients()
        .workspace_id(ws)
        .body(ids(&[61234001, 61234002]))
        .send()
        .await?;
    api.get_clients_by_ids()
        .workspace_id(ws)
        .body(ClientsByIds::builder().client_ids(ids(&[61234001])))
        .send()
        .await?;
    api.list_changed_clients()
        .since(1710672938u64)
        .send()
        .await?;
    api.get_quota().send().await?;
    Ok(())
}
