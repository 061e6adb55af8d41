//! The service as a program: it prints its base URL first, and warns when it
//! listens beyond this machine, where its well-known demo credentials would
//! let anyone in.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts the binary with `args`; its first stdout line and first stderr
/// line, then stops it.
fn first_lines(args: &[&str]) -> (String, String) {
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_toggl-track-local-service"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut out = String::new();
    let mut err = String::new();
    let read_out = child
        .stdout
        .take()
        .map(|o| BufReader::new(o).read_line(&mut out));
    let read_err = child
        .stderr
        .take()
        .map(|e| BufReader::new(e).read_line(&mut err));
    let _ = child.kill();
    let _ = child.wait();
    assert!(matches!(read_out, Some(Ok(_))) && matches!(read_err, Some(Ok(_))));
    (out, err)
}

#[test]
fn beyond_this_machine_it_warns_that_the_demo_credentials_are_public() {
    let (url, said) = first_lines(&["--host", "0.0.0.0"]);
    assert!(url.starts_with("http://0.0.0.0:"), "{url}");
    assert!(
        said.starts_with("warning: listening on 0.0.0.0 beyond this machine")
            && said.contains("demo credentials are public"),
        "{said}"
    );
    let (url, said) = first_lines(&[]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        said.starts_with("serving"),
        "no warning on loopback: {said}"
    );
}
