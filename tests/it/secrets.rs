//! Tokens and passwords never appear in `Debug` output or error messages.

use toggl_track_api::config::RetryPolicy;
use toggl_track_api::error::ForbiddenReason;
use toggl_track_api::{Client, Credentials, Error};
use toggl_track_local_service::Config;

use crate::common::{WORKSPACE, local};

const TOKEN: &str = "tok_9f8e7d6c5b4a39281706";
const PASSWORD: &str = "correct horse battery staple";

fn assert_clean(text: &str) {
    assert!(!text.contains(TOKEN), "token leaked: {text}");
    assert!(!text.contains(PASSWORD), "password leaked: {text}");
    // Nor in the encoded form a header would carry.
    use base64::Engine as _;
    for pair in [
        format!("{TOKEN}:api_token"),
        format!("ada@example.com:{PASSWORD}"),
    ] {
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        assert!(
            !text.contains(&encoded),
            "encoded credentials leaked: {text}"
        );
    }
}

#[test]
fn credentials_builders_and_clients_redact_secrets() {
    for credentials in [
        Credentials::api_token(TOKEN),
        Credentials::email_password("ada@example.com", PASSWORD),
    ] {
        assert_clean(&format!("{credentials:?}"));
        let builder = Client::builder(credentials.clone());
        assert_clean(&format!("{builder:?}"));
        let client = builder.build().expect("builds");
        let shown = format!("{client:?}");
        assert_clean(&shown);
        assert!(
            shown.contains("Sensitive"),
            "the auth header is marked sensitive: {shown}"
        );
    }
}

#[tokio::test]
async fn errors_redact_secrets() {
    // Credentials the service does not know: refused for real.
    let server = local(Config::demo()).await;
    for credentials in [
        Credentials::api_token(TOKEN),
        Credentials::email_password("ada@example.com", PASSWORD),
    ] {
        let api = Client::builder(credentials)
            .base_url(server.base_url())
            .retry(RetryPolicy::none())
            .build()
            .expect("builds");
        let err = api
            .list_clients()
            .workspace_id(WORKSPACE)
            .send()
            .await
            .expect_err("403");
        assert!(
            matches!(
                err,
                Error::Forbidden {
                    reason: ForbiddenReason::BadCredentials,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_clean(&format!("{err:?}"));
        assert_clean(&err.to_string());
    }
    let refused = Client::builder(Credentials::api_token(TOKEN))
        .base_url("http://127.0.0.1:9")
        .retry(RetryPolicy::none())
        .build()
        .expect("builds");
    let err = refused
        .list_clients()
        .workspace_id(1u64)
        .send()
        .await
        .expect_err("refused");
    assert_clean(&format!("{err:?}"));
    assert_clean(&err.to_string());
}

#[test]
fn credentials_in_the_base_url_are_refused_without_echoing_them() {
    let err = Client::builder(Credentials::api_token("t"))
        .base_url(format!("https://user:{PASSWORD}@example.com"))
        .build()
        .expect_err("refused");
    assert!(err.to_string().contains("Credentials"), "{err}");
    assert_clean(&err.to_string());
    assert_clean(&format!("{err:?}"));
}

/// `/me` answers the user's API token: decoded, it is kept (the CLI's
/// `login --email` stores it) but never shown by `Debug`, of the user or
/// of a response, whichever credential asked.
#[tokio::test]
async fn the_token_me_answers_is_redacted_in_debug_output() {
    let service = local(Config::demo()).await;
    for credentials in [
        Credentials::api_token(toggl_track_local_service::demo::API_TOKEN),
        Credentials::email_password(
            toggl_track_local_service::demo::EMAIL,
            toggl_track_local_service::demo::PASSWORD,
        ),
    ] {
        let client = Client::builder(credentials)
            .base_url(service.base_url())
            .build()
            .expect("builds");
        let answer = client.get_me().send().await.expect("answered");
        let shown = format!("{answer:?}");
        let me = answer.into_inner();
        let token = me.api_token.clone().map(String::from);
        assert_eq!(
            token.as_deref(),
            Some(toggl_track_local_service::demo::API_TOKEN),
            "kept"
        );
        for text in [shown, format!("{me:?}"), format!("{:?}", me.api_token)] {
            assert!(
                !text.contains(toggl_track_local_service::demo::API_TOKEN),
                "token shown: {text}"
            );
            assert!(text.contains("ApiToken([redacted])"), "{text}");
        }
    }
}
