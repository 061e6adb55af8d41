//! The HTTP face of the service: routes, authentication, limits, faults and
//! the headers every response carries.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use chrono::Utc;

use crate::config::{Config, User};
use crate::faults::{Fault, Faults};
use crate::limits::{Limits, QuotaView, Refused};
use crate::model::{ClientCreate, ClientRestore, ClientStatus, ClientUpdate};
use crate::store::{Refusal, Store};

/// Shared state of one running service.
pub(crate) struct App {
    pub store: Mutex<Store>,
    pub users: Vec<User>,
    pub limits: Limits,
    pub faults: Faults,
}

type Shared = Arc<App>;

impl App {
    pub(crate) fn new(config: &Config, faults: Faults) -> Self {
        Self {
            store: Mutex::new(Store::new(&config.seed, config.max_name_bytes)),
            users: config.seed.users.clone(),
            limits: Limits::new(config.hourly_quota, config.rate_limit),
            faults,
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) fn router(app: Shared) -> Router {
    let api = Router::new()
        .route("/workspaces/{wid}/clients", get(list).post(create))
        .route(
            "/workspaces/{wid}/clients/{cid}",
            get(fetch).put(update).delete(remove),
        )
        .route("/workspaces/{wid}/clients/{cid}/archive", post(archive))
        .route("/workspaces/{wid}/clients/{cid}/restore", post(restore))
        .route("/workspaces/{wid}/clients/archive", post(archive_many))
        .route("/workspaces/{wid}/clients/delete", post(delete_many))
        .route("/workspaces/{wid}/clients/data", post(by_ids))
        .route("/me/clients", get(changed_since))
        .layer(middleware::from_fn_with_state(Arc::clone(&app), gate));
    Router::new().nest("/api/v9", api).with_state(app)
}

/// A JSON-string error, as the service sends its documented errors.
fn json_error(status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(message)).into_response()
}

/// Why an operation is refused, rendered as the service renders it.
#[derive(Debug)]
enum Reject {
    /// A documented error: a JSON string.
    Json(u16, String),
    /// No credentials reached the operation.
    Unauthenticated,
    /// The plan does not allow it: plain text, like the quota sentence.
    PaidPlan(String),
}

impl Reject {
    fn json(status: u16, message: impl Into<String>) -> Self {
        Self::Json(status, message.into())
    }
}

impl From<Refusal> for Reject {
    fn from(r: Refusal) -> Self {
        if r.status == 402 {
            Self::PaidPlan(r.message)
        } else {
            Self::Json(r.status, r.message)
        }
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        match self {
            Self::Json(status, message) => json_error(status, &message),
            Self::Unauthenticated => unauthenticated(),
            Self::PaidPlan(message) => (StatusCode::PAYMENT_REQUIRED, message).into_response(),
        }
    }
}

fn quota_sentence(resets_in: u64) -> String {
    format!(
        "You have hit your hourly limit for API calls. The quota will reset in {resets_in} seconds."
    )
}

const RATE_LIMIT_PAGE: &str = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

fn rate_limited() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (header::CONTENT_TYPE, "text/html"),
            (header::RETRY_AFTER, "1"),
        ],
        RATE_LIMIT_PAGE,
    )
        .into_response()
}

fn unauthenticated() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [("x-authorization-missing", "true")],
    )
        .into_response()
}

/// A response for an injected status, shaped as the service shapes it.
fn injected(status: u16) -> Response {
    match status {
        401 => unauthenticated(),
        429 => rate_limited(),
        402 => (StatusCode::PAYMENT_REQUIRED, quota_sentence(3600)).into_response(),
        _ => {
            let reason = StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error");
            json_error(status, reason)
        }
    }
}

fn dropped() -> Response {
    let broken = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected fault: connection dropped",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(broken))
        .unwrap_or_default()
}

fn malformed() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "[{\"id\": 61234001, \"wid\": 1234567, \"name\": \"Acme",
    )
        .into_response()
}

/// The user the credentials belong to: `Ok(None)` for no credentials,
/// `Err(())` for credentials that match nobody.
fn authenticate<'a>(users: &'a [User], headers: &HeaderMap) -> Result<Option<&'a User>, ()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let encoded = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or(())?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| ())?;
    let decoded = String::from_utf8(decoded).map_err(|_| ())?;
    let (name, secret) = decoded.split_once(':').ok_or(())?;
    users
        .iter()
        .find(|u| {
            (secret == "api_token" && u.api_token == name)
                || (u.email.eq_ignore_ascii_case(name) && u.password == secret)
        })
        .map(Some)
        .ok_or(())
}

fn new_request_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// Runs before every operation: faults, authentication, limits; and adds
/// the request id and quota headers to every response.
async fn gate(State(app): State<Shared>, mut request: Request, next: Next) -> Response {
    let (delay, fault) = app.faults.next();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut quota = QuotaView::full();
    let mut response = match fault {
        Some(Fault::Status(status)) => injected(status),
        Some(Fault::Drop) => dropped(),
        Some(Fault::Malformed) => malformed(),
        None => match authenticate(&app.users, request.headers()) {
            Ok(None) => unauthenticated(),
            Err(()) => json_error(403, "Forbidden"),
            Ok(Some(user)) => match app.limits.admit(user.id) {
                Err(Refused::Rate) => rate_limited(),
                Err(Refused::Quota(view)) => {
                    quota = view;
                    (
                        StatusCode::PAYMENT_REQUIRED,
                        quota_sentence(view.resets_in.as_secs()),
                    )
                        .into_response()
                }
                Ok(view) => {
                    quota = view;
                    request.extensions_mut().insert(user.clone());
                    next.run(request).await
                }
            },
        },
    };
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&new_request_id()) {
        headers.insert("x-toggl-request-id", id);
    }
    headers.insert(
        "x-toggl-quota-remaining",
        HeaderValue::from(quota.remaining),
    );
    headers.insert(
        "x-toggl-quota-resets-in",
        HeaderValue::from(quota.resets_in.as_secs()),
    );
    response
}

/// A workspace id from the path that the user may use, or the 403 the
/// service answers for any other workspace.
fn workspace(user: &User, raw: &str) -> Result<u64, Reject> {
    raw.parse::<u64>()
        .ok()
        .filter(|w| *w > 0 && user.workspaces.contains(w))
        .ok_or_else(|| Reject::json(403, "Forbidden"))
}

/// A client id from the path; one that cannot exist is simply not found.
fn client_id(raw: &str, not_found: impl FnOnce() -> String) -> Result<u64, Reject> {
    raw.parse::<u64>()
        .ok()
        .filter(|c| *c > 0)
        .ok_or_else(|| Reject::json(404, not_found()))
}

fn no_client(raw: &str) -> impl FnOnce() -> String + '_ {
    move || format!("No client with ID {raw} was found")
}

/// The signed-in user the gate attached to the request.
fn user(ext: Ext) -> Result<User, Reject> {
    ext.map(|axum::Extension(u)| u)
        .ok_or(Reject::Unauthenticated)
}

/// A JSON body of type `T`; an unreadable one is a 400.
fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Reject> {
    serde_json::from_slice(body).map_err(|_| Reject::json(400, "Bad Request"))
}

/// A JSON object body of type `T`. The spec gives request fields as plain
/// strings, booleans and arrays, so an explicit `null` is refused like any
/// other wrong type; a `null` or missing `name` where one is required reads
/// as an empty name.
fn parse_object<T: serde::de::DeserializeOwned>(
    body: &Bytes,
    name_required: bool,
) -> Result<T, Reject> {
    let value: serde_json::Value = parse_body(body)?;
    let object = value
        .as_object()
        .ok_or_else(|| Reject::json(400, "Bad Request"))?;
    match object.get("name") {
        None if name_required => return Err(Reject::json(400, "Client name cannot be empty")),
        Some(serde_json::Value::Null) => {
            return Err(Reject::json(400, "Client name cannot be empty"));
        }
        _ => {}
    }
    // Unknown fields are ignored, whatever they hold.
    const KNOWN: [&str; 5] = [
        "name",
        "notes",
        "external_reference",
        "projects",
        "restore_all_projects",
    ];
    if KNOWN
        .iter()
        .any(|k| object.get(*k).is_some_and(serde_json::Value::is_null))
    {
        return Err(Reject::json(400, "Bad Request"));
    }
    serde_json::from_value(value).map_err(|_| Reject::json(400, "Bad Request"))
}

type Ext = Option<axum::Extension<User>>;
type Answer = Result<Response, Reject>;

async fn list(
    State(app): State<Shared>,
    ext: Ext,
    Path(wid): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let mut status = ClientStatus::Active;
    let mut name = None;
    for (key, value) in &query {
        match key.as_str() {
            "status" => {
                status = ClientStatus::parse(value)
                    .ok_or_else(|| Reject::json(400, "Client status is invalid"))?;
            }
            "name" => name = Some(value.as_str()),
            _ => {}
        }
    }
    let body = app.store().list_json(wid, status, name);
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn create(
    State(app): State<Shared>,
    ext: Ext,
    Path(wid): Path<String>,
    body: Bytes,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let body: ClientCreate = parse_object(&body, true)?;
    let created = app.store().create(wid, user.id, body, Utc::now())?;
    Ok(axum::Json(created).into_response())
}

async fn fetch(
    State(app): State<Shared>,
    ext: Ext,
    Path((wid, cid)): Path<(String, String)>,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let cid = client_id(&cid, no_client(&cid))?;
    let client = app.store().get(wid, cid)?;
    Ok(axum::Json(client).into_response())
}

async fn update(
    State(app): State<Shared>,
    ext: Ext,
    Path((wid, cid)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let cid = client_id(&cid, || "Client doesn't exist in the workspace.".to_owned())?;
    let body: ClientUpdate = parse_object(&body, false)?;
    let client = app.store().update(wid, cid, body, Utc::now())?;
    Ok(axum::Json(client).into_response())
}

async fn remove(
    State(app): State<Shared>,
    ext: Ext,
    Path((wid, cid)): Path<(String, String)>,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let cid = client_id(&cid, no_client(&cid))?;
    app.store().delete(wid, cid, Utc::now())?;
    Ok(StatusCode::OK.into_response())
}

async fn archive(
    State(app): State<Shared>,
    ext: Ext,
    Path((wid, cid)): Path<(String, String)>,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let cid = client_id(&cid, no_client(&cid))?;
    let projects = app.store().archive(wid, cid, Utc::now())?;
    Ok(axum::Json(projects).into_response())
}

async fn restore(
    State(app): State<Shared>,
    ext: Ext,
    Path((wid, cid)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let cid = client_id(&cid, no_client(&cid))?;
    let body: ClientRestore = if body.iter().all(u8::is_ascii_whitespace) {
        ClientRestore::default()
    } else {
        parse_object(&body, false)?
    };
    // Ids are int64 and at least 1.
    let in_range = |id: &u64| (1..=i64::MAX as u64).contains(id);
    if !body.projects.iter().flatten().all(in_range) {
        return Err(Reject::json(400, "Bad Request"));
    }
    let client = app.store().restore(wid, cid, body, Utc::now())?;
    Ok(axum::Json(client).into_response())
}

/// A body that is an array of ids, each an int64 of at least 1.
fn id_list(body: &Bytes) -> Result<Vec<u64>, Reject> {
    let ids: Vec<u64> = parse_body(body)?;
    if ids.iter().all(|id| (1..=i64::MAX as u64).contains(id)) {
        Ok(ids)
    } else {
        Err(Reject::json(400, "Bad Request"))
    }
}

async fn archive_many(
    State(app): State<Shared>,
    ext: Ext,
    Path(wid): Path<String>,
    body: Bytes,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let ids = id_list(&body)?;
    let archived = app.store().archive_many(wid, &ids, Utc::now())?;
    Ok(axum::Json(archived).into_response())
}

async fn delete_many(
    State(app): State<Shared>,
    ext: Ext,
    Path(wid): Path<String>,
    body: Bytes,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let ids = id_list(&body)?;
    app.store().delete_many(wid, &ids, Utc::now())?;
    Ok(StatusCode::OK.into_response())
}

async fn by_ids(
    State(app): State<Shared>,
    ext: Ext,
    Path(wid): Path<String>,
    body: Bytes,
) -> Answer {
    let user = user(ext)?;
    let wid = workspace(&user, &wid)?;
    let ids = id_list(&body)?;
    let body = app.store().by_ids_json(wid, &ids);
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn changed_since(
    State(app): State<Shared>,
    ext: Ext,
    Query(query): Query<Vec<(String, String)>>,
) -> Answer {
    let user = user(ext)?;
    let mut since = None;
    for (key, value) in &query {
        if key == "since" {
            let seconds: i64 = value
                .parse()
                .ok()
                .filter(|s| *s >= 0)
                .ok_or_else(|| Reject::json(400, "Bad Request"))?;
            // A time past what a timestamp can hold is simply in the future:
            // nothing has changed since.
            since = Some(
                chrono::DateTime::from_timestamp(seconds, 0)
                    .unwrap_or(chrono::DateTime::<Utc>::MAX_UTC),
            );
        }
    }
    let found = app.store().changed_since(&user.workspaces, since);
    Ok(axum::Json(found).into_response())
}
