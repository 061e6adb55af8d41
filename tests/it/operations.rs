//! Every operation over HTTP against the local service, through a tap on
//! the wire: the request it sends (method, path, query, headers, body), and
//! the answers it decodes, including the shapes the real service sends.

use std::num::NonZeroU64;

use crate::common::{TOKEN, WORKSPACE, client, local};
use crate::wire::{Seen, Tap};
use serde_json::json;
use toggl_track_api::Error;
use toggl_track_api::types::{
    ClientCreate, ClientRestore, ClientStatus, ClientUpdate, TrackClientPermissions,
};
use toggl_track_local_service::{Config, LocalService, Seed, SeedClient, demo};

/// The list path of the test workspace.
fn clients_path() -> String {
    format!("/workspaces/{WORKSPACE}/clients")
}

/// The demo service and a tap in front of it.
async fn tapped(config: Config) -> (LocalService, Tap) {
    let server = local(config).await;
    let tap = Tap::start(&server).await;
    (server, tap)
}

/// Asserts the headers every request must carry: the test token, and JSON
/// asked for.
fn assert_common_headers(seen: &Seen) {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{TOKEN}:api_token"));
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Basic {token}").as_str())
    );
    assert_eq!(seen.header("accept"), Some("application/json"));
}

/// Asserts that `seen` carried a JSON body equal to `body`.
fn assert_json_body(seen: &Seen, body: serde_json::Value) {
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.json(), body);
}

fn ids(list: &[u64]) -> Vec<NonZeroU64> {
    list.iter()
        .map(|id| NonZeroU64::new(*id).expect("non-zero"))
        .collect()
}

/// The demo seed with an archived client whose name also matches "acme corp".
fn with_archived_acme() -> Config {
    let mut seed = Seed::demo();
    seed.clients.push(SeedClient {
        id: 61239002,
        wid: WORKSPACE,
        name: "ACME corp (old)".to_owned(),
        archived: true,
        notes: None,
        external_reference: None,
        creator_id: demo::USER_ID,
        at: None,
    });
    Config {
        seed,
        ..Config::demo()
    }
}

#[tokio::test]
async fn list_sends_filters_and_decodes_a_bare_array() {
    let (_server, tap) = tapped(with_archived_acme()).await;
    let answer = client(tap.base_url())
        .list_clients()
        .workspace_id(WORKSPACE)
        .status(ClientStatus::Both)
        .name("acme corp")
        .send()
        .await
        .expect("list succeeds");
    let seen = tap.one();
    assert_common_headers(&seen);
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", &*clients_path())
    );
    assert_eq!(seen.query_value("status").as_deref(), Some("both"));
    assert_eq!(seen.query_value("name").as_deref(), Some("acme corp"));
    let meta = answer.meta();
    let header = |name: &str| seen.answer_headers[name].to_str().expect("text").to_owned();
    assert_eq!(meta.request_id, Some(header("x-toggl-request-id")));
    assert_eq!(meta.quota.remaining, Some(599));
    assert_eq!(
        meta.quota.resets_in.map(|d| d.as_secs().to_string()),
        Some(header("x-toggl-quota-resets-in"))
    );
    // The active match and the archived one: both filters reached the service.
    let names: Vec<_> = answer.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Acme Corporation", "ACME corp (old)"]);
}

#[tokio::test]
async fn list_without_filters_sends_no_query() {
    let (_server, tap) = tapped(Config::demo()).await;
    let answer = client(tap.base_url())
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("list succeeds");
    let seen = tap.one();
    assert_eq!(seen.query_value("status"), None);
    assert_eq!(seen.query_value("name"), None);
    // The service's default: the active clients.
    assert!(!answer.is_empty() && answer.iter().all(|c| !c.archived));
}

#[tokio::test]
async fn list_reads_a_null_body_as_empty() {
    let server = local(Config::demo()).await;
    server.faults().null_next(1);
    let answer = client(server.base_url())
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await;
    assert!(answer.expect("null is an empty list").is_empty());
}

#[tokio::test]
async fn create_sends_json_without_wid() {
    let (_server, tap) = tapped(Config::demo()).await;
    let created = client(tap.base_url())
        .create_client()
        .workspace_id(WORKSPACE)
        .body(
            ClientCreate::builder()
                .name("Hooli")
                .notes(Some("Invoices go to finance.".to_owned()))
                .external_reference(Some("CRM-0099".to_owned())),
        )
        .send()
        .await
        .expect("create succeeds");
    let seen = tap.one();
    assert_common_headers(&seen);
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", &*clients_path())
    );
    assert_json_body(
        &seen,
        json!({
            "name": "Hooli",
            "notes": "Invoices go to finance.",
            "external_reference": "CRM-0099"
        }),
    );
    assert_eq!(created.wid.get(), WORKSPACE);
    assert_eq!(created.name, "Hooli");
    assert_eq!(created.notes.as_deref(), Some("Invoices go to finance."));
    assert_eq!(created.external_reference.as_deref(), Some("CRM-0099"));
}

#[tokio::test]
async fn get_decodes_every_field_form_the_service_sends() {
    let (server, tap) = tapped(Config::demo()).await;
    // Absent optional fields, explicit nulls, permissions as a string and as
    // an array, unknown extra fields, and the three `at` forms.
    let bodies = [
        (
            1,
            json!({"id": 1, "wid": WORKSPACE, "name": "a", "archived": false,
                   "at": "2024-03-17T10:55:38+00:00", "creator_id": 9}),
        ),
        (
            2,
            json!({"id": 2, "wid": WORKSPACE, "name": "b", "archived": true,
                   "at": "2024-12-15T20:17:59Z", "creator_id": 9,
                   "notes": null, "external_reference": null, "integration_provider": null,
                   "integration_ext_id": null, "integration_ext_type": null,
                   "permissions": null, "total_count": null}),
        ),
        (
            3,
            json!({"id": 3, "wid": WORKSPACE, "name": "c", "archived": false,
                   "at": "2020-07-01T07:42:35.365613Z", "creator_id": 9,
                   "permissions": "read", "integration_provider": "monday",
                   "integration_ext_id": "X-1", "integration_ext_type": "account",
                   "brand_new_field": {"nested": [1, 2]}, "total_count": 3}),
        ),
        (
            4,
            json!({"id": 4, "wid": WORKSPACE, "name": "d", "archived": false,
                   "at": "2024-03-17T10:55:38+00:00", "creator_id": 9,
                   "permissions": ["read", "write"], "notes": "n"}),
        ),
    ];
    let api = client(tap.base_url());
    let mut got = Vec::new();
    for (id, body) in &bodies {
        server.faults().answer_next(body.to_string());
        let c = api
            .get_client()
            .workspace_id(WORKSPACE)
            .client_id(*id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("client {id} decodes: {e}"));
        got.push(c.into_inner());
    }
    let paths: Vec<String> = tap.seen().into_iter().map(|s| s.path).collect();
    let expected: Vec<String> = (1..=4)
        .map(|id| format!("{}/{id}", clients_path()))
        .collect();
    assert_eq!(paths, expected);
    assert_eq!(got[0].notes, None);
    assert_eq!(got[0].permissions, None);
    assert!(got[1].archived);
    assert_eq!(got[1].external_reference, None);
    assert_eq!(
        got[2].permissions,
        Some(TrackClientPermissions::Single(Some("read".into())))
    );
    assert_eq!(got[2].integration_provider.as_deref(), Some("monday"));
    assert_eq!(got[2].total_count, Some(3));
    assert_eq!(
        got[3].permissions,
        Some(TrackClientPermissions::List(vec![
            "read".into(),
            "write".into()
        ]))
    );
    assert_eq!(got[0].at.to_rfc3339(), "2024-03-17T10:55:38+00:00");
    assert_eq!(got[1].at.to_rfc3339(), "2024-12-15T20:17:59+00:00");
    assert_eq!(got[2].at.timestamp_subsec_micros(), 365613);
}

#[tokio::test]
async fn update_sends_only_the_given_fields() {
    let (_server, tap) = tapped(Config::demo()).await;
    let updated = client(tap.base_url())
        .update_client()
        .workspace_id(WORKSPACE)
        .client_id(demo::CLIENT_WITH_PROJECTS)
        .body(ClientUpdate::builder().name(Some("Renamed".to_owned())))
        .send()
        .await
        .expect("update succeeds");
    let seen = tap.one();
    assert_common_headers(&seen);
    assert_eq!(
        (seen.method.as_str(), seen.path.clone()),
        (
            "PUT",
            format!("{}/{}", clients_path(), demo::CLIENT_WITH_PROJECTS)
        )
    );
    assert_json_body(&seen, json!({"name": "Renamed"}));
    assert_eq!(updated.name, "Renamed");
    // What was not sent is left as it was.
    assert!(updated.notes.is_some() && updated.external_reference.is_some());
}

#[tokio::test]
async fn delete_accepts_any_body_with_a_200() {
    let (server, tap) = tapped(Config::demo()).await;
    let api = client(tap.base_url());
    let delete = |id: u64| {
        api.delete_client()
            .workspace_id(WORKSPACE)
            .client_id(id)
            .send()
    };
    // The service's own answer: the id, as a bare number.
    let answer = delete(61234002).await;
    assert_eq!(answer.expect("delete succeeds").status(), 200);
    // An empty body, and plain text.
    server.faults().answer_next("");
    let answer = delete(61234001).await;
    assert_eq!(answer.expect("delete succeeds").status(), 200);
    server.faults().answer_next_as("text/plain", "OK");
    let answer = delete(61234003).await;
    assert_eq!(answer.expect("delete succeeds").status(), 200);
    let seen = tap.seen();
    assert_eq!(seen[0].answer(), b"61234002");
    for (seen, id) in seen.iter().zip([61234002, 61234001, 61234003]) {
        assert_common_headers(seen);
        assert_eq!(
            (seen.method.as_str(), seen.path.clone()),
            ("DELETE", format!("{}/{id}", clients_path()))
        );
    }
}

#[tokio::test]
async fn archive_answers_project_ids() {
    let (_server, tap) = tapped(Config::demo()).await;
    let ids = client(tap.base_url())
        .archive_client()
        .workspace_id(WORKSPACE)
        .client_id(demo::CLIENT_WITH_PROJECTS)
        .send()
        .await
        .expect("archive succeeds");
    let seen = tap.one();
    assert_common_headers(&seen);
    assert_eq!(
        (seen.method.as_str(), seen.path.clone()),
        (
            "POST",
            format!("{}/{}/archive", clients_path(), demo::CLIENT_WITH_PROJECTS)
        )
    );
    let ids: Vec<u64> = ids.iter().map(|id| id.get()).collect();
    assert_eq!(ids, demo::PROJECTS);
}

#[tokio::test]
async fn restore_sends_the_given_projects_or_an_empty_object() {
    let (server, tap) = tapped(Config::demo()).await;
    let api = client(tap.base_url());
    api.archive_client()
        .workspace_id(WORKSPACE)
        .client_id(demo::CLIENT_WITH_PROJECTS)
        .send()
        .await
        .expect("archived");
    let [first, second] = demo::PROJECTS;
    let restored = api
        .restore_client()
        .workspace_id(WORKSPACE)
        .client_id(demo::CLIENT_WITH_PROJECTS)
        .body(ClientRestore::builder().projects(ids(&[first])))
        .send()
        .await
        .expect("restore with projects succeeds");
    assert!(!restored.archived);
    assert_json_body(&tap.last(), json!({"projects": [first]}));
    assert_eq!(
        (server.project_active(first), server.project_active(second)),
        (Some(true), Some(false))
    );
    // Without `.body(..)` the generated builder sends an empty object,
    // which the service reads as "restore no projects".
    let restored = api
        .restore_client()
        .workspace_id(WORKSPACE)
        .client_id(demo::ARCHIVED_CLIENT)
        .send()
        .await
        .expect("restore without a body succeeds");
    assert!(!restored.archived);
    let seen = tap.last();
    assert_common_headers(&seen);
    assert_eq!(
        seen.path,
        format!("{}/{}/restore", clients_path(), demo::ARCHIVED_CLIENT)
    );
    assert_json_body(&seen, json!({}));
}

#[tokio::test]
async fn an_id_of_zero_is_refused_before_sending() {
    let server = local(Config::demo()).await;
    let err = client(server.base_url())
        .get_client()
        .workspace_id(WORKSPACE)
        .client_id(0u64)
        .send()
        .await
        .expect_err("an id of 0 is refused");
    // Named in plain words: the parameter and the rule.
    assert!(
        matches!(&err, Error::InvalidRequest { parameter: Some(p), .. } if p == "client_id"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "invalid request: client_id must be an id of 1 or more"
    );
    let missing = client(server.base_url())
        .list_clients()
        .send()
        .await
        .expect_err("no workspace");
    assert_eq!(
        missing.to_string(),
        "invalid request: workspace_id is required but was not given"
    );
    assert_eq!(server.requests(), 0, "nothing was sent");
}

#[tokio::test]
async fn email_and_password_authenticate_too() {
    use base64::Engine as _;
    let (_server, tap) = tapped(Config::demo()).await;
    let api = toggl_track_api::Client::builder(toggl_track_api::Credentials::email_password(
        demo::EMAIL,
        demo::PASSWORD,
    ))
    .base_url(tap.base_url())
    .user_agent("ops-tests/1.0")
    .build()
    .expect("client builds");
    api.list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("auth ok");
    let seen = tap.one();
    let pair = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        demo::EMAIL,
        demo::PASSWORD
    ));
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Basic {pair}").as_str())
    );
    assert_eq!(seen.header("user-agent"), Some("ops-tests/1.0"));
}

#[tokio::test]
async fn bulk_delete_sends_the_ids_and_accepts_any_body() {
    let (server, tap) = tapped(Config::demo()).await;
    let api = client(tap.base_url());
    let answer = api
        .delete_clients()
        .workspace_id(WORKSPACE)
        .body(ids(&[61234001, 61234002]))
        .send()
        .await;
    assert_eq!(answer.expect("accepted").status(), 200);
    let seen = tap.one();
    assert_common_headers(&seen);
    assert_eq!(
        (seen.method.as_str(), seen.path.clone()),
        ("POST", format!("{}/delete", clients_path()))
    );
    assert_json_body(&seen, json!([61234001, 61234002]));
    let left = client(server.base_url())
        .list_clients()
        .workspace_id(WORKSPACE)
        .status(ClientStatus::Both)
        .send()
        .await
        .expect("lists");
    assert!(left.iter().all(|c| c.id.get() == demo::ARCHIVED_CLIENT));
    // Plain text instead of the service's empty answer.
    server.faults().answer_next_as("text/plain", "OK");
    let answer = api
        .delete_clients()
        .workspace_id(WORKSPACE)
        .body(ids(&[demo::ARCHIVED_CLIENT]))
        .send()
        .await;
    assert_eq!(answer.expect("accepted").status(), 200);
}

#[tokio::test]
async fn changed_clients_sends_since_as_a_query() {
    let (server, tap) = tapped(Config::demo()).await;
    let since = chrono::Utc::now().timestamp() - 60;
    client(server.base_url())
        .delete_client()
        .workspace_id(WORKSPACE)
        .client_id(61234002u64)
        .send()
        .await
        .expect("deleted");
    let api = client(tap.base_url());
    let changed = api
        .list_changed_clients()
        .since(since)
        .send()
        .await
        .expect("lists");
    let seen = tap.one();
    assert_common_headers(&seen);
    assert_eq!(
        (seen.path.as_str(), seen.query_value("since")),
        ("/me/clients", Some(since.to_string()))
    );
    // Deleted clients come only with `since`.
    assert!(
        changed
            .iter()
            .any(|c| c.id.get() == 61234002 && c.server_deleted_at.is_some())
    );
    server.faults().null_next(1);
    let answer = api.list_changed_clients().since(since).send().await;
    assert!(answer.expect("null is an empty list").is_empty());
}

/// Every operation's `send()` fails with the crate's one error type: the
/// generated error never reaches a caller.
#[tokio::test]
async fn every_send_returns_the_one_error_type() {
    let server = local(Config::demo()).await;
    let answer: Result<_, toggl_track_api::Error> = client(server.base_url())
        .get_client()
        .workspace_id(WORKSPACE)
        .client_id(2u64)
        .send()
        .await;
    assert!(
        matches!(answer, Err(toggl_track_api::Error::NotFound { .. })),
        "{answer:?}"
    );
}
