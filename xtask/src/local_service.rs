//! Runs the local Toggl clients service as a child process for checks that
//! drive it from outside (schemathesis, other-language clients).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::{cargo, run};

/// The demo user's API token in the service's built-in seed
/// (`toggl_track_local_service::demo::API_TOKEN`; a test keeps the two equal).
pub(crate) const DEMO_TOKEN: &str = "demo-api-token";

/// A running `toggl-track-local-service`; killed when dropped.
pub(crate) struct Service {
    child: Child,
    pub base_url: String,
}

impl Service {
    /// Builds and starts the service on a free port with `args`.
    pub(crate) fn start(args: &[&str]) -> crate::Outcome<Self> {
        run(
            "build the local service",
            cargo().args([
                "build",
                "--quiet",
                "-p",
                "toggl-track-local-service",
                "--bin",
                "toggl-track-local-service",
            ]),
        )?;
        let binary = crate::target_dir()
            .join("debug")
            .join("toggl-track-local-service");
        let mut child = Command::new(&binary)
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(crate::io(format!("cannot start {}", binary.display())))?;
        // The service prints its base URL as its first line.
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|out| BufReader::new(out).read_line(&mut line));
        let base_url = line.trim().to_owned();
        if !matches!(read, Some(Ok(n)) if n > 0) || !base_url.starts_with("http://") {
            let _ = child.kill();
            return Err(crate::Failure::Found(format!(
                "the local service did not start (it said {base_url:?})"
            )));
        }
        Ok(Self { child, base_url })
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_token_is_the_services() {
        assert_eq!(
            super::DEMO_TOKEN,
            toggl_track_local_service::demo::API_TOKEN
        );
    }
}
