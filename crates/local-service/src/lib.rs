//! A local stand-in for Toggl Track's clients endpoints (API v9): the same
//! paths under `/api/v9`, the same authentication, messages, quota headers
//! and limits, with in-memory state and fault injection.
//!
//! It is the embedded default of the demo and the command-line tool, the
//! server the client's integration tests and the other-language checks run
//! against, and the target of schemathesis.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let server = toggl_track_local_service::start(toggl_track_local_service::Config::demo()).await?;
//! println!("Toggl clients service at {}", server.base_url());
//! server.faults().fail_next(503, 2);
//! # Ok(()) }
//! ```

mod clock;
mod config;
mod faults;
mod limits;
mod model;
mod refusal;
mod relay;
pub mod sentences;
mod service;
mod store;
mod thread;

use std::net::SocketAddr;
use std::sync::Arc;

pub use clock::Clock;
pub use config::{
    Config, DEFAULT_ORGANIZATION, NOTIONAL_QUOTA, QUOTA_WINDOW, RateLimit, SINCE_MAX_AGE, Seed,
    SeedClient, SeedError, SeedProject, USER_QUOTA, User, Workspace, demo,
};
pub use faults::Faults;
pub use model::{
    ApiQuota, ArchivedClients, ClientCreate, ClientPermissions, ClientRestore, ClientStatus,
    ClientUpdate, ClientsByIds, Me, TrackClient, UserWorkspace,
};
pub use relay::Relay;
pub use service::Exchange;
pub use thread::ServiceThread;

/// A running service. Dropping it stops the service.
pub struct LocalService {
    addr: SocketAddr,
    base_url: String,
    app: Arc<service::App>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// Starts a service on a free loopback port.
pub async fn start(config: Config) -> std::io::Result<LocalService> {
    start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts a service on `addr` (port 0 for a free one).
pub async fn start_on(config: Config, addr: SocketAddr) -> std::io::Result<LocalService> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = Arc::new(service::App::new(&config, Faults::default()));
    let router = service::router(Arc::clone(&app));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, router, rx));
    Ok(LocalService {
        addr,
        base_url: format!("http://{addr}/api/v9"),
        app,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// Accepts connections until `stop` fires, then ends the open ones. HTTP/1
/// without hyper's own `Date`: the service stamps its answers itself.
async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of descriptors, say: wait a moment rather than spin.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        connections.spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .auto_date_header(false)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
        // Reap the finished ones, so that a long run does not keep them.
        while connections.try_join_next().is_some() {}
    }
    connections.abort_all();
    Ok(())
}

impl LocalService {
    /// The base URL to give a client, e.g. `http://127.0.0.1:41234/api/v9`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address the service listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests have reached the service so far (answered or
    /// refused): what a client spent, for tests of request counts.
    pub fn requests(&self) -> u64 {
        self.app.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many answers the service has computed so far, held ones
    /// included: a test knows from it that an answer's snapshot is taken.
    pub fn answered(&self) -> u64 {
        self.app.answered.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Every request so far, in order, with the status it was answered
    /// with: what a client sent, for tests.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.app
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Fault injection for this service.
    pub fn faults(&self) -> &Faults {
        &self.app.faults
    }

    /// The service's clock: set it ahead or behind to play a service whose
    /// time disagrees with the caller's.
    pub fn clock(&self) -> &Clock {
        &self.app.clock
    }

    /// Starts every quota window afresh, as the hour's passing would,
    /// without waiting for it.
    pub fn start_quota_windows_afresh(&self) {
        self.app.limits.start_afresh();
    }

    /// Takes workspace `wid` from user `user`: their requests to it get 403
    /// from now on, and it leaves their `/me/workspaces`.
    pub fn remove_from_workspace(&self, user: u64, wid: u64) {
        self.app.remove_from_workspace(user, wid);
    }

    /// Renames client `id` of `wid` without moving its `at`: what two edits
    /// within one second (Toggl's `at` has whole seconds) look like to a
    /// reader that saw the first. Test use only.
    pub fn rename_keeping_at(&self, wid: u64, id: u64, name: &str) -> bool {
        self.app
            .store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .rename_keeping_at(wid, id, name)
    }

    /// Whether a project is active (for checking archive and restore).
    pub fn project_active(&self, project: u64) -> Option<bool> {
        self.app
            .store
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .project_active(project)
    }

    /// Stops the service and waits until it has stopped.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }

    /// Serves until the process is interrupted (Ctrl-C).
    pub async fn run_until_interrupted(self) -> std::io::Result<()> {
        let _ = tokio::signal::ctrl_c().await;
        self.stop().await
    }
}

impl Drop for LocalService {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
