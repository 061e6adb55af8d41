//! The HTTP face of the service: routes, authentication, limits, faults and
//! the headers every response carries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use chrono::Utc;

use crate::clock::Clock;
use crate::faults::DateHeader;
use tower_http::compression::{DefaultPredicate, Predicate as _};

use crate::config::{Config, DEFAULT_ORGANIZATION, User};
use crate::faults::{Fault, Faults};
use crate::limits::{Limits, QuotaKind};
use crate::model::{
    ApiQuota, ClientCreate, ClientRestore, ClientStatus, ClientUpdate, ClientsByIds, Me,
    UserWorkspace,
};
use crate::refusal::{QuotaView, Refusal};
use crate::sentences::{self, say};
use crate::store::{Paging, Store};

/// Shared state of one running service.
pub(crate) struct App {
    pub store: Mutex<Store>,
    /// Who may sign in, and the workspaces each belongs to now (a test may
    /// take one away).
    pub users: RwLock<Vec<User>>,
    /// The time the service stamps and answers with.
    pub clock: Clock,
    pub limits: Limits,
    pub faults: Faults,
    /// Requests that reached the service, answered or not.
    pub requests: std::sync::atomic::AtomicU64,
    /// Answers computed (held ones included, before they go out).
    pub answered: std::sync::atomic::AtomicU64,
    /// Each request's method, path and status, in order.
    pub log: Mutex<Vec<Exchange>>,
    since_max_age: chrono::Duration,
    /// Each workspace's organization, whose quota its requests count against.
    organizations: HashMap<u64, u64>,
    /// The workspaces, as `/me/workspaces` tells them.
    workspaces: Vec<crate::config::Workspace>,
    /// The page a list without `page` or `per_page` answers, when set.
    default_page_size: Option<u64>,
}

type Shared = Arc<App>;

impl App {
    pub(crate) fn new(config: &Config, faults: Faults) -> Self {
        Self {
            store: Mutex::new(Store::new(
                &config.seed,
                config.max_name_bytes,
                faults.clone(),
            )),
            users: RwLock::new(config.seed.users.clone()),
            clock: Clock::default(),
            workspaces: config.seed.workspaces.clone(),
            default_page_size: config.default_page_size,
            limits: Limits::new(
                config.hourly_quota,
                config.user_hourly_quota,
                config.rate_limit,
                config.quota_window,
            ),
            organizations: config
                .seed
                .workspaces
                .iter()
                .map(|w| (w.id, w.organization_id))
                .collect(),
            faults,
            requests: std::sync::atomic::AtomicU64::new(0),
            answered: std::sync::atomic::AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            since_max_age: chrono::Duration::from_std(config.since_max_age)
                .unwrap_or(chrono::Duration::MAX),
        }
    }

    /// The quota a request to `path` counts against: the user-level one for
    /// `/me` operations, else the user's in the workspace's organization.
    fn quota_kind(&self, path: &str) -> QuotaKind {
        if path.starts_with("/me") {
            return QuotaKind::User;
        }
        let workspace = path
            .strip_prefix("/workspaces/")
            .and_then(|rest| rest.split('/').next())
            .and_then(|w| w.parse::<u64>().ok());
        QuotaKind::Organization(
            workspace
                .and_then(|w| self.organizations.get(&w).copied())
                .unwrap_or(DEFAULT_ORGANIZATION),
        )
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The user the credentials belong to: `Ok(None)` for no credentials,
    /// `Err(())` for credentials that match nobody.
    fn authenticate(&self, headers: &HeaderMap) -> Result<Option<User>, ()> {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        authenticate(&users, headers).map(|u| u.cloned())
    }

    /// Takes workspace `wid` from user `user`: their requests to it are
    /// refused from now on, and it leaves their `/me/workspaces`.
    pub(crate) fn remove_from_workspace(&self, user: u64, wid: u64) {
        let mut users = self.users.write().unwrap_or_else(|p| p.into_inner());
        for u in users.iter_mut().filter(|u| u.id == user) {
            u.workspaces.retain(|w| *w != wid);
        }
    }
}

pub(crate) fn router(app: Shared) -> Router {
    let api = Router::new()
        .route("/workspaces/{workspace_id}/clients", get(list).post(create))
        .route(
            "/workspaces/{workspace_id}/clients/{client_id}",
            get(fetch).put(update).delete(remove),
        )
        .route(
            "/workspaces/{workspace_id}/clients/{client_id}/archive",
            post(archive),
        )
        .route(
            "/workspaces/{workspace_id}/clients/{client_id}/restore",
            post(restore),
        )
        .route(
            "/workspaces/{workspace_id}/clients/archive",
            post(archive_many),
        )
        .route(
            "/workspaces/{workspace_id}/clients/delete",
            post(delete_many),
        )
        .route("/workspaces/{workspace_id}/clients/data", post(by_ids))
        .route("/me/clients", get(changed_since))
        .route("/me/quota", get(quota))
        .route("/me", get(me))
        .route("/me/workspaces", get(my_workspaces))
        .layer(middleware::from_fn_with_state(Arc::clone(&app), gate));
    // Compressed for clients that ask (`Accept-Encoding: gzip`), as Toggl's
    // service answers Go's and Python's standard clients.
    Router::new().nest("/api/v9", api).with_state(app).layer(
        tower_http::compression::CompressionLayer::new()
            .compress_when(DefaultPredicate::new().and(not_raw)),
    )
}

/// Marks a response that goes out as it is, uncompressed: the faults that
/// test a client's bounds (an oversized or endless body) must reach it
/// byte for byte.
#[derive(Debug, Clone, Copy)]
struct Raw;

/// Whether a response may be compressed (it is not marked [`Raw`]).
fn not_raw(
    _: StatusCode,
    _: axum::http::Version,
    _: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> bool {
    extensions.get::<Raw>().is_none()
}

/// A response for an injected status, shaped as the service shapes it.
fn injected(status: u16) -> Response {
    match status {
        401 => Refusal::Unauthenticated.into_response(),
        429 => Refusal::RateLimited { retry_after: None }.into_response(),
        402 => Refusal::QuotaUsedUp {
            sentence: say(sentences::QUOTA_USED_UP, &[&3600]).1,
            view: QuotaView {
                remaining: 0,
                resets_in: std::time::Duration::from_secs(3600),
            },
        }
        .into_response(),
        _ => {
            let reason = StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error");
            Refusal::message(status, reason).into_response()
        }
    }
}

/// `response` with the header `name: value` set (left as it is when the
/// name or value cannot be a header's).
fn with_header(mut response: Response, name: &str, value: &str) -> Response {
    if let (Ok(name), Ok(value)) = (
        header::HeaderName::try_from(name),
        HeaderValue::from_str(value),
    ) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A 200 whose body is `stream`, without a length.
fn streamed(
    stream: impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

/// A client object as a list item, for the oversized and endless faults.
const FILLER: &str = r#"{"id":80000000,"wid":1234567,"name":"Filler client","archived":false,"at":"2026-11-28T00:00:00Z","creator_id":7654321}"#;

/// What a fault answers instead of the operation.
async fn faulty(fault: Fault) -> Response {
    use futures_util::{StreamExt as _, stream};
    let json = |body: Body| {
        Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .unwrap_or_default()
    };
    let raw = matches!(fault, Fault::Oversized(_) | Fault::Endless | Fault::Drop);
    let mut response = match fault {
        Fault::Answer(body) => json(Body::from(body.to_string())),
        Fault::Status(status) => injected(status),
        Fault::StatusWithHeader(status, name, value) => {
            with_header(injected(status), &name, &value)
        }
        Fault::Typed { content_type, body } => with_header(
            json(Body::from(body.to_string())),
            "content-type",
            &content_type,
        ),
        Fault::Drop => streamed(stream::once(async {
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected fault: connection dropped",
            ))
        })),
        Fault::Malformed => json(Body::from(
            "[{\"id\": 61234001, \"wid\": 1234567, \"name\": \"Acme",
        )),
        Fault::Null => json(Body::from("null")),
        Fault::Oversized(bytes) => {
            // A valid array of repeated clients, padded with spaces to the size.
            let item = FILLER.len() as u64 + 1;
            let count = bytes.saturating_sub(2) / item;
            let mut body = String::with_capacity(usize::try_from(bytes).unwrap_or(0));
            body.push('[');
            for i in 0..count {
                if i > 0 {
                    body.push(',');
                }
                body.push_str(FILLER);
            }
            body.push(']');
            let pad = usize::try_from(bytes)
                .unwrap_or(0)
                .saturating_sub(body.len());
            body.push_str(&" ".repeat(pad));
            json(Body::from(body))
        }
        Fault::Endless => {
            let chunk = Bytes::from(format!("{FILLER},").repeat(512));
            let head = stream::once(async { Ok(Bytes::from_static(b"[")) });
            streamed(head.chain(stream::repeat_with(move || Ok(chunk.clone()))))
        }
        Fault::Silence => std::future::pending().await,
    };
    if raw {
        response.extensions_mut().insert(Raw);
    }
    response
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
/// the request id and the headers of the quota the request counted against
/// to every response.
async fn gate(State(app): State<Shared>, mut request: Request, next: Next) -> Response {
    use futures_util::FutureExt as _;
    app.requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (delay, fault) = app.faults.next();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let kind = app.quota_kind(request.uri().path());
    let (method, path) = (
        request.method().to_string(),
        request.uri().path().to_owned(),
    );
    let mut quota = QuotaView::full();
    let mut response = match fault {
        Some(fault) => faulty(fault).boxed().await,
        None => match app.authenticate(request.headers()) {
            Ok(None) => Refusal::Unauthenticated.into_response(),
            Err(()) => Refusal::bad_credentials().into_response(),
            Ok(Some(user)) => match app.limits.admit(user.id, kind) {
                Err(refusal) => refusal.into_response(),
                Ok(view) => {
                    quota = view;
                    request.extensions_mut().insert(user);
                    next.run(request).await
                }
            },
        },
    };
    if let Some(view) = response.extensions().get::<QuotaView>() {
        quota = *view;
    }
    app.answered
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (hold, date) = app.faults.on_the_way_out(&method, &path);
    if !hold.is_zero() {
        tokio::time::sleep(hold).await;
    }
    let headers = response.headers_mut();
    // Stamped as the answer goes out, from the service's clock; the server
    // adds none of its own (see `lib.rs`).
    let stamp = match date {
        DateHeader::True => Some(app.clock.now()),
        DateHeader::Shifted(by) => Some(app.clock.now() + by),
        DateHeader::Absent => None,
    };
    if let Some(stamp) = stamp
        && let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(stamp.into()))
    {
        headers.insert(header::DATE, value);
    }
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
    app.log
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Exchange {
            method,
            path,
            status: response.status().as_u16(),
        });
    response
}

/// One request as the service saw it: for tests of what a client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path below `/api/v9`, e.g. `/me/quota`.
    pub path: String,
    /// The status it was answered with.
    pub status: u16,
}

/// The signed-in user, as the gate attached them to the request.
struct Caller(User);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        parts
            .extensions
            .get::<User>()
            .cloned()
            .map(Caller)
            .ok_or(Refusal::Unauthenticated)
    }
}

/// The caller and a workspace of theirs from the path: an id that is not a
/// whole number is a 400, any other workspace a 403, as the service answers.
struct InWorkspace {
    user: User,
    wid: u64,
}

impl<S: Send + Sync> FromRequestParts<S> for InWorkspace {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let Caller(user) = Caller::from_request_parts(parts, state).await?;
        let params = path_params(parts, state).await?;
        let wid = params
            .get("workspace_id")
            .and_then(|w| w.parse::<u64>().ok())
            .filter(|w| *w > 0)
            .ok_or_else(Refusal::invalid_workspace)?;
        if !user.workspaces.contains(&wid) {
            return Err(Refusal::no_access());
        }
        Ok(Self { user, wid })
    }
}

/// A workspace of the caller's and a client id from the path; an id that
/// is not a number is a 400, one that cannot exist (0) is simply not found
/// (with the message of the operation).
struct OneClient {
    wid: u64,
    cid: u64,
}

impl<S: Send + Sync> FromRequestParts<S> for OneClient {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refusal> {
        let InWorkspace { wid, .. } = InWorkspace::from_request_parts(parts, state).await?;
        let raw = path_params(parts, state)
            .await?
            .remove("client_id")
            .unwrap_or_default();
        let number = raw
            .parse::<u64>()
            .map_err(|_| Refusal::client_id_not_a_number())?;
        let cid = Some(number).filter(|c| *c > 0).ok_or_else(|| {
            if parts.method == Method::PUT {
                Refusal::no_client_to_update()
            } else {
                Refusal::no_client(&raw)
            }
        })?;
        Ok(Self { wid, cid })
    }
}

async fn path_params<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<HashMap<String, String>, Refusal> {
    Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map(|Path(p)| p)
        .map_err(|_| Refusal::bad_request())
}

/// A JSON body of type `T`: one that is not JSON, or not shaped as `T`,
/// is the service's refusal of a body that is not JSON (recorded for bodies that are not
/// JSON; for a body of another shape, such as a bare array where an object
/// belongs, the sentence is a guess).
fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|_| Refusal::invalid_json())
}

/// The JSON type of a value, in the service's decoder's words.
fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Where the value of `field` starts in `body`, as far as a plain search
/// tells (for the decoder's `offset`, whose meaning is a guess anyway).
fn offset_of(body: &[u8], field: &str) -> usize {
    let key = format!("\"{field}\"");
    let text = String::from_utf8_lossy(body);
    text.find(&key)
        .and_then(|at| {
            let after = at + key.len();
            let colon = text[after..].find(':')?;
            let value =
                text[after + colon + 1..].len() - text[after + colon + 1..].trim_start().len();
            Some(after + colon + 1 + value)
        })
        .unwrap_or(0)
}

/// A JSON object body of type `T`. A `null` in a field reads as the field
/// left out, as Go's JSON decoding (which the service's is) reads it into a
/// field that has no value: likely, not confirmed, and so labelled in the
/// spec. A field of the wrong type is refused in the decoder's words; a
/// missing (or `null`) `name` where one is required reads as an empty name.
fn parse_object<T: serde::de::DeserializeOwned>(
    body: &Bytes,
    name_required: bool,
) -> Result<T, Refusal> {
    let value: serde_json::Value = parse_body(body)?;
    let serde_json::Value::Object(mut object) = value else {
        return Err(Refusal::invalid_json());
    };
    object.retain(|_, v| !v.is_null());
    if name_required && !object.contains_key("name") {
        return Err(Refusal::said(sentences::NAME_EMPTY, &[]));
    }
    // Unknown fields are ignored, whatever they hold.
    const TYPED: [(&str, &str); 5] = [
        ("name", "string"),
        ("notes", "string"),
        ("external_reference", "string"),
        ("projects", "array"),
        ("restore_all_projects", "bool"),
    ];
    for (field, expected) in TYPED {
        if let Some(came) = object.get(field).map(json_type)
            && came != expected
        {
            return Err(Refusal::wrong_type(field, came, offset_of(body, field)));
        }
    }
    serde_json::from_value(serde_json::Value::Object(object)).map_err(|_| Refusal::invalid_json())
}

/// Ids are int64 and at least 1.
fn valid_ids(ids: &[u64]) -> Result<(), Refusal> {
    if ids.iter().all(|id| (1..=i64::MAX as u64).contains(id)) {
        Ok(())
    } else {
        Err(Refusal::bad_request())
    }
}

/// A body that is an array of ids (the bulk archive and delete).
fn id_list(body: &Bytes) -> Result<Vec<u64>, Refusal> {
    let ids: Vec<u64> = parse_body(body)?;
    valid_ids(&ids)?;
    Ok(ids)
}

type Answer = Result<Response, Refusal>;

fn json_bytes(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `page` and `per_page` (or neither): a positive whole number each.
fn paging(page: Option<&str>, per_page: Option<&str>) -> Result<Option<Paging>, Refusal> {
    /// What the web app asks for; used when only `page` is given.
    const DEFAULT_PER_PAGE: u64 = 50;
    // Whole numbers of 1 or more that fit an int64, as the spec says.
    let number = |text: &str| {
        text.parse::<u64>()
            .ok()
            .filter(|n| (1..=i64::MAX as u64).contains(n))
            .ok_or_else(Refusal::bad_request)
    };
    if page.is_none() && per_page.is_none() {
        return Ok(None);
    }
    Ok(Some(Paging {
        page: page.map(number).transpose()?.unwrap_or(1),
        per_page: per_page
            .map(number)
            .transpose()?
            .unwrap_or(DEFAULT_PER_PAGE),
    }))
}

async fn list(
    State(app): State<Shared>,
    InWorkspace { wid, .. }: InWorkspace,
    Query(query): Query<Vec<(String, String)>>,
) -> Answer {
    let value = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let status = match value("status") {
        None => ClientStatus::Active,
        Some(text) => ClientStatus::parse(text)
            .ok_or_else(|| Refusal::said(sentences::STATUS_INVALID, &[]))?,
    };
    // A service that pages by default answers the first page of a list
    // that asks for none (see `Config::default_page_size`).
    let paging = paging(value("page"), value("per_page"))?.or(app
        .default_page_size
        .map(|per_page| Paging { page: 1, per_page }));
    Ok(json_bytes(app.store().list_json(
        wid,
        status,
        value("name"),
        paging,
    )))
}

async fn create(
    State(app): State<Shared>,
    InWorkspace { user, wid }: InWorkspace,
    body: Bytes,
) -> Answer {
    let body: ClientCreate = parse_object(&body, true)?;
    let created = app.store().create(wid, user.id, body, app.clock.now())?;
    Ok(axum::Json(created).into_response())
}

async fn fetch(State(app): State<Shared>, OneClient { wid, cid }: OneClient) -> Answer {
    Ok(axum::Json(app.store().get(wid, cid)?).into_response())
}

async fn update(
    State(app): State<Shared>,
    OneClient { wid, cid }: OneClient,
    body: Bytes,
) -> Answer {
    let body: ClientUpdate = parse_object(&body, false)?;
    let client = app.store().update(wid, cid, body, app.clock.now())?;
    Ok(axum::Json(client).into_response())
}

/// Answers the deleted client's id as a bare number, as a recording shows
/// (an empty body has been seen too; clients accept both).
async fn remove(State(app): State<Shared>, OneClient { wid, cid }: OneClient) -> Answer {
    app.store().delete(wid, cid, app.clock.now())?;
    Ok(axum::Json(cid).into_response())
}

async fn archive(State(app): State<Shared>, OneClient { wid, cid }: OneClient) -> Answer {
    let projects = app.store().archive(wid, cid, app.clock.now())?;
    Ok(axum::Json(projects).into_response())
}

async fn restore(
    State(app): State<Shared>,
    OneClient { wid, cid }: OneClient,
    body: Bytes,
) -> Answer {
    let body: ClientRestore = if body.iter().all(u8::is_ascii_whitespace) {
        ClientRestore::default()
    } else {
        parse_object(&body, false)?
    };
    valid_ids(body.projects.as_deref().unwrap_or_default())?;
    let client = app.store().restore(wid, cid, body, app.clock.now())?;
    Ok(axum::Json(client).into_response())
}

async fn archive_many(
    State(app): State<Shared>,
    InWorkspace { wid, .. }: InWorkspace,
    body: Bytes,
) -> Answer {
    let ids = id_list(&body)?;
    let archived = app.store().archive_many(wid, &ids, app.clock.now())?;
    Ok(axum::Json(archived).into_response())
}

async fn delete_many(
    State(app): State<Shared>,
    InWorkspace { wid, .. }: InWorkspace,
    body: Bytes,
) -> Answer {
    let ids = id_list(&body)?;
    app.store().delete_many(wid, &ids, app.clock.now())?;
    Ok(StatusCode::OK.into_response())
}

/// The body is an object, `{"client_ids": [...]}`, as the web app sends it;
/// a bare array is refused (whether the real service reads one is unknown).
async fn by_ids(
    State(app): State<Shared>,
    InWorkspace { wid, .. }: InWorkspace,
    body: Bytes,
) -> Answer {
    let body: ClientsByIds = parse_body(&body)?;
    valid_ids(&body.client_ids)?;
    Ok(axum::Json(app.store().by_ids(wid, &body.client_ids)).into_response())
}

async fn changed_since(
    State(app): State<Shared>,
    Caller(user): Caller,
    Query(query): Query<Vec<(String, String)>>,
) -> Answer {
    let mut since = None;
    for (key, value) in &query {
        if key == "since" {
            let seconds: i64 = value
                .parse()
                .ok()
                .filter(|s| *s >= 0)
                .ok_or_else(Refusal::bad_request)?;
            // A time past what a timestamp can hold is simply in the future:
            // nothing has changed since.
            let time = chrono::DateTime::from_timestamp(seconds, 0)
                .unwrap_or(chrono::DateTime::<Utc>::MAX_UTC);
            // That an old `since` is refused with a 400 is reported by
            // Toggl's own mobile app tests (85 days pass, 95 fail): the
            // 90-day cut-off is likely; so are the words, the spec's.
            if app.clock.now() - time > app.since_max_age {
                return Err(Refusal::said(sentences::SINCE_TOO_OLD, &[]));
            }
            since = Some(time);
        }
    }
    Ok(axum::Json(app.store().changed_since(&user.workspaces, since)).into_response())
}

/// `GET /me/quota`: the caller's quota in each organization of their
/// workspaces, and their user-level quota, from the service's own counters.
/// This request itself counted against the user-level quota (the spec's
/// guess), as the gate counted it.
async fn quota(State(app): State<Shared>, Caller(user): Caller) -> Answer {
    let mut organizations: Vec<u64> = user
        .workspaces
        .iter()
        .map(|w| {
            app.organizations
                .get(w)
                .copied()
                .unwrap_or(DEFAULT_ORGANIZATION)
        })
        .collect();
    organizations.sort_unstable();
    organizations.dedup();
    let entry = |organization_id: Option<u64>, kind: QuotaKind| {
        let (view, total) = app.limits.standing(user.id, kind);
        ApiQuota {
            organization_id,
            remaining: i64::from(view.remaining),
            resets_in_secs: view.resets_in.as_secs(),
            total: u64::from(total),
        }
    };
    let mut answer: Vec<ApiQuota> = organizations
        .into_iter()
        .map(|org| entry(Some(org), QuotaKind::Organization(org)))
        .collect();
    answer.push(entry(None, QuotaKind::User));
    Ok(axum::Json(answer).into_response())
}

/// `GET /me`: the signed-in user. Its `id` is the same for every
/// credential of theirs; the first of their workspaces is the default.
async fn me(Caller(user): Caller) -> Answer {
    Ok(axum::Json(Me {
        id: user.id,
        email: Some(user.email.clone()),
        fullname: None,
        default_workspace_id: user.workspaces.first().copied(),
        api_token: Some(user.api_token.clone()),
    })
    .into_response())
}

/// `GET /me/workspaces`: the workspaces the user belongs to now.
async fn my_workspaces(State(app): State<Shared>, Caller(user): Caller) -> Answer {
    let answer: Vec<UserWorkspace> = app
        .workspaces
        .iter()
        .filter(|w| user.workspaces.contains(&w.id))
        .map(|w| UserWorkspace {
            id: w.id,
            name: Some(w.name.clone()),
            organization_id: Some(w.organization_id),
            premium: Some(w.premium),
        })
        .collect();
    Ok(axum::Json(answer).into_response())
}
