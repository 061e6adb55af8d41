//! The service on a thread of its own, for callers without a runtime
//! (benchmarks, synchronous code) and for measurements that must keep the
//! service's work off the caller's threads.

use std::future::Future;
use std::net::SocketAddr;

use crate::Config;

/// A service running on a thread of its own with a single-threaded runtime.
/// Dropping it stops the service and waits for the thread.
pub struct ServiceThread {
    base_url: String,
    addr: SocketAddr,
    runtime: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServiceThread {
    /// Starts a service on a free loopback port, on a new thread.
    pub fn start(config: Config) -> std::io::Result<ServiceThread> {
        Self::start_with(config, || {})
    }

    /// As [`start`](Self::start), running `first` on the new thread before
    /// anything else (to pin the thread to a core, say).
    pub fn start_with(
        config: Config,
        first: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<ServiceThread> {
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("toggl-track-local-service".into())
            .spawn(move || {
                first();
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = started_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match crate::start(config).await {
                        Ok(server) => {
                            let started = (
                                server.base_url().to_owned(),
                                server.addr(),
                                tokio::runtime::Handle::current(),
                            );
                            let _ = started_tx.send(Ok(started));
                            let _ = stopped.await;
                            let _ = server.stop().await;
                        }
                        Err(e) => {
                            let _ = started_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let (base_url, addr, runtime) = started_rx
            .recv()
            .map_err(|_| std::io::Error::other("the service thread ended before it started"))??;
        Ok(ServiceThread {
            base_url,
            addr,
            runtime,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL to give a client, as [`crate::LocalService::base_url`].
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address the service listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Runs `future` on the service's thread, beside the service (a
    /// [`crate::Relay`] in front of it, say: what it spawns stays there),
    /// and waits for its output.
    ///
    /// # Panics
    ///
    /// When `future` panics: its panic ends the task, not the service.
    pub fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::channel();
        self.runtime.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv()
            .expect("the future given to ServiceThread::run panicked")
    }
}

impl Drop for ServiceThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
