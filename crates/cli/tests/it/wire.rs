//! Bytes on the wire, counted between the tool and the service: compressed
//! answers as Toggl serves them, and a compression bomb refused within the
//! cap's memory.

use std::sync::Arc;

#[cfg(target_os = "linux")]
use rusty_fork::rusty_fork_test;
use toggl_track_local_service::{Config, Relay, Seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = toggl_track_local_service::demo::API_TOKEN;

fn toggl(base: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("toggl-clients"));
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", TOKEN)
        .env(
            "TOGGL_WORKSPACE_ID",
            toggl_track_local_service::demo::WORKSPACE.to_string(),
        )
        .env("TOGGL_BASE_URL", base)
        .args(args);
    cmd
}

/// The size of the list's JSON as it is, without compression.
async fn json_size(server: &toggl_track_local_service::LocalService, query: &str) -> u64 {
    reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("http")
        .get(format!(
            "{}/workspaces/{}/clients{query}",
            server.base_url(),
            toggl_track_local_service::demo::WORKSPACE
        ))
        .basic_auth(TOKEN, Some("api_token"))
        .send()
        .await
        .expect("answers")
        .bytes()
        .await
        .expect("body")
        .len() as u64
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_of_ten_thousand_clients_crosses_the_wire_compressed() {
    let server = toggl_track_local_service::start(Config::with_seed(
        Seed::demo_with_generated_clients(10_000),
    ))
    .await
    .expect("service");
    let json = json_size(&server, "").await;
    let relay = Relay::start(server.addr()).await.expect("relay");
    let mut cmd = toggl(relay.base_url(), &["-o", "csv", "list"]);
    let o = tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joined");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 10_001);
    let moved = relay.bytes_back();
    eprintln!(
        "{moved} bytes on the wire for {json} bytes of JSON: {:.3}",
        moved as f64 / json as f64
    );
    assert!(
        moved * 100 <= json * 15,
        "{moved} bytes moved for {json} bytes of JSON"
    );
}

/// 2 GiB of zeros as gzip (about 2 MB), made once with the system's gzip
/// and kept in the target folder.
fn bomb() -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("bomb-2g.gz");
    if let Ok(bytes) = std::fs::read(&path)
        && !bytes.is_empty()
    {
        return bytes;
    }
    let made = std::process::Command::new("sh")
        .args(["-c", "head -c 2147483648 /dev/zero | gzip -9 -c"])
        .output()
        .expect("gzip runs");
    assert!(made.status.success() && made.stdout.len() < 4 * 1024 * 1024);
    let tmp = dir.join(format!("bomb-2g.gz.tmp-{}", std::process::id()));
    std::fs::write(&tmp, &made.stdout).expect("kept");
    std::fs::rename(&tmp, &path).expect("kept");
    made.stdout
}

#[cfg(target_os = "linux")]
rusty_fork_test! {
    #[test]
    fn a_compression_bomb_is_refused_within_the_caps_memory() {
        crate::alone(refuse_a_compression_bomb());
    }
}

#[cfg(target_os = "linux")]
async fn refuse_a_compression_bomb() {
    let bomb = Arc::new(tokio::task::spawn_blocking(bomb).await.expect("made"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let body = Arc::clone(&bomb);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = Arc::clone(&body);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.write_all(&body).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    let mut cmd = toggl(
        &format!("http://{addr}/api/v9"),
        &["--timeout", "120s", "list"],
    );
    let ran = tokio::task::spawn_blocking(move || crate::child::run(&mut cmd))
        .await
        .expect("joined");
    let (o, peak) = (ran.output, ran.peak);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(6), "{err}");
    assert!(err.contains("larger than 67108864 bytes"), "{err}");
    eprintln!(
        "a {} byte bomb of 2 GiB: refused with a peak of {} MiB",
        bomb.len(),
        peak / (1024 * 1024)
    );
    assert!(
        peak < 300 * 1024 * 1024,
        "peak resident memory {peak} bytes"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mirror_holds_each_client_once_and_a_fresh_read_costs_nothing() {
    let server = toggl_track_local_service::start(Config::with_seed(
        Seed::demo_with_generated_clients(10_000),
    ))
    .await
    .expect("service");
    let answer = json_size(&server, "?status=both").await;
    let dir =
        std::env::temp_dir().join(format!("toggl-clients-lean-mirror-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |args: &'static [&'static str]| {
        let mut cmd = toggl(server.base_url(), args);
        cmd.env("TOGGL_CLIENTS_DATA_DIR", &dir);
        tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
    };
    let size = |dir: &std::path::Path| -> u64 {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.metadata().map_or(0, |m| m.len()))
                    .sum()
            })
            .unwrap_or(0)
    };
    // Without --max-age, no client is kept: only the quotas.
    assert!(
        run(&["-o", "csv", "list"])
            .await
            .expect("joined")
            .status
            .success()
    );
    assert!(size(&dir) < 64 * 1024, "{} bytes kept", size(&dir));
    // Two reads that ask for a fresh mirror: one full read, every client
    // held once, whatever the filters.
    let active = run(&["-o", "csv", "list", "--max-age", "10m"]).await;
    assert!(active.expect("joined").status.success());
    let both = run(&["-o", "csv", "list", "--status", "both", "--max-age", "10m"]).await;
    assert!(both.expect("joined").status.success());
    let kept = size(&dir);
    eprintln!("{kept} bytes of mirror for an answer of {answer} bytes");
    assert!(kept * 10 <= answer * 12, "{kept} bytes kept for {answer}");
    // And another read costs nothing.
    let before = server.requests();
    assert!(
        run(&["-o", "csv", "list", "--max-age", "10m"])
            .await
            .expect("joined")
            .status
            .success()
    );
    assert_eq!(server.requests(), before);
}
