//! Every operation over HTTP against a local server: the request it sends
//! (method, path, query, headers, body) and the responses it decodes,
//! including the shapes the real service sends.

use crate::common::{TOKEN, WORKSPACE, client, client_json};
use serde_json::json;
use toggl_track_api::Error;
use toggl_track_api::types::{
    ClientCreate, ClientRestore, ClientStatus, ClientUpdate, TrackClientPermissions,
};
use wiremock::matchers::{
    basic_auth, body_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The list path of the test workspace.
fn clients_path() -> String {
    format!("/workspaces/{WORKSPACE}/clients")
}

fn ok_json(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(body)
        .insert_header("x-toggl-request-id", "req-1")
        .insert_header("x-toggl-quota-remaining", "598")
        .insert_header("x-toggl-quota-resets-in", "2917")
}

/// Headers every request must carry.
fn common_headers(mock: wiremock::MockBuilder) -> wiremock::MockBuilder {
    mock.and(basic_auth(TOKEN, "api_token"))
        .and(header("accept", "application/json"))
}

#[tokio::test]
async fn list_sends_filters_and_decodes_a_bare_array() {
    let server = MockServer::start().await;
    common_headers(Mock::given(method("GET")))
        .and(path(clients_path()))
        .and(query_param("status", "both"))
        .and(query_param("name", "acme corp"))
        .respond_with(ok_json(json!([
            client_json(1, "Acme Corp"),
            client_json(2, "ACME corporation")
        ])))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server.uri())
        .list_clients()
        .workspace_id(WORKSPACE)
        .status(ClientStatus::Both)
        .name("acme corp")
        .send()
        .await
        .expect("list succeeds");
    let meta = answer.meta();
    assert_eq!(meta.request_id.as_deref(), Some("req-1"));
    assert_eq!(meta.quota.remaining, Some(598));
    assert_eq!(
        meta.quota.resets_in,
        Some(std::time::Duration::from_secs(2917))
    );
    let names: Vec<_> = answer.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Acme Corp", "ACME corporation"]);
}

#[tokio::test]
async fn list_without_filters_sends_no_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(clients_path()))
        .and(query_param_is_missing("status"))
        .and(query_param_is_missing("name"))
        .respond_with(ok_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server.uri())
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await;
    assert!(answer.expect("list succeeds").is_empty());
}

#[tokio::test]
async fn list_reads_a_null_body_as_empty() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(clients_path()))
        .respond_with(ResponseTemplate::new(200).set_body_raw("null", "application/json"))
        .mount(&server)
        .await;
    let answer = client(&server.uri())
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await;
    assert!(answer.expect("null is an empty list").is_empty());
}

#[tokio::test]
async fn create_sends_json_without_wid() {
    let server = MockServer::start().await;
    common_headers(Mock::given(method("POST")))
        .and(path(clients_path()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "Acme Corporation",
            "notes": "Invoices go to finance.",
            "external_reference": "CRM-0042"
        })))
        .respond_with(ok_json(client_json(61234001, "Acme Corporation")))
        .expect(1)
        .mount(&server)
        .await;

    let created = client(&server.uri())
        .create_client()
        .workspace_id(WORKSPACE)
        .body(
            ClientCreate::builder()
                .name("Acme Corporation")
                .notes(Some("Invoices go to finance.".to_owned()))
                .external_reference(Some("CRM-0042".to_owned())),
        )
        .send()
        .await
        .expect("create succeeds");
    assert_eq!(created.id.get(), 61234001);
    assert_eq!(created.wid.get(), WORKSPACE);
}

#[tokio::test]
async fn get_decodes_every_field_form_the_service_sends() {
    let server = MockServer::start().await;
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
    for (id, body) in &bodies {
        Mock::given(method("GET"))
            .and(path(format!("{}/{id}", clients_path())))
            .respond_with(ok_json(body.clone()))
            .expect(1)
            .mount(&server)
            .await;
    }
    let api = client(&server.uri());
    let mut got = Vec::new();
    for (id, _) in &bodies {
        let c = api
            .get_client()
            .workspace_id(WORKSPACE)
            .client_id(*id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("client {id} decodes: {e}"));
        got.push(c.into_inner());
    }
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
    let server = MockServer::start().await;
    common_headers(Mock::given(method("PUT")))
        .and(path(format!("{}/77", clients_path())))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"name": "Renamed"})))
        .respond_with(ok_json(client_json(77, "Renamed")))
        .expect(1)
        .mount(&server)
        .await;
    let updated = client(&server.uri())
        .update_client()
        .workspace_id(WORKSPACE)
        .client_id(77u64)
        .body(ClientUpdate::builder().name(Some("Renamed".to_owned())))
        .send()
        .await
        .expect("update succeeds");
    assert_eq!(updated.name, "Renamed");
}

#[tokio::test]
async fn delete_accepts_any_body_with_a_200() {
    let server = MockServer::start().await;
    let bodies = [
        (1, ResponseTemplate::new(200)),
        (
            2,
            ResponseTemplate::new(200).set_body_raw("0", "application/json"),
        ),
        (
            3,
            ResponseTemplate::new(200).set_body_raw("OK", "text/plain"),
        ),
    ];
    for (id, response) in bodies {
        common_headers(Mock::given(method("DELETE")))
            .and(path(format!("{}/{id}", clients_path())))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
    }
    let api = client(&server.uri());
    for id in 1u64..=3 {
        let answer = api
            .delete_client()
            .workspace_id(WORKSPACE)
            .client_id(id)
            .send()
            .await;
        assert_eq!(answer.expect("delete succeeds").status(), 200);
    }
}

#[tokio::test]
async fn archive_answers_project_ids() {
    let server = MockServer::start().await;
    common_headers(Mock::given(method("POST")))
        .and(path(format!("{}/5/archive", clients_path())))
        .respond_with(ok_json(json!([201234501u64, 201234502u64])))
        .expect(1)
        .mount(&server)
        .await;
    let ids = client(&server.uri())
        .archive_client()
        .workspace_id(WORKSPACE)
        .client_id(5u64)
        .send()
        .await
        .expect("archive succeeds");
    let ids: Vec<u64> = ids.iter().map(|id| id.get()).collect();
    assert_eq!(ids, [201234501, 201234502]);
}

#[tokio::test]
async fn restore_sends_the_given_projects_or_an_empty_object() {
    let server = MockServer::start().await;
    common_headers(Mock::given(method("POST")))
        .and(path(format!("{}/5/restore", clients_path())))
        .and(body_json(json!({"projects": [11, 12]})))
        .respond_with(ok_json(client_json(5, "Back")))
        .expect(1)
        .mount(&server)
        .await;
    common_headers(Mock::given(method("POST")))
        .and(path(format!("{}/6/restore", clients_path())))
        // Without `.body(..)` the generated builder sends an empty object,
        // which the service reads as "restore no projects".
        .and(body_json(json!({})))
        .respond_with(ok_json(client_json(6, "Back too")))
        .expect(1)
        .mount(&server)
        .await;
    let api = client(&server.uri());
    let restored = api
        .restore_client()
        .workspace_id(WORKSPACE)
        .client_id(5u64)
        .body(ClientRestore::builder().projects(vec![
            std::num::NonZeroU64::new(11).expect("non-zero"),
            std::num::NonZeroU64::new(12).expect("non-zero"),
        ]))
        .send()
        .await
        .expect("restore with projects succeeds");
    assert_eq!(restored.name, "Back");
    let restored = api
        .restore_client()
        .workspace_id(WORKSPACE)
        .client_id(6u64)
        .send()
        .await
        .expect("restore without a body succeeds");
    assert_eq!(restored.name, "Back too");
}

#[tokio::test]
async fn an_id_of_zero_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(json!([])))
        .expect(0)
        .mount(&server)
        .await;
    let err = client(&server.uri())
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
    let missing = client(&server.uri())
        .list_clients()
        .send()
        .await
        .expect_err("no workspace");
    assert_eq!(
        missing.to_string(),
        "invalid request: workspace_id is required but was not given"
    );
}

#[tokio::test]
async fn email_and_password_authenticate_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(basic_auth("ada@example.com", "s3cret pass"))
        .respond_with(ok_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let api = toggl_track_api::Client::builder(toggl_track_api::Credentials::email_password(
        "ada@example.com",
        "s3cret pass",
    ))
    .base_url(server.uri())
    .user_agent("ops-tests/1.0")
    .build()
    .expect("client builds");
    api.list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("auth ok");
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(
        requests[0]
            .headers
            .get("user-agent")
            .map(|v| v.to_str().ok()),
        Some(Some("ops-tests/1.0"))
    );
}

#[tokio::test]
async fn bulk_delete_sends_the_ids_and_accepts_any_body() {
    let server = MockServer::start().await;
    common_headers(Mock::given(method("POST")))
        .and(path(format!("{}/delete", clients_path())))
        .and(body_json(json!([11, 12])))
        .respond_with(ResponseTemplate::new(200).set_body_raw("OK", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    let ids: Vec<std::num::NonZeroU64> = [11u64, 12]
        .iter()
        .map(|i| std::num::NonZeroU64::new(*i).expect("non-zero"))
        .collect();
    let answer = client(&server.uri())
        .delete_clients()
        .workspace_id(WORKSPACE)
        .body(ids)
        .send()
        .await;
    assert_eq!(answer.expect("accepted").status(), 200);
}

#[tokio::test]
async fn changed_clients_sends_since_as_a_query() {
    let server = MockServer::start().await;
    common_headers(Mock::given(method("GET")))
        .and(path("/me/clients"))
        .and(query_param("since", "1710672938"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("null", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server.uri())
        .list_changed_clients()
        .since(1710672938i64)
        .send()
        .await;
    assert!(answer.expect("null is an empty list").is_empty());
}

/// Every operation's `send()` fails with the crate's one error type: the
/// generated error never reaches a caller.
#[tokio::test]
async fn every_send_returns_the_one_error_type() {
    let server = wiremock::MockServer::start().await;
    let api = toggl_track_api::Client::builder(toggl_track_api::Credentials::api_token("t"))
        .base_url(server.uri())
        .retry(toggl_track_api::config::RetryPolicy::none())
        .build()
        .expect("builds");
    let answer: Result<_, toggl_track_api::Error> = api
        .get_client()
        .workspace_id(1u64)
        .client_id(2u64)
        .send()
        .await;
    assert!(
        matches!(answer, Err(toggl_track_api::Error::NotFound { .. })),
        "{answer:?}"
    );
}
