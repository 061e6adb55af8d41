//! A TCP relay in front of a service that counts the bytes coming back and
//! can pace them to a link's speed: how tests and benchmarks see what
//! crosses the wire (compressed or not) without a packet capture.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running relay. Dropping it stops accepting connections.
pub struct Relay {
    base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    /// Bytes relayed from the service back to its callers.
    back: AtomicU64,
    /// Bytes a second the answers are paced to; 0 for as fast as they come.
    pace: AtomicU64,
}

impl Relay {
    /// Starts a relay on a free loopback port in front of `upstream` (the
    /// address of a [`crate::LocalService`] or any HTTP service).
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Relay> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let base_url = format!("http://{}/api/v9", listener.local_addr()?);
        let shared = Arc::new(Shared {
            back: AtomicU64::new(0),
            pace: AtomicU64::new(0),
        });
        let accepting = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((caller, _)) = listener.accept().await {
                tokio::spawn(relay(caller, upstream, Arc::clone(&accepting)));
            }
        });
        Ok(Relay {
            base_url,
            shared,
            task,
        })
    }

    /// The base URL to give a client, as [`crate::LocalService::base_url`].
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Bytes relayed back from the service so far (headers included).
    pub fn bytes_back(&self) -> u64 {
        self.shared.back.load(Ordering::Relaxed)
    }

    /// Paces what comes back to `bytes_per_second` on each connection from
    /// its start, or lets it through as fast as it comes (`None`).
    pub fn pace(&self, bytes_per_second: Option<u64>) {
        self.shared
            .pace
            .store(bytes_per_second.unwrap_or(0), Ordering::Relaxed);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Relays one connection both ways, counting (and pacing) the way back.
async fn relay(caller: tokio::net::TcpStream, upstream: SocketAddr, shared: Arc<Shared>) {
    let Ok(service) = tokio::net::TcpStream::connect(upstream).await else {
        return;
    };
    let (mut caller_read, mut caller_write) = caller.into_split();
    let (mut service_read, mut service_write) = service.into_split();
    let up = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut caller_read, &mut service_write).await;
        let _ = service_write.shutdown().await;
    });
    let mut buf = vec![0u8; 16 * 1024];
    let started = Instant::now();
    let mut sent: u64 = 0;
    loop {
        let n = match service_read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        shared.back.fetch_add(n as u64, Ordering::Relaxed);
        sent += n as u64;
        let pace = shared.pace.load(Ordering::Relaxed);
        if pace > 0 {
            let due = Duration::from_secs_f64(sent as f64 / pace as f64);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        if caller_write.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = caller_write.shutdown().await;
    up.abort();
}
