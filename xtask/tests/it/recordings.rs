//! The conformance loop as commands: recorded exchanges checked against the
//! spec, a browser's HAR imported without its secrets, and a recording made
//! through the client against a service.

use std::process::Command;

use crate::commands::{assert_bad_input, root, stderr, temp, xtask};

fn reconstructed() -> String {
    std::fs::read_to_string(root().join("openapi/recordings/webapp-2026-03-reconstructed.har"))
        .expect("the reconstructed recording is in the folder")
}

#[test]
fn the_recordings_folder_conforms() {
    let o = xtask(&["conformance"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("conform to the spec"));
}

#[test]
fn a_recorded_body_that_breaks_the_spec_is_named_by_place_and_spec_location() {
    let broken = reconstructed().replacen(
        "\\\"creator_id\\\":9876543",
        "\\\"creator_id\\\":\\\"ada\\\"",
        1,
    );
    assert_ne!(broken, reconstructed(), "the fixture edit applied");
    let file = temp("broken.har", &broken);
    let o = xtask(&["conformance", file.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.contains("broken.har: entry 0 (GET /workspaces/4567890/clients -> 200)")
            && first.contains("at [0].creator_id")
            && first.contains("#/components/schemas/TrackClient/properties/creator_id"),
        "{out}"
    );
}

#[test]
fn an_exchange_the_spec_does_not_know_fails() {
    let har = reconstructed()
        .replace(
            "clients?status=active&page=1",
            "clients?status=active&sort=name&page=1",
        )
        .replacen("/clients/data", "/clients/everything", 1);
    let file = temp("unknown.har", &har);
    let o = xtask(&["conformance", file.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("query parameter `sort` is not declared"),
        "{out}"
    );
    assert!(
        out.contains("no operation of the spec is POST /workspaces/4567890/clients/everything"),
        "{out}"
    );
}

#[test]
fn something_that_is_not_har_is_refused_in_one_line() {
    let file = temp("notes.har", "{\"log\": {\"pages\": []}}");
    assert_bad_input(
        &xtask(&["recordings", "import", file.to_str().expect("utf-8")]),
        "not a HAR file",
    );
    let text = temp("notes.txt", "hello");
    assert_bad_input(
        &xtask(&["conformance", text.to_str().expect("utf-8")]),
        "not JSON",
    );
}

const TOKEN: &str = "1971800d4d82861d8f2c1651fea4d212";
const EMAIL: &str = "ada.lovelace@analytical.example";
const PASSWORD: &str = "correct-horse-battery";
const SESSION: &str = "s3ss10n-abcdef";

/// A browser export full of secrets, and of traffic that is not this API's.
fn har_full_of_secrets() -> String {
    let entry = |method: &str, url: &str, status: u16, body: &str, sent: Option<&str>| {
        serde_json::json!({
            "startedDateTime": "2026-03-11T09:15:00.000Z",
            "time": 12.5,
            "_initiator": {"type": "script", "url": format!("https://track.toggl.com/app.js?api_token={TOKEN}")},
            "request": {
                "method": method,
                "url": url,
                "httpVersion": "HTTP/2",
                "headers": [
                    {"name": "Authorization", "value": format!("Basic {TOKEN}")},
                    {"name": "Cookie", "value": format!("__Secure-accounts-session={SESSION}")},
                    {"name": "X-Session-Id", "value": SESSION},
                    {"name": "X-Api-Token", "value": TOKEN},
                    {"name": "Accept", "value": "application/json"},
                ],
                "queryString": [],
                "cookies": [{"name": "__Secure-accounts-session", "value": SESSION}],
                "headersSize": -1,
                "bodySize": 0,
                "postData": sent.map(|t| serde_json::json!({
                    "mimeType": "application/json",
                    "text": t,
                    "params": [{"name": "password", "value": PASSWORD}],
                })),
            },
            "response": {
                "status": status,
                "statusText": "OK",
                "httpVersion": "HTTP/2",
                "headers": [
                    {"name": "Content-Type", "value": "application/json; charset=utf-8"},
                    {"name": "Set-Cookie", "value": format!("__Secure-accounts-session={SESSION}; Secure")},
                    {"name": "X-Toggl-Request-Id", "value": "5b0bbb3a-4b56-4a4e-9f0e-0c1f0a7c2d11"},
                ],
                "cookies": [{"name": "session", "value": SESSION}],
                "content": {"size": body.len(), "mimeType": "application/json", "text": body},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": body.len(),
            },
            "cache": {},
            "timings": {"send": 0, "wait": 12.5, "receive": 0},
        })
    };
    let client = format!(
        "[{{\"id\":58133321,\"wid\":4567890,\"name\":\"Acme\",\"archived\":false,\"at\":\"2026-03-11T09:14:22+00:00\",\"creator_id\":9876543,\"notes\":\"Invoices to {EMAIL}\"}}]"
    );
    let me = format!("{{\"id\":9876543,\"email\":\"{EMAIL}\",\"api_token\":\"{TOKEN}\"}}");
    let created = "{\"id\":58133399,\"wid\":4567890,\"name\":\"New\",\"archived\":false,\"at\":\"2026-03-11T09:16:00Z\"}";
    serde_json::json!({"log": {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "comment": format!("exported by {EMAIL}"),
        "pages": [{"id": "page_1", "title": format!("https://track.toggl.com/?token={TOKEN}")}],
        "entries": [
            entry("GET", &format!("https://api.track.toggl.com/api/v9/workspaces/4567890/clients?status=active&api_token={TOKEN}"), 200, &client, None),
            entry("GET", "https://api.track.toggl.com/api/v9/me", 200, &me, None),
            entry("POST", "https://api.track.toggl.com/api/v9/workspaces/4567890/clients", 200, created, Some(&format!("{{\"name\":\"New\",\"notes\":\"from {EMAIL}\"}}"))),
            entry("GET", "https://www.google-analytics.com/collect?v=1", 200, "{}", None),
        ],
    }})
    .to_string()
}

#[test]
fn import_keeps_the_clients_exchanges_and_strips_every_secret() {
    let file = temp("export.har", &har_full_of_secrets());
    let out_dir = std::env::temp_dir().join(format!("xtask-it-imported-{}", std::process::id()));
    let o = xtask(&[
        "recordings",
        "import",
        file.to_str().expect("utf-8"),
        "--name",
        "browser",
        "--out-dir",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The clients' exchanges and `/me` (in the spec: who the user is); not
    // the analytics call.
    assert!(String::from_utf8_lossy(&o.stdout).contains("kept 3 of 4 entries"));
    let written = out_dir.join("browser.har");
    let text = std::fs::read_to_string(&written).expect("written");
    for secret in [
        TOKEN,
        EMAIL,
        PASSWORD,
        SESSION,
        "Authorization",
        "Cookie",
        "_initiator",
    ] {
        assert!(!text.contains(secret), "{secret} survived:\n{text}");
    }
    assert!(text.contains("X-Toggl-Request-Id") && text.contains("user@example.com"));
    let har: serde_json::Value = serde_json::from_str(&text).expect("json");
    let urls: Vec<&str> = har["log"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["request"]["url"].as_str())
        .collect();
    assert_eq!(urls.len(), 3, "{urls:?}");
    assert!(
        urls.iter()
            .all(|u| u.contains("/workspaces/4567890/clients") || u.ends_with("/api/v9/me"))
    );
    // What was kept is still a recording the conformance check reads.
    let o = xtask(&["conformance", written.to_str().expect("utf-8")]);
    let out = String::from_utf8_lossy(&o.stdout);
    // The api_token query parameter is not part of the spec.
    assert!(
        out.contains("query parameter `api_token` is not declared"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn a_har_with_nothing_of_this_api_writes_nothing() {
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": []}});
    let file = temp("empty.har", &har.to_string());
    let out_dir = std::env::temp_dir().join(format!("xtask-it-none-{}", std::process::id()));
    let o = xtask(&[
        "recordings",
        "import",
        file.to_str().expect("utf-8"),
        "--out-dir",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!out_dir.exists());
}

#[test]
fn record_without_credentials_says_so_and_does_nothing() {
    let out_dir = std::env::temp_dir().join(format!("xtask-it-nocreds-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["record", "--out-dir", out_dir.to_str().expect("utf-8")])
        .env_remove("TOGGL_API_TOKEN")
        .env_remove("TOGGL_WORKSPACE_ID")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("nothing recorded: set TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID")
    );
    assert!(!out_dir.exists());
}
