//! The Rust API gate as a command: a release that changes a public field's
//! type (0.1.0 to 0.2.0 changed `TrackClient::creator_id`) fails unless its
//! version says it breaks callers, naming the item and asking for a
//! changelog entry and a version bump.

use crate::commands::{root, stderr, temp, xtask};

/// The released 0.1.0 API, and the current baseline with its version set
/// to `version`, as files.
fn apis(version: &str) -> (String, String) {
    use std::io::Read;
    let baseline = root().join("xtask/tests/it/fixtures/toggl_track_api-0.1.0.rustdoc.json.gz");
    let current = root().join("openapi/baseline/toggl_track_api.rustdoc.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&current).expect("baseline exists"))
        .read_to_string(&mut text)
        .expect("gzip");
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("rustdoc JSON");
    doc["crate_version"] = version.into();
    let current = temp(&format!("current-{version}.json"), &doc.to_string());
    (
        baseline.to_str().expect("utf-8").to_owned(),
        current.to_str().expect("utf-8").to_owned(),
    )
}

#[test]
fn a_changed_field_type_without_a_breaking_version_fails_naming_the_item() {
    let (baseline, current) = apis("0.1.1");
    let o = xtask(&["semver", "--baseline", &baseline, "--current", &current]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "field type changed: types::TrackClient.creator_id: NonZeroU64 -> Option<NonZeroU64>"
        ),
        "{out}"
    );
    // cargo-semver-checks' own findings come too.
    assert!(out.contains("Client::new"), "{out}");
    let err = stderr(&o);
    assert!(
        err.contains("add an entry to CHANGELOG.md") && err.contains("bump the version"),
        "{err}"
    );
}

#[test]
fn the_same_change_passes_with_a_breaking_version() {
    let (baseline, current) = apis("0.2.0");
    let o = xtask(&["semver", "--baseline", &baseline, "--current", &current]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn an_api_without_room_to_grow_fails_naming_each_type() {
    // The 0.1.0 API against itself: nothing changed, but its public
    // structs and enums were exhaustive.
    let old = root().join("xtask/tests/it/fixtures/toggl_track_api-0.1.0.rustdoc.json.gz");
    let old = old.to_str().expect("utf-8");
    let o = xtask(&["semver", "--baseline", old, "--current", old]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "::RetryPolicy is a public struct with public fields without #[non_exhaustive]"
        ),
        "{out}"
    );
    assert!(out.contains("the crate root names"), "{out}");
    // The generated types are held to it too: a field Toggl adds must be a
    // minor release.
    assert!(
        out.contains(
            "types::TrackClient is a public struct with public fields without #[non_exhaustive]"
        ),
        "{out}"
    );
}
