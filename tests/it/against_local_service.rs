//! The generated client against the local Toggl clients service, over HTTP:
//! every operation end to end, and the errors the service really produces.

use std::time::Duration;

use toggl_track_api::config::{Jitter, RetryPolicy};
use toggl_track_api::error::ValidationReason;
use toggl_track_api::types::{
    ClientCreate, ClientRestore, ClientStatus, ClientUpdate, ClientsByIds,
};
use toggl_track_api::{Client, Credentials, Error};
use toggl_track_local_service::{Config, LocalService};

use toggl_track_local_service::demo::{FREE_WORKSPACE as FREE_WS, WORKSPACE as WS};

async fn service(config: Config) -> (LocalService, Client) {
    let server = toggl_track_local_service::start(config)
        .await
        .expect("service starts");
    let client = Client::builder(Credentials::api_token(
        toggl_track_local_service::demo::API_TOKEN,
    ))
    .base_url(server.base_url())
    .retry(
        RetryPolicy::default()
            .initial_backoff(Duration::from_millis(5))
            .jitter(Jitter::None),
    )
    .build()
    .expect("client builds");
    (server, client)
}

/// Archives a seeded client with projects, then restores it with them.
async fn archive_and_restore(server: &LocalService, api: &Client) -> Result<(), Error> {
    let acme = 61234001u64;
    let projects = api
        .archive_client()
        .workspace_id(WS)
        .client_id(acme)
        .send()
        .await?;
    assert_eq!(
        projects.iter().map(|p| p.get()).collect::<Vec<_>>(),
        [201234501, 201234502]
    );
    let archived = api
        .list_clients()
        .workspace_id(WS)
        .status(ClientStatus::Archived)
        .send()
        .await?;
    assert!(archived.iter().any(|c| c.id.get() == acme));
    let restored = api
        .restore_client()
        .workspace_id(WS)
        .client_id(acme)
        .body(ClientRestore::builder().restore_all_projects(Some(true)))
        .send()
        .await?;
    assert!(!restored.archived);
    assert_eq!(server.project_active(201234501), Some(true));
    Ok(())
}

#[tokio::test]
async fn all_seven_operations_end_to_end() -> Result<(), Error> {
    let (server, api) = service(Config::demo()).await;

    let created = api
        .create_client()
        .workspace_id(WS)
        .body(
            ClientCreate::builder()
                .name("Hooli")
                .notes(Some("via test".to_owned())),
        )
        .send()
        .await?;
    assert_eq!(created.name, "Hooli");
    assert_eq!(
        created.meta().request_id.as_ref().map(String::len),
        Some(32)
    );
    let id = created.id;

    let listed = api
        .list_clients()
        .workspace_id(WS)
        .name("hoo")
        .send()
        .await?;
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), [id]);

    let fetched = api
        .get_client()
        .workspace_id(WS)
        .client_id(id)
        .send()
        .await?;
    assert_eq!(fetched.notes.as_deref(), Some("via test"));

    let updated = api
        .update_client()
        .workspace_id(WS)
        .client_id(id)
        .body(ClientUpdate::builder().name(Some("Hooli XYZ".to_owned())))
        .send()
        .await?;
    assert_eq!(updated.name, "Hooli XYZ");
    assert!(updated.at >= created.at);

    archive_and_restore(&server, &api).await?;

    api.delete_client()
        .workspace_id(WS)
        .client_id(id)
        .send()
        .await?;
    let gone = api.get_client().workspace_id(WS).client_id(id).send().await;
    match gone {
        Err(Error::NotFound {
            message, context, ..
        }) => {
            assert!(message.contains(&id.to_string()), "{message}");
            assert!(context.request_id.is_some());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn the_service_errors_arrive_as_the_right_variants() {
    let mut config = Config::demo();
    config.hourly_quota = Some(4);
    let (_server, api) = service(config).await;

    let empty = api
        .create_client()
        .workspace_id(WS)
        .body(ClientCreate::builder().name(""))
        .send()
        .await;
    assert!(
        matches!(
            empty,
            Err(Error::Validation {
                reason: ValidationReason::NameEmpty,
                ..
            })
        ),
        "{empty:?}"
    );

    let status = api
        .list_clients()
        .workspace_id(WS)
        .status(ClientStatus::Both)
        .send()
        .await;
    assert!(status.is_ok());

    let premium = api
        .archive_client()
        .workspace_id(FREE_WS)
        .client_id(61234004u64)
        .send()
        .await;
    assert!(
        matches!(premium, Err(Error::PaidFeatureRequired { .. })),
        "{premium:?}"
    );

    let other = api
        .get_client()
        .workspace_id(999u64)
        .client_id(1u64)
        .send()
        .await;
    assert!(matches!(other, Err(Error::Forbidden { .. })), "{other:?}");

    // That was the fourth request of the hour.
    let quota = api.list_clients().workspace_id(WS).send().await;
    match quota {
        Err(Error::QuotaExhausted { resets_in, .. }) => {
            assert!(resets_in.is_some_and(|d| d <= Duration::from_secs(3600)));
        }
        other => panic!("expected QuotaExhausted, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_credentials_are_forbidden() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("starts");
    let api = Client::builder(Credentials::api_token("not-a-token"))
        .base_url(server.base_url())
        .build()
        .expect("builds");
    let err = api.list_clients().workspace_id(WS).send().await;
    assert!(matches!(err, Err(Error::Forbidden { .. })), "{err:?}");
}

#[tokio::test]
async fn injected_faults_are_retried_or_reported() {
    let (server, api) = service(Config::demo()).await;
    server.faults().fail_next(503, 2);
    let list = api.list_clients().workspace_id(WS).send().await;
    assert!(list.is_ok(), "two 503s are retried");

    server.faults().fail_next(429, 1);
    let created = api
        .create_client()
        .workspace_id(WS)
        .body(ClientCreate::builder().name("After a 429"))
        .send()
        .await;
    assert!(created.is_ok(), "a 429 on create is retried");

    server.faults().fail_next(500, 1);
    let created = api
        .create_client()
        .workspace_id(WS)
        .body(ClientCreate::builder().name("Not retried"))
        .send()
        .await;
    assert!(matches!(created, Err(Error::Server { .. })), "{created:?}");
    let listed = api
        .list_clients()
        .workspace_id(WS)
        .name("Not retried")
        .send()
        .await;
    assert!(
        listed.expect("listed").is_empty(),
        "the failed create made nothing"
    );

    server.faults().malform_next(1);
    let malformed = api
        .get_client()
        .workspace_id(WS)
        .client_id(61234001u64)
        .send()
        .await;
    assert!(
        matches!(malformed, Err(Error::Decode { .. })),
        "{malformed:?}"
    );

    server.faults().drop_next(4);
    let dropped = api.list_clients().workspace_id(WS).send().await;
    assert!(
        matches!(dropped, Err(Error::Transport { .. })),
        "{dropped:?}"
    );
}

fn ids(list: &[u64]) -> Vec<std::num::NonZeroU64> {
    list.iter()
        .map(|id| std::num::NonZeroU64::new(*id).expect("non-zero"))
        .collect()
}

#[tokio::test]
async fn the_bulk_and_sync_operations_end_to_end() -> Result<(), Error> {
    let (server, api) = service(Config::demo()).await;
    let since = chrono::Utc::now().timestamp();
    // Later changes carry a later second than `since`, with no waiting.
    server.clock().advance(chrono::Duration::seconds(2));

    let found = api
        .get_clients_by_ids()
        .workspace_id(WS)
        .body(ClientsByIds::builder().client_ids(ids(&[61234003, 61234001, 42])))
        .send()
        .await?;
    // In id order, archived or not; as the web app saw them: no creator,
    // a total count of 0.
    let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Acme Corporation", "Initech"]);
    assert!(
        found
            .iter()
            .all(|c| c.creator_id.is_none() && c.total_count == Some(0))
    );

    let archived = api
        .archive_clients()
        .workspace_id(WS)
        .body(ids(&[61234001, 61234002]))
        .send()
        .await?;
    assert_eq!(archived.len(), 2);
    assert_eq!(
        archived[0]
            .client_ids
            .iter()
            .map(|i| i.get())
            .collect::<Vec<_>>(),
        [61234001]
    );
    assert_eq!(
        archived[1]
            .project_ids
            .iter()
            .map(|i| i.get())
            .collect::<Vec<_>>(),
        [201234503]
    );
    assert_eq!(server.project_active(201234501), Some(false));

    let refused = api
        .delete_clients()
        .workspace_id(WS)
        .body(ids(&[61234002, 777]))
        .send()
        .await;
    assert!(
        matches!(refused, Err(Error::NotFound { ref message, .. }) if message.contains("777")),
        "{refused:?}"
    );
    api.delete_clients()
        .workspace_id(WS)
        .body(ids(&[61234002]))
        .send()
        .await?;

    let changed = api.list_changed_clients().since(since).send().await?;
    let deleted: Vec<u64> = changed
        .iter()
        .filter(|c| c.server_deleted_at.is_some())
        .map(|c| c.id.get())
        .collect();
    assert_eq!(deleted, [61234002]);
    assert!(changed.iter().any(|c| c.id.get() == 61234001 && c.archived));
    Ok(())
}
