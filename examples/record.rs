//! `cargo xtask record`: every operation once against the real service, one
//! request a second, with a uniquely named client that is removed again;
//! the exchanges are captured by a recording proxy between the Rust client
//! and the service, stripped of secrets and written as a HAR file.

//! A maintainer's tool, run by `cargo xtask record`: every operation once
//! against the real service, one request a second, with a uniquely named
//! client that is removed again. A recording proxy between this client and
//! the service captures the exchanges, and they are written as a HAR file
//! with every secret stripped, for `cargo xtask conformance` and the
//! client's recording tests.
//!
//! ```sh
//! TOGGL_API_TOKEN=... TOGGL_WORKSPACE_ID=... cargo xtask record
//! cargo run --example record -- --base-url URL --name NAME --out-dir DIR
//! ```

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use toggl_track_api::config::{Pacing, RetryPolicy};
use toggl_track_api::types::{ClientCreate, ClientRestore, ClientUpdate, ClientsByIds};
use toggl_track_api::{Client, Credentials, Error};
use toggl_track_spec::conformance::har::{
    Content, Creator, Entry, Har, Header, Log, PostData, Request as HarRequest,
    Response as HarResponse, Timings,
};
use toggl_track_spec::conformance::{BASE_PATH, redact};

/// What to record and where to write it.
struct Args {
    base_url: String,
    name: Option<String>,
    out_dir: PathBuf,
}

impl Args {
    /// `--base-url URL`, `--name NAME`, `--out-dir DIR`, all optional.
    fn parse() -> Result<Self, String> {
        let mut args = Self {
            base_url: toggl_track_api::config::DEFAULT_BASE_URL.to_owned(),
            name: None,
            out_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi/recordings"),
        };
        let mut given = std::env::args().skip(1);
        while let Some(flag) = given.next() {
            let value = given
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--base-url" => args.base_url = value,
                "--name" => args.name = Some(value),
                "--out-dir" => args.out_dir = PathBuf::from(value),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(args)
    }
}

/// What the proxy saw.
struct Recorder {
    upstream: String,
    http: reqwest::Client,
    entries: Mutex<Vec<Entry>>,
}

fn pairs(headers: &axum::http::HeaderMap) -> Vec<Header> {
    headers
        .iter()
        .map(|(n, v)| Header {
            name: n.as_str().to_owned(),
            value: String::from_utf8_lossy(v.as_bytes()).into_owned(),
        })
        .collect()
}

/// Forwards one request to the service and records the exchange.
async fn forward(State(recorder): State<Arc<Recorder>>, request: Request) -> Response {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let rest = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .strip_prefix(BASE_PATH)
        .unwrap_or("/")
        .to_owned();
    let url = format!("{}{rest}", recorder.upstream);
    let mut outgoing = recorder
        .http
        .request(parts.method.clone(), &url)
        .body(body.clone());
    for (name, value) in &parts.headers {
        if name != axum::http::header::HOST && name != axum::http::header::CONTENT_LENGTH {
            outgoing = outgoing.header(name, value);
        }
    }
    let (status, headers, answer) = match outgoing.send().await {
        Ok(r) => {
            let status = r.status();
            let headers = r.headers().clone();
            let answer = r.bytes().await.unwrap_or_default();
            (status, headers, answer)
        }
        Err(e) => {
            let message = format!("the recording proxy could not reach {url}: {e}");
            return (axum::http::StatusCode::BAD_GATEWAY, message).into_response();
        }
    };
    let mime = |h: &axum::http::HeaderMap| {
        h.get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let query = reqwest::Url::parse(&url)
        .map(|u| {
            u.query_pairs()
                .map(|(n, v)| Header {
                    name: n.into_owned(),
                    value: v.into_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    let elapsed = clock.elapsed().as_secs_f64() * 1000.0;
    let entry = Entry {
        started: started.to_rfc3339(),
        time: elapsed,
        request: HarRequest {
            method: parts.method.to_string(),
            url,
            http_version: "HTTP/1.1".to_owned(),
            headers: pairs(&parts.headers),
            query_string: query,
            cookies: Vec::new(),
            headers_size: -1,
            body_size: body.len() as i64,
            post_data: (!body.is_empty()).then(|| PostData {
                mime_type: mime(&parts.headers),
                text: String::from_utf8_lossy(&body).into_owned(),
            }),
        },
        response: HarResponse {
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or_default().to_owned(),
            http_version: "HTTP/1.1".to_owned(),
            headers: pairs(&headers),
            cookies: Vec::new(),
            content: Content {
                size: answer.len() as i64,
                mime_type: mime(&headers),
                text: Some(String::from_utf8_lossy(&answer).into_owned()),
                encoding: None,
            },
            redirect_url: String::new(),
            headers_size: -1,
            body_size: answer.len() as i64,
        },
        cache: serde_json::Map::new(),
        timings: Timings {
            send: 0.0,
            wait: elapsed,
            receive: 0.0,
        },
        comment: None,
    };
    recorder
        .entries
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(entry);
    let mut response = (status, answer).into_response();
    for (name, value) in &headers {
        if name != axum::http::header::TRANSFER_ENCODING
            && name != axum::http::header::CONTENT_LENGTH
        {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

fn main() -> std::process::ExitCode {
    // The proxy's own HTTP client: with only `rustls-ring`, reqwest has no
    // TLS provider unless one is installed for the process.
    #[cfg(feature = "rustls-ring")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    match record_to_file() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::from(2)
        }
    }
}

fn record_to_file() -> Result<(), String> {
    let args = Args::parse()?;
    let token = std::env::var("TOGGL_API_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or("set TOGGL_API_TOKEN")?;
    let workspace: u64 = std::env::var("TOGGL_WORKSPACE_ID")
        .unwrap_or_default()
        .trim()
        .parse()
        .ok()
        .filter(|w| *w > 0)
        .ok_or("TOGGL_WORKSPACE_ID is not a workspace id")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let (entries, log) = runtime.block_on(record(&args, &token, workspace))?;
    for line in &log {
        println!("  {line}");
    }
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let har = Har {
        log: Log {
            version: "1.2".to_owned(),
            creator: Creator {
                name: "cargo xtask record".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            comment: Some(format!(
                "Captured from {} on {date} by `cargo xtask record`: every operation once, one request a second, through the Rust client; secrets stripped.",
                args.base_url
            )),
            entries,
        },
    };
    let name = args.name.unwrap_or_else(|| format!("recorded-{date}"));
    let out = args.out_dir.join(format!("{name}.har"));
    let har = redact::har(har);
    let spent = har.log.entries.len();
    write_atomically(&out, &har.to_text())?;
    println!(
        "recorded {spent} exchanges ({spent} requests) into {}",
        out.display()
    );
    Ok(())
}

/// Writes through a temporary file and a rename: never half a file.
fn write_atomically(path: &std::path::Path, content: &str) -> Result<(), String> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = dir.join(format!(".record.tmp-{}", std::process::id()));
    std::fs::write(&tmp, content).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: {e}", path.display())
    })
}

/// Starts the proxy, runs every operation through it, and returns what it saw.
async fn record(
    args: &Args,
    token: &str,
    workspace: u64,
) -> Result<(Vec<Entry>, Vec<String>), String> {
    let recorder = Arc::new(Recorder {
        upstream: args.base_url.trim_end_matches('/').to_owned(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot set up HTTP: {e}"))?,
        entries: Mutex::new(Vec::new()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot start the recording proxy: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot start the recording proxy: {e}"))?;
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(Arc::clone(&recorder));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::builder(Credentials::api_token(token))
        .base_url(format!("http://{addr}{BASE_PATH}"))
        .pacing(Pacing::toggl_advice())
        // Each exchange as the service answered it, refusals included.
        .retry(RetryPolicy::none())
        .build()
        .map_err(|e| format!("cannot build the client: {e}"))?;
    let log = walk(&client, workspace).await;
    server.abort();
    let entries = std::mem::take(&mut *recorder.entries.lock().unwrap_or_else(|p| p.into_inner()));
    Ok((entries, log))
}

/// Every operation once; refusals (a free plan's 402 on archive, say) are
/// part of the record. Returns a line per step.
async fn walk(api: &Client, ws: u64) -> Vec<String> {
    let mut log = Vec::new();
    let mut note = |step: &str, outcome: Result<String, Error>| {
        log.push(match outcome {
            Ok(what) => format!("{step}: {what}"),
            Err(e) => format!("{step}: {e}"),
        });
    };
    let listed = api.list_clients().workspace_id(ws).send().await;
    note("list", listed.map(|l| format!("{} clients", l.len())));
    let paged = api
        .list_clients()
        .workspace_id(ws)
        .page(1u64)
        .per_page(5u64)
        .send()
        .await;
    note(
        "list, first page of 5",
        paged.map(|l| format!("{} clients", l.len())),
    );
    let name = format!("xtask record {:08x}", fastrand::u32(..));
    let created = api
        .create_client()
        .workspace_id(ws)
        .body(
            ClientCreate::builder()
                .name(name.clone())
                .notes(Some("recorded by cargo xtask record".to_owned())),
        )
        .send()
        .await;
    let id = match created {
        Ok(c) => {
            note("create", Ok(format!("{} has id {}", c.name, c.id)));
            c.id
        }
        Err(e) => {
            note("create", Err(e));
            return log;
        }
    };
    let got = api.get_client().workspace_id(ws).client_id(id).send().await;
    note("get", got.map(|c| c.name.clone()));
    let updated = api
        .update_client()
        .workspace_id(ws)
        .client_id(id)
        .body(ClientUpdate::builder().notes(Some("changed by cargo xtask record".to_owned())))
        .send()
        .await;
    note(
        "update",
        updated.map(|c| c.notes.clone().unwrap_or_default()),
    );
    let by_ids = api
        .get_clients_by_ids()
        .workspace_id(ws)
        .body(ClientsByIds {
            client_ids: vec![id],
        })
        .send()
        .await;
    note(
        "clients by ids",
        by_ids.map(|l| format!("{} found", l.len())),
    );
    let archived = api
        .archive_client()
        .workspace_id(ws)
        .client_id(id)
        .send()
        .await;
    note("archive", archived.map(|p| format!("{} projects", p.len())));
    let restored = api
        .restore_client()
        .workspace_id(ws)
        .client_id(id)
        .body(ClientRestore::builder().restore_all_projects(Some(true)))
        .send()
        .await;
    note(
        "restore",
        restored.map(|c| format!("archived: {}", c.archived)),
    );
    let bulk = api
        .archive_clients()
        .workspace_id(ws)
        .body(vec![id])
        .send()
        .await;
    note(
        "archive several",
        bulk.map(|a| format!("{} entries", a.len())),
    );
    let since = chrono::Utc::now().timestamp() - 3600;
    let changed = api.list_changed_clients().since(since).send().await;
    note(
        "changed in the last hour",
        changed.map(|l| format!("{} clients", l.len())),
    );
    let deleted = api
        .delete_client()
        .workspace_id(ws)
        .client_id(id)
        .send()
        .await;
    note("delete", deleted.map(|_| "gone".to_owned()));
    // The client is gone: the service's answer for a bulk delete of an id it
    // does not have is part of the record.
    let bulk_delete = api
        .delete_clients()
        .workspace_id(ws)
        .body(vec![id])
        .send()
        .await;
    note(
        "delete several (already gone)",
        bulk_delete.map(|_| "done".to_owned()),
    );
    log
}
