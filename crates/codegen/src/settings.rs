//! The generator settings: the one place where the shape of the generated
//! client is decided.

use progenitor::{GenerationSettings, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

/// Settings shared by `build.rs` and `cargo xtask regen`.
///
/// * Builder interface: every operation is `client.op().param(..).send()`,
///   so an optional parameter Toggl adds later is one more setter, not a
///   changed function signature that breaks callers.
/// * Merged tags: one `Client` type with all operations on it.
/// * An inner type: the state of the hand-written pipeline (the crate's
///   `pipeline::Runtime`), which every operation's `send()` hands its
///   request to (see `rewrite`). progenitor's hooks are not used: its
///   default (`Optional`) emits only an empty implementation, which
///   `rewrite` drops with the other ways round the pipeline.
pub fn generation_settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(crate::pipeline::Runtime))
        .with_hooks(HooksMode::Optional)
        .with_derive("PartialEq");
    settings
}
