//! The service's rules over HTTP, with a plain HTTP client: what a Toggl
//! client would see.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use toggl_track_local_service::demo::{
    API_TOKEN as TOKEN, EMAIL, FREE_WORKSPACE as FREE_WS, OTHER_API_TOKEN, PASSWORD,
    WORKSPACE as WS,
};
use toggl_track_local_service::sentences::{
    BAD_CREDENTIALS, CLIENT_ID_NOT_A_NUMBER, CLIENT_NOT_IN_WORKSPACE, JSON_NOT_VALID, NAME_EMPTY,
    NAME_TAKEN, NAME_TOO_LONG, NO_ACCESS, NO_CLIENT_WITH_ID, PAID_PLAN_ONLY, QUOTA_USED_UP,
    SINCE_TOO_OLD, STATUS_INVALID, USER_QUOTA_USED_UP, WORKSPACE_ID_INVALID, WRONG_TYPE, say,
};
use toggl_track_local_service::{Config, LocalService, RateLimit, start};

struct Api {
    server: LocalService,
    http: reqwest::Client,
}

impl Api {
    async fn new(config: Config) -> Self {
        Self {
            server: start(config).await.expect("starts"),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let mut request = self
            .http
            .request(method.parse().expect("method"), self.url(path))
            .basic_auth(TOKEN, Some("api_token"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("answers");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("body"))
    }

    async fn json(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (status, _, text) = self.call(method, path, body).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The status and words of sentence `name` with `values` in its varying
/// parts, as the spec gives them. A name the spec lacks fails here, so that
/// a test never expects what the service says of a sentence it cannot find.
fn words(name: &str, values: &[&dyn std::fmt::Display]) -> (u16, String) {
    let (status, text) = say(name, values);
    assert!(
        (400..500).contains(&status),
        "{name} is in the spec: {text}"
    );
    (status, text)
}

/// [`words`] as the JSON string most refusals carry.
fn said(name: &str, values: &[&dyn std::fmt::Display]) -> (u16, Value) {
    let (status, text) = words(name, values);
    (status, json!(text))
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect()
}

#[tokio::test]
async fn list_filters_by_status_and_name() {
    let api = Api::new(Config::demo()).await;
    let base = format!("/workspaces/{WS}/clients");
    let (status, active) = api.json("GET", &base, None).await;
    assert_eq!(status, 200);
    assert_eq!(names(&active), ["Acme Corporation", "Globex"]);
    let (_, archived) = api
        .json("GET", &format!("{base}?status=archived"), None)
        .await;
    assert_eq!(names(&archived), ["Initech"]);
    let (_, both) = api
        .json("GET", &format!("{base}?status=both&name=CORP"), None)
        .await;
    assert_eq!(names(&both), ["Acme Corporation"]);
    let (status, message) = api.json("GET", &format!("{base}?status=all"), None).await;
    assert_eq!((status.as_u16(), message), said(STATUS_INVALID, &[]));
}

#[tokio::test]
async fn a_client_leaves_empty_fields_out() {
    let api = Api::new(Config::demo()).await;
    let (_, client) = api
        .json("GET", &format!("/workspaces/{WS}/clients/61234002"), None)
        .await;
    let keys: Vec<&str> = client
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    for key in ["id", "wid", "name", "archived", "at", "creator_id"] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
}

#[tokio::test]
async fn create_validates_names_and_sets_creator_and_time() {
    let api = Api::new(Config::demo()).await;
    let base = format!("/workspaces/{WS}/clients");
    let (status, created) = api
        .json(
            "POST",
            &base,
            Some(json!({"name": "  Hooli  ", "notes": "n"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(created["name"], "Hooli");
    assert_eq!(
        created["creator_id"],
        toggl_track_local_service::demo::USER_ID
    );
    assert_eq!(created["wid"], WS);
    assert!(chrono::DateTime::parse_from_rfc3339(created["at"].as_str().expect("at")).is_ok());

    for (body, expected) in [
        (json!({"name": ""}), said(NAME_EMPTY, &[])),
        (json!({"name": "   "}), said(NAME_EMPTY, &[])),
        (json!({"notes": "no name"}), said(NAME_EMPTY, &[])),
        (
            json!({"name": "x".repeat(256)}),
            said(NAME_TOO_LONG, &[&255]),
        ),
        (
            json!({"name": "é".repeat(128)}),
            said(NAME_TOO_LONG, &[&255]),
        ),
        (json!({"name": "hooli"}), said(NAME_TAKEN, &[])),
        // The decoder's words, and the recorded sentence for a body that
        // is not an object.
        (
            json!({"name": 7}),
            said(WRONG_TYPE, &[&"name", &"number", &8]),
        ),
        (json!(["name"]), said(JSON_NOT_VALID, &[])),
        // `null` reads as left out: no name at all.
        (json!({"name": null}), said(NAME_EMPTY, &[])),
    ] {
        let (status, answer) = api.json("POST", &base, Some(body.clone())).await;
        assert_eq!((status.as_u16(), answer), expected, "{body}");
    }
    let (status, _) = api
        .json("POST", &base, Some(json!({"name": "é".repeat(127)})))
        .await;
    assert_eq!(status, 200, "254 bytes fit");
    let broken = api
        .http
        .post(api.url(&base))
        .basic_auth(TOKEN, Some("api_token"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("answers");
    let (status, text) = words(JSON_NOT_VALID, &[]);
    assert_eq!(broken.status(), status);
    // A JSON string, quotes and all.
    assert_eq!(broken.text().await.expect("body"), json!(text).to_string());
    // An optional field sent as `null` is left out, not refused.
    let (status, created) = api
        .json(
            "POST",
            &base,
            Some(json!({"name": "Nulls", "notes": null, "external_reference": null})),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert!(created.get("notes").is_none(), "{created}");
    let id = created["id"].as_u64().expect("id");
    let (status, updated) = api
        .json(
            "PUT",
            &format!("{base}/{id}"),
            Some(json!({"name": null, "notes": "kept"})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), updated["name"].clone()),
        (200, json!("Nulls"))
    );
    // A wrong type is still refused, in an update and in a restore.
    let (status, _) = api
        .json("PUT", &format!("{base}/{id}"), Some(json!({"notes": 5})))
        .await;
    assert_eq!(status, 400);
    let (status, _) = api
        .json(
            "POST",
            &format!("{base}/{id}/restore"),
            Some(json!({"restore_all_projects": "yes"})),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_name_limit_is_configurable() {
    let mut config = Config::demo();
    config.max_name_bytes = 5;
    let api = Api::new(config).await;
    let (status, answer) = api
        .json(
            "POST",
            &format!("/workspaces/{WS}/clients"),
            Some(json!({"name": "Sixsix"})),
        )
        .await;
    assert_eq!((status.as_u16(), answer), said(NAME_TOO_LONG, &[&5]));
}

#[tokio::test]
async fn update_changes_fields_and_time_and_keeps_names_unique() {
    let api = Api::new(Config::demo()).await;
    let path = format!("/workspaces/{WS}/clients/61234002");
    let (_, before) = api.json("GET", &path, None).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (status, after) = api
        .json("PUT", &path, Some(json!({"notes": "new notes"})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(after["name"], "Globex");
    assert_eq!(after["notes"], "new notes");
    assert_ne!(after["at"], before["at"]);
    let (status, answer) = api
        .json("PUT", &path, Some(json!({"name": "ACME corporation"})))
        .await;
    assert_eq!((status.as_u16(), answer), said(NAME_TAKEN, &[]));
    let (status, answer) = api
        .json(
            "PUT",
            &format!("/workspaces/{WS}/clients/99"),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), answer),
        said(CLIENT_NOT_IN_WORKSPACE, &[])
    );
}

#[tokio::test]
async fn get_and_delete_answer_404_with_the_documented_message() {
    let api = Api::new(Config::demo()).await;
    let path = format!("/workspaces/{WS}/clients/61234002");
    // The deleted client's id, as a bare number (as recorded).
    let (status, _, body) = api.call("DELETE", &path, None).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "61234002"));
    let (status, answer) = api.json("GET", &path, None).await;
    assert_eq!(
        (status.as_u16(), answer),
        said(NO_CLIENT_WITH_ID, &[&61234002])
    );
    let (status, answer) = api.json("DELETE", &path, None).await;
    assert_eq!(
        (status.as_u16(), answer),
        said(NO_CLIENT_WITH_ID, &[&61234002])
    );
    // A client of another workspace is not found in this one.
    let (status, _) = api
        .json("GET", &format!("/workspaces/{WS}/clients/61234004"), None)
        .await;
    assert_eq!(status, 404);
    // Ids in the path that are not numbers, in the recorded words.
    let (status, answer) = api
        .json("GET", &format!("/workspaces/{WS}/clients/abc"), None)
        .await;
    assert_eq!((status.as_u16(), answer), said(CLIENT_ID_NOT_A_NUMBER, &[]));
    let (status, answer) = api.json("GET", "/workspaces/abc/clients", None).await;
    assert_eq!((status.as_u16(), answer), said(WORKSPACE_ID_INVALID, &[]));
}

#[tokio::test]
async fn archive_archives_projects_and_restore_brings_back_all_or_some() {
    let api = Api::new(Config::demo()).await;
    let base = format!("/workspaces/{WS}/clients/61234001");
    let (status, ids) = api.json("POST", &format!("{base}/archive"), None).await;
    assert_eq!((status.as_u16(), ids), (200, json!([201234501, 201234502])));
    assert_eq!(api.server.project_active(201234501), Some(false));
    let (_, client) = api.json("GET", &base, None).await;
    assert_eq!(client["archived"], true);

    let (status, client) = api
        .json(
            "POST",
            &format!("{base}/restore"),
            Some(json!({"projects": [201234502, 999]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(client["archived"], false);
    assert_eq!(api.server.project_active(201234501), Some(false));
    assert_eq!(api.server.project_active(201234502), Some(true));

    api.json("POST", &format!("{base}/archive"), None).await;
    let (status, _) = api
        .json(
            "POST",
            &format!("{base}/restore"),
            Some(json!({"restore_all_projects": true})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(api.server.project_active(201234501), Some(true));

    // A restore without any body.
    let response = api
        .http
        .post(api.url(&format!("{base}/restore")))
        .basic_auth(TOKEN, Some("api_token"))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn archive_needs_a_premium_workspace() {
    let api = Api::new(Config::demo()).await;
    let (status, _, body) = api
        .call(
            "POST",
            &format!("/workspaces/{FREE_WS}/clients/61234004/archive"),
            None,
        )
        .await;
    // The paid-plan 402 is a JSON string, unlike the quota's plain sentence.
    let (paid_only, text) = words(PAID_PLAN_ONLY, &[]);
    assert_eq!(
        (status.as_u16(), body),
        (paid_only, json!(text).to_string())
    );
}

#[tokio::test]
async fn authentication_is_checked_as_toggl_does() {
    let api = Api::new(Config::demo()).await;
    let url = api.url(&format!("/workspaces/{WS}/clients"));
    let none = api.http.get(&url).send().await.expect("answers");
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["x-authorization-missing"], "true");
    assert!(none.headers().contains_key("x-toggl-request-id"));
    assert_eq!(none.text().await.expect("body"), "");
    let wrong = api
        .http
        .get(&url)
        .basic_auth("nope", Some("api_token"))
        .send()
        .await
        .expect("answers");
    // In plain text, as recorded: not a JSON string.
    assert_eq!(wrong.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        (wrong.status().as_u16(), wrong.text().await.expect("body")),
        words(BAD_CREDENTIALS, &[])
    );
    let password = api
        .http
        .get(&url)
        .basic_auth(EMAIL, Some(PASSWORD))
        .send()
        .await
        .expect("answers");
    assert_eq!(password.status(), 200);
    // grace is not a member of the premium workspace.
    let other = api
        .http
        .get(&url)
        .basic_auth(OTHER_API_TOKEN, Some("api_token"))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        (
            other.status().as_u16(),
            other.json::<serde_json::Value>().await.expect("json")
        ),
        said(NO_ACCESS, &[])
    );
}

#[tokio::test]
async fn every_response_carries_request_id_and_quota() {
    let mut config = Config::demo();
    config.hourly_quota = Some(3);
    let api = Api::new(config).await;
    let path = format!("/workspaces/{WS}/clients");
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let (status, headers, _) = api.call("GET", &path, None).await;
        assert_eq!(status, 200);
        assert_eq!(headers["x-toggl-request-id"].len(), 32);
        remaining.push(
            headers["x-toggl-quota-remaining"]
                .to_str()
                .expect("ascii")
                .to_owned(),
        );
        let resets: u64 = headers["x-toggl-quota-resets-in"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("number");
        assert!(resets <= 3600);
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let (status, headers, body) = api.call("GET", &path, None).await;
    assert_eq!(headers["x-toggl-quota-remaining"], "0");
    // A plain sentence, with the wait its header gives.
    let seconds = headers["x-toggl-quota-resets-in"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!((status.as_u16(), body), words(QUOTA_USED_UP, &[&seconds]));
}

#[tokio::test]
async fn the_rate_limit_answers_an_html_429() {
    let mut config = Config::demo();
    config.rate_limit = Some(RateLimit {
        per_second: 1,
        burst: 2,
        retry_after: None,
    });
    let api = Api::new(config).await;
    let path = format!("/workspaces/{WS}/clients");
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(api.call("GET", &path, None).await.0.as_u16());
    }
    assert_eq!(&statuses[..2], [200, 200]);
    assert!(statuses[2..].contains(&429), "{statuses:?}");
    let (_, headers, body) = api.call("GET", &path, None).await;
    assert_eq!(headers["content-type"], "text/html");
    assert!(body.contains("429 Too Many Requests"));
    // Nothing shows Toggl sending Retry-After, so by default neither does this.
    assert!(!headers.contains_key("retry-after"));
}

#[tokio::test]
async fn the_rate_limit_sends_retry_after_only_when_configured_to() {
    let mut config = Config::demo();
    config.rate_limit = Some(RateLimit {
        per_second: 1,
        burst: 1,
        retry_after: Some(2),
    });
    let api = Api::new(config).await;
    let path = format!("/workspaces/{WS}/clients");
    api.call("GET", &path, None).await;
    let (status, headers, _) = api.call("GET", &path, None).await;
    assert_eq!(
        (status.as_u16(), &headers["retry-after"]),
        (429, &"2".parse().expect("value"))
    );
}

#[tokio::test]
async fn faults_can_be_injected_per_service() {
    let api = Api::new(Config::demo()).await;
    let other = Api::new(Config::demo()).await;
    let path = format!("/workspaces/{WS}/clients");
    api.server.faults().fail_next(503, 2);
    assert_eq!(api.call("GET", &path, None).await.0, 503);
    assert_eq!(
        other.call("GET", &path, None).await.0,
        200,
        "faults are per service"
    );
    assert_eq!(api.call("GET", &path, None).await.0, 503);
    assert_eq!(api.call("GET", &path, None).await.0, 200);

    api.server.faults().malform_next(1);
    let (status, _, body) = api.call("GET", &path, None).await;
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Value>(&body).is_err());

    api.server.faults().drop_next(1);
    let broken = api
        .http
        .get(api.url(&path))
        .basic_auth(TOKEN, Some("api_token"))
        .send()
        .await;
    let failed = match broken {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(failed, "the connection breaks");

    api.server.faults().set_delay(Duration::from_millis(150));
    let started = std::time::Instant::now();
    assert_eq!(api.call("GET", &path, None).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    api.server.faults().clear();
}

#[tokio::test]
async fn unknown_methods_and_paths_get_empty_answers() {
    let api = Api::new(Config::demo()).await;
    let (status, _, body) = api
        .call("PATCH", &format!("/workspaces/{WS}/clients"), None)
        .await;
    assert_eq!((status.as_u16(), body.as_str()), (405, ""));
}

#[test]
fn the_demo_seed_is_consistent() {
    let seed = toggl_track_local_service::Seed::demo();
    assert_eq!(seed.users.len(), 2);
    assert_eq!(seed.clients.len(), 4);
    seed.check().expect("consistent");
}

#[test]
fn a_broken_seed_file_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("toggl-local-service-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad_json = dir.join("bad.json");
    std::fs::write(&bad_json, "{\"users\": [").expect("write");
    let err = Config::from_seed_file(&bad_json)
        .expect_err("invalid")
        .to_string();
    assert!(
        err.starts_with(&bad_json.display().to_string()) && err.contains("not a valid seed file"),
        "{err}"
    );
    let dangling = dir.join("dangling.json");
    std::fs::write(&dangling, r#"{"users": [{"id": 1, "email": "a@b", "password": "p", "api_token": "t", "workspaces": [9]}], "workspaces": []}"#).expect("write");
    let err = Config::from_seed_file(&dangling)
        .expect_err("inconsistent")
        .to_string();
    assert!(err.contains("unknown workspace 9"), "{err}");
    let missing = Config::from_seed_file(&dir.join("missing.json"))
        .expect_err("missing")
        .to_string();
    assert!(missing.contains("cannot read"), "{missing}");
}

#[tokio::test]
async fn lists_reflect_every_change() {
    let api = Api::new(Config::demo()).await;
    let base = format!("/workspaces/{WS}/clients");
    let (_, created) = api.json("POST", &base, Some(json!({"name": "Zeta"}))).await;
    let id = created["id"].as_u64().expect("id");
    api.json(
        "PUT",
        &format!("{base}/{id}"),
        Some(json!({"name": "Aardvark", "notes": "n2"})),
    )
    .await;
    let (_, listed) = api.json("GET", &base, None).await;
    // Id order: the new client comes last, whatever its name.
    assert_eq!(names(&listed), ["Acme Corporation", "Globex", "Aardvark"]);
    assert_eq!(listed[2]["notes"], "n2");
    api.json("POST", &format!("{base}/{id}/archive"), None)
        .await;
    let (_, archived) = api
        .json("GET", &format!("{base}?status=archived"), None)
        .await;
    assert_eq!(names(&archived), ["Initech", "Aardvark"]);
    assert_eq!(archived[1]["archived"], true);
    api.json("POST", &format!("{base}/{id}/restore"), None)
        .await;
    let (_, active) = api.json("GET", &base, None).await;
    assert_eq!(active[2]["archived"], false);
    api.call("DELETE", &format!("{base}/{id}"), None).await;
    let (_, both) = api.json("GET", &format!("{base}?status=both"), None).await;
    assert_eq!(names(&both), ["Acme Corporation", "Globex", "Initech"]);
    // The old name is free again once renamed away or deleted.
    let (status, _) = api.json("POST", &base, Some(json!({"name": "zeta"}))).await;
    assert_eq!(status, 200);
    let (status, _) = api
        .json("POST", &base, Some(json!({"name": "AARDVARK"})))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bulk_archive_is_all_or_nothing() {
    let api = Api::new(Config::demo()).await;
    let base = format!("/workspaces/{WS}/clients");
    let (status, answer) = api
        .json(
            "POST",
            &format!("{base}/archive"),
            Some(json!([61234001, 999])),
        )
        .await;
    assert_eq!((status.as_u16(), answer), said(NO_CLIENT_WITH_ID, &[&999]));
    assert_eq!(
        api.server.project_active(201234501),
        Some(true),
        "nothing changed"
    );
    let (status, answer) = api
        .json(
            "POST",
            &format!("{base}/archive"),
            Some(json!([61234001, 61234002])),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!([
            {"client_ids": [61234001], "project_ids": [201234501, 201234502]},
            {"client_ids": [61234002], "project_ids": [201234503]}
        ])
    );
    let (_, archived) = api
        .json("GET", &format!("{base}?status=archived"), None)
        .await;
    assert_eq!(names(&archived), ["Acme Corporation", "Globex", "Initech"]);
    let (status, _, body) = api
        .call(
            "POST",
            &format!("/workspaces/{FREE_WS}/clients/archive"),
            Some(json!([61234004])),
        )
        .await;
    assert_eq!(status, 402, "{body}");
    // Ids no client can have: the wording is a guess, not Toggl's.
    let guessed = (400, json!("Bad Request"));
    for (bad, expected) in [
        (json!({"ids": [1]}), said(JSON_NOT_VALID, &[])),
        (json!(["1"]), said(JSON_NOT_VALID, &[])),
        (json!([0]), guessed.clone()),
        (json!([9223372036854775808u64]), guessed),
    ] {
        let (status, answer) = api
            .json("POST", &format!("{base}/archive"), Some(bad.clone()))
            .await;
        assert_eq!((status.as_u16(), answer), expected, "{bad}");
    }
}

#[tokio::test]
async fn bulk_delete_is_all_or_nothing() {
    let api = Api::new(Config::demo()).await;
    let base = format!("/workspaces/{WS}/clients");
    let (status, _) = api
        .json(
            "POST",
            &format!("{base}/delete"),
            Some(json!([61234002, 61234004])),
        )
        .await;
    assert_eq!(status, 404, "61234004 is in another workspace");
    let (_, both) = api.json("GET", &format!("{base}?status=both"), None).await;
    assert_eq!(names(&both).len(), 3, "nothing deleted");
    let (status, _, body) = api
        .call(
            "POST",
            &format!("{base}/delete"),
            Some(json!([61234002, 61234003])),
        )
        .await;
    assert_eq!((status.as_u16(), body.as_str()), (200, ""));
    let (_, both) = api.json("GET", &format!("{base}?status=both"), None).await;
    assert_eq!(names(&both), ["Acme Corporation"]);
}

#[tokio::test]
async fn clients_by_ids_leaves_out_unknown_ones() {
    let api = Api::new(Config::demo()).await;
    let path = format!("/workspaces/{WS}/clients/data");
    let (status, found) = api
        .json(
            "POST",
            &path,
            Some(json!({"client_ids": [61234003, 61234001, 61234004, 5]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(names(&found), ["Acme Corporation", "Initech"]);
    // As the web app saw them: no creator, a total count of 0.
    for client in found.as_array().expect("array") {
        assert!(client.get("creator_id").is_none(), "{client}");
        assert_eq!(client["total_count"], 0);
    }
    // A bare array is refused: whether the real service reads one is unknown.
    let (status, answer) = api.json("POST", &path, Some(json!([61234001]))).await;
    assert_eq!((status.as_u16(), answer), said(JSON_NOT_VALID, &[]));
}

#[tokio::test]
async fn changes_since_a_time_include_deletions() {
    let api = Api::new(Config::demo()).await;
    let (_, all) = api.json("GET", "/me/clients", None).await;
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(4),
        "both of ada's workspaces: {all}"
    );
    // `since` is whole seconds: step past the second the seed was made in.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let start = chrono::Utc::now().timestamp();
    let base = format!("/workspaces/{WS}/clients");
    api.json(
        "PUT",
        &format!("{base}/61234001"),
        Some(json!({"notes": "changed"})),
    )
    .await;
    api.call("DELETE", &format!("{base}/61234002"), None).await;
    let (status, changed) = api
        .json("GET", &format!("/me/clients?since={start}"), None)
        .await;
    assert_eq!(status, 200);
    let changed = changed.as_array().expect("array");
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert_eq!(changed[0]["id"], 61234001);
    assert!(changed[0].get("server_deleted_at").is_none());
    assert_eq!(changed[1]["id"], 61234002);
    assert!(changed[1]["server_deleted_at"].is_string());
    let (_, now) = api.json("GET", "/me/clients", None).await;
    assert_eq!(
        now.as_array().map(Vec::len),
        Some(3),
        "deleted ones only with since"
    );
    let (status, answer) = api.json("GET", "/me/clients?since=yesterday", None).await;
    assert_eq!((status.as_u16(), answer), (400, json!("Bad Request")));
    // `since` is inclusive: a change at that very second is in.
    let (_, again) = api
        .json("GET", &format!("/me/clients?since={start}"), None)
        .await;
    assert_eq!(again.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_since_far_in_the_future_finds_nothing() {
    let api = Api::new(Config::demo()).await;
    let (status, found) = api
        .json("GET", "/me/clients?since=9223372036854775806", None)
        .await;
    assert_eq!((status.as_u16(), found), (200, json!([])));
}

#[test]
fn the_benchmark_seed_is_consistent() {
    let seed = toggl_track_local_service::Seed::demo_with_generated_clients(100);
    seed.check().expect("consistent");
    assert_eq!(seed.clients.iter().filter(|c| c.wid == WS).count(), 100);
    assert!(seed.projects.is_empty());
}

#[tokio::test]
async fn lists_come_in_pages_with_the_total_on_every_item() {
    let api = Api::new(Config::with_seed(
        toggl_track_local_service::Seed::demo_with_generated_clients(7),
    ))
    .await;
    let base = format!("/workspaces/{WS}/clients");
    let page = |n: u32| format!("{base}?page={n}&per_page=3");
    let mut seen = Vec::new();
    for n in 1..=3 {
        let (status, items) = api.json("GET", &page(n), None).await;
        assert_eq!(status, 200);
        for item in items.as_array().expect("array") {
            assert_eq!(item["total_count"], 7, "{item}");
            assert_eq!(item["permissions"], json!(["archive", "update", "remove"]));
            seen.push(item["id"].as_u64().expect("id"));
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    assert_eq!(seen, sorted, "id order across pages");
    assert_eq!(seen.len(), 7);
    let (_, beyond) = api.json("GET", &page(4), None).await;
    assert_eq!(beyond, json!([]));
    // Without paging, everything at once, still with the total.
    let (_, all) = api.json("GET", &base, None).await;
    assert_eq!(all.as_array().map(Vec::len), Some(7));
    assert_eq!(all[0]["total_count"], 7);
    for bad in [
        "page=0",
        "per_page=x",
        "page=-1",
        "per_page=9223372036854775808",
    ] {
        let (status, _) = api.json("GET", &format!("{base}?{bad}"), None).await;
        assert_eq!(status, 400, "{bad}");
    }
}

#[tokio::test]
async fn a_repeated_id_in_a_bulk_operation_counts_once() {
    let api = Api::new(Config::demo()).await;
    let base = format!("/workspaces/{WS}/clients");
    let (status, answer) = api
        .json(
            "POST",
            &format!("{base}/archive"),
            Some(json!([61234002, 61234002])),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!([{"client_ids": [61234002], "project_ids": [201234503]}])
    );
    let (status, _, body) = api
        .call(
            "POST",
            &format!("{base}/delete"),
            Some(json!([61234001, 61234001])),
        )
        .await;
    assert_eq!((status.as_u16(), body.as_str()), (200, ""));
    let (_, both) = api.json("GET", &format!("{base}?status=both"), None).await;
    assert_eq!(names(&both), ["Globex", "Initech"]);
}

#[tokio::test]
async fn bulk_archive_on_a_free_workspace_changes_nothing() {
    let mut seed = toggl_track_local_service::Seed::demo();
    seed.clients.push(toggl_track_local_service::SeedClient {
        id: 61234005,
        wid: FREE_WS,
        name: "Wayne".into(),
        archived: false,
        notes: None,
        external_reference: None,
        creator_id: toggl_track_local_service::demo::USER_ID,
        at: None,
    });
    let api = Api::new(Config::with_seed(seed)).await;
    let (status, answer) = api
        .json(
            "POST",
            &format!("/workspaces/{FREE_WS}/clients/archive"),
            Some(json!([61234004, 61234005])),
        )
        .await;
    assert_eq!((status.as_u16(), answer), said(PAID_PLAN_ONLY, &[]));
    let (_, active) = api
        .json("GET", &format!("/workspaces/{FREE_WS}/clients"), None)
        .await;
    assert_eq!(names(&active), ["Umbrella", "Wayne"]);
}

#[tokio::test]
async fn the_user_quota_of_me_endpoints_is_counted_apart() {
    let mut config = Config::demo();
    config.hourly_quota = Some(5);
    config.user_hourly_quota = Some(2);
    let api = Api::new(config).await;
    let remaining = |h: &reqwest::header::HeaderMap| {
        h["x-toggl-quota-remaining"]
            .to_str()
            .unwrap_or_default()
            .to_owned()
    };
    let (_, h, _) = api.call("GET", "/me/clients", None).await;
    assert_eq!(remaining(&h), "1");
    let (_, h, _) = api
        .call("GET", &format!("/workspaces/{WS}/clients"), None)
        .await;
    assert_eq!(remaining(&h), "4", "the organization quota");
    api.call("GET", "/me/clients", None).await;
    let (status, h, body) = api.call("GET", "/me/clients", None).await;
    assert_eq!(remaining(&h), "0");
    // The third request of two allowed, with the wait its header gives.
    let seconds = h["x-toggl-quota-resets-in"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        (status.as_u16(), body),
        words(USER_QUOTA_USED_UP, &[&3, &2, &seconds])
    );
    let (status, h, _) = api
        .call("GET", &format!("/workspaces/{WS}/clients"), None)
        .await;
    assert_eq!((status.as_u16(), remaining(&h).as_str()), (200, "3"));
}

#[tokio::test]
async fn a_since_further_back_than_the_cut_off_is_refused() {
    let mut config = Config::demo();
    config.since_max_age = Duration::from_secs(10 * 86_400);
    let api = Api::new(config).await;
    let old = chrono::Utc::now().timestamp() - 11 * 86_400;
    let (status, answer) = api
        .json("GET", &format!("/me/clients?since={old}"), None)
        .await;
    assert_eq!((status.as_u16(), answer), said(SINCE_TOO_OLD, &[]));
    let recent = chrono::Utc::now().timestamp() - 9 * 86_400;
    let (status, _) = api
        .json("GET", &format!("/me/clients?since={recent}"), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn new_clients_can_stay_invisible_for_a_while() {
    let api = Api::new(Config::demo()).await;
    api.server
        .faults()
        .set_visibility_lag(Duration::from_millis(400));
    let base = format!("/workspaces/{WS}/clients");
    let (status, created) = api
        .json("POST", &base, Some(json!({"name": "Hooli"})))
        .await;
    assert_eq!(status, 200);
    let id = created["id"].as_u64().expect("id");
    let (status, answer) = api.json("GET", &format!("{base}/{id}"), None).await;
    assert_eq!((status.as_u16(), answer), said(NO_CLIENT_WITH_ID, &[&id]));
    let (_, listed) = api.json("GET", &base, None).await;
    assert!(!names(&listed).contains(&"Hooli"));
    // Seeded clients are unaffected, and the name is taken all the same.
    assert_eq!(
        api.json("GET", &format!("{base}/61234001"), None).await.0,
        200
    );
    let (status, _) = api
        .json("POST", &base, Some(json!({"name": "hooli"})))
        .await;
    assert_eq!(status, 400);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(api.json("GET", &format!("{base}/{id}"), None).await.0, 200);
}

#[tokio::test]
async fn faults_answer_null_oversized_endless_or_never() {
    let api = Api::new(Config::demo()).await;
    let path = format!("/workspaces/{WS}/clients");
    api.server.faults().null_next(1);
    let (status, _, body) = api.call("GET", &path, None).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "null"));

    api.server.faults().oversize_next(100_000);
    let (status, headers, body) = api.call("GET", &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-length"], "100000");
    assert!(
        serde_json::from_str::<Value>(&body)
            .is_ok_and(|v| v.as_array().is_some_and(|a| a.len() > 100))
    );

    api.server.faults().endless_next();
    let mut response = api
        .http
        .get(api.url(&path))
        .basic_auth(TOKEN, Some("api_token"))
        .send()
        .await
        .expect("answers");
    assert!(response.headers().get("content-length").is_none());
    let mut read = 0;
    while read < 5_000_000 {
        read += response
            .chunk()
            .await
            .expect("streams")
            .expect("never ends")
            .len();
    }
    drop(response);

    api.server.faults().silence_next(1);
    let silent = api
        .http
        .get(api.url(&path))
        .basic_auth(TOKEN, Some("api_token"))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(silent.is_err_and(|e| e.is_timeout()));
    assert_eq!(
        api.call("GET", &path, None).await.0,
        200,
        "one request only"
    );
}

#[test]
fn the_demo_constants_match_the_demo_seed() {
    use toggl_track_local_service::demo;
    let seed = toggl_track_local_service::Seed::demo();
    let ada = &seed.users[0];
    assert_eq!(
        (
            ada.id,
            ada.email.as_str(),
            ada.password.as_str(),
            ada.api_token.as_str()
        ),
        (demo::USER_ID, demo::EMAIL, demo::PASSWORD, demo::API_TOKEN)
    );
    assert_eq!(ada.workspaces, [demo::WORKSPACE, demo::FREE_WORKSPACE]);
    assert_eq!(seed.users[1].api_token, demo::OTHER_API_TOKEN);
    let premium: Vec<u64> = seed
        .workspaces
        .iter()
        .filter(|w| w.premium)
        .map(|w| w.id)
        .collect();
    assert_eq!(premium, [demo::WORKSPACE]);
    let projects: Vec<u64> = seed
        .projects
        .iter()
        .filter(|p| p.client_id == demo::CLIENT_WITH_PROJECTS)
        .map(|p| p.id)
        .collect();
    assert_eq!(projects, demo::PROJECTS);
    assert!(
        seed.clients
            .iter()
            .any(|c| c.id == demo::ARCHIVED_CLIENT && c.archived)
    );
}

#[tokio::test]
async fn the_quota_endpoint_answers_from_the_counters_per_organization_and_for_the_user() {
    let mut config = Config::demo();
    config.hourly_quota = Some(10);
    config.quota_window = Duration::from_secs(2);
    let api = Api::new(config).await;
    for _ in 0..3 {
        api.json("GET", &format!("/workspaces/{WS}/clients"), None)
            .await;
    }
    let (status, answer) = api.json("GET", "/me/quota", None).await;
    assert_eq!(status, StatusCode::OK);
    let entries = answer.as_array().expect("an array");
    assert_eq!(entries.len(), 2, "{answer}");
    let org = entries
        .iter()
        .find(|e| e["organization_id"] == toggl_track_local_service::DEFAULT_ORGANIZATION)
        .expect("the demo user's organization");
    assert_eq!(
        (org["remaining"].as_i64(), org["total"].as_i64()),
        (Some(7), Some(10))
    );
    let user = entries
        .iter()
        .find(|e| e["organization_id"].is_null())
        .expect("the user-level entry");
    // This request itself counted against the user-level quota.
    assert_eq!(
        (user["remaining"].as_i64(), user["total"].as_i64()),
        (Some(29), Some(30))
    );
    assert!(user["resets_in_secs"].as_i64().is_some_and(|s| s <= 2));
    // The window is as long as configured: after it, the quota is whole again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (_, answer) = api.json("GET", "/me/quota", None).await;
    let org = &answer[0];
    assert_eq!(org["remaining"], 10, "{answer}");
}

#[tokio::test]
async fn me_and_my_workspaces_follow_membership() {
    let api = Api::new(Config::demo()).await;
    let (status, me) = api.json("GET", "/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], toggl_track_local_service::demo::USER_ID);
    assert_eq!(me["default_workspace_id"], WS);
    let ids = |list: &Value| -> Vec<u64> {
        list.as_array()
            .expect("array")
            .iter()
            .filter_map(|w| w["id"].as_u64())
            .collect()
    };
    let (_, workspaces) = api.json("GET", "/me/workspaces", None).await;
    assert_eq!(ids(&workspaces), [WS, FREE_WS]);
    assert_eq!(workspaces[0]["premium"], true);
    api.server
        .remove_from_workspace(toggl_track_local_service::demo::USER_ID, FREE_WS);
    let (_, workspaces) = api.json("GET", "/me/workspaces", None).await;
    assert_eq!(ids(&workspaces), [WS]);
    let (status, _) = api
        .json("GET", &format!("/workspaces/{FREE_WS}/clients"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "its clients are out of reach"
    );
}

#[tokio::test]
async fn a_service_that_pages_by_default_answers_the_first_page_with_the_total() {
    let mut config =
        Config::with_seed(toggl_track_local_service::Seed::demo_with_generated_clients(120));
    config.default_page_size = Some(50);
    let api = Api::new(config).await;
    let (_, first) = api
        .json("GET", &format!("/workspaces/{WS}/clients"), None)
        .await;
    assert_eq!(first.as_array().map(Vec::len), Some(50));
    assert_eq!(first[0]["total_count"], 120);
    let (_, last) = api
        .json(
            "GET",
            &format!("/workspaces/{WS}/clients?page=3&per_page=50"),
            None,
        )
        .await;
    assert_eq!(last.as_array().map(Vec::len), Some(20));
}

#[tokio::test]
async fn the_date_of_an_answer_follows_the_service_clock_and_its_faults() {
    let api = Api::new(Config::demo()).await;
    let date = |headers: &reqwest::header::HeaderMap| -> Option<chrono::DateTime<chrono::Utc>> {
        let text = headers.get("date")?.to_str().ok()?;
        Some(httpdate::parse_http_date(text).ok()?.into())
    };
    let (_, headers, _) = api.call("GET", "/me", None).await;
    let now = chrono::Utc::now();
    let plain = date(&headers).expect("a Date");
    assert!(
        (plain - now).num_seconds().abs() <= 2,
        "{plain} against {now}"
    );
    api.server.clock().set_offset(chrono::Duration::hours(-2));
    let (_, headers, _) = api.call("GET", "/me", None).await;
    let behind = date(&headers).expect("a Date");
    assert!((now - behind).num_minutes() >= 119, "{behind}");
    api.server.faults().shift_date(chrono::Duration::hours(3));
    let (_, headers, _) = api.call("GET", "/me", None).await;
    let shifted = date(&headers).expect("a Date");
    assert!((shifted - now).num_minutes() >= 59, "{shifted}");
    api.server.faults().strip_date();
    let (_, headers, _) = api.call("GET", "/me", None).await;
    assert!(headers.get("date").is_none(), "no Date at all");
}
