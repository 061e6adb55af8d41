//! The TLS the HTTP client speaks, chosen by cargo feature: reqwest's own
//! rustls (aws-lc-rs) or native-tls, or rustls on ring set up here.

/// reqwest's builder with the TLS this build was compiled for, or why it
/// could not be set up. With only `rustls-ring`, reqwest has no provider of
/// its own: a client built any other way panics on its first use.
pub(crate) fn http_builder() -> Result<reqwest::ClientBuilder, String> {
    let http = reqwest::Client::builder();
    #[cfg(feature = "rustls-ring")]
    let http = http.tls_backend_preconfigured(ring_tls().map_err(|e| e.to_string())?);
    Ok(http)
}

/// rustls with the ring provider, set up as reqwest sets up its own: every
/// protocol version, the platform's certificate verifier, HTTP/2 and 1.1
/// offered. Built per client, with no process-wide default installed.
#[cfg(feature = "rustls-ring")]
fn ring_tls() -> Result<rustls::ClientConfig, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .with_platform_verifier()?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
