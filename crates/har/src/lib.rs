//! HAR 1.2 files of exchanges with Toggl Track's API (the format browsers'
//! developer tools export), and the one set of rules that strips every
//! secret from them.
//!
//! Two sides write and read these files: the client's field capture (a
//! user's run saved with `toggl-clients --record FILE.har`, or
//! `ClientBuilder::record`) and the maintainer's tools (`cargo xtask
//! recordings import` and `cargo xtask conformance`). Both go through
//! [`redact`], so a file a user hands over carries what an import would
//! keep, and nothing else.

mod model;
pub mod redact;

pub use model::{
    Content, Creator, Entry, Har, Header, Log, PostData, Request, Response, Timings, header,
};
