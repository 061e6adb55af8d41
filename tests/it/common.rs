//! Shared set-up for the integration tests: the local Toggl service and a
//! client pointed at it (or at a hand-made server).

#![allow(dead_code)]

use toggl_track_api::config::RetryPolicy;
use toggl_track_api::{Client, ClientBuilder, Credentials};
use toggl_track_local_service::{Config, LocalService};

/// The demo user's token: the local service signs it in, and a hand-made
/// server takes any.
pub const TOKEN: &str = toggl_track_local_service::demo::API_TOKEN;
pub const WORKSPACE: u64 = toggl_track_local_service::demo::WORKSPACE;

/// A client for `base` with the test token and no retries.
pub fn client(base: &str) -> Client {
    builder(base).build().expect("client builds")
}

/// A builder for `base` with the test token and no retries, for a client
/// that needs more.
pub fn builder(base: &str) -> ClientBuilder {
    Client::builder(Credentials::api_token(TOKEN))
        .base_url(base)
        .retry(RetryPolicy::none())
}

/// The local Toggl service with `config`, on a free port.
pub async fn local(config: Config) -> LocalService {
    toggl_track_local_service::start(config)
        .await
        .expect("the local service starts")
}

/// A full client object as the service sends it.
pub fn client_json(id: u64, name: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "wid": WORKSPACE,
        "name": name,
        "archived": false,
        "at": "2024-03-17T10:55:38+00:00",
        "creator_id": toggl_track_local_service::demo::USER_ID,
    })
}

/// What a raw TCP test server does with each connection it accepts.
#[derive(Clone, Copy)]
pub enum Raw {
    /// Read the request, then write these bytes and close.
    Reply(&'static [u8]),
    /// Read the request, then close without a word (a reset or EOF).
    Hangup,
}

/// A loopback server speaking raw bytes, for answers no HTTP library would
/// produce. Returns its base URL.
pub async fn raw_server(behaviour: Raw) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut seen = Vec::new();
                // Read until the end of the request head.
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                match behaviour {
                    Raw::Reply(bytes) => {
                        let _ = socket.write_all(bytes).await;
                        let _ = socket.shutdown().await;
                    }
                    Raw::Hangup => drop(socket),
                }
            });
        }
    });
    format!("http://{addr}")
}

/// What a list from `api` fails with.
pub async fn list_fails(api: &Client) -> toggl_track_api::Error {
    api.list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect_err("the list fails")
}
