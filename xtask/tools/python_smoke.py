"""Drives the Python client generated from the spec (openapi-python-client)
against the local Toggl clients service: every operation, with its answers
checked. Run by `cargo xtask ci` with the service's base URL."""

import sys
import time

from toggl_track_clients import Client
from toggl_track_clients.api.clients import (
    archive_client,
    archive_clients,
    create_client,
    delete_client,
    delete_clients,
    get_client,
    get_clients_by_ids,
    list_changed_clients,
    list_clients,
    restore_client,
    update_client,
)
from toggl_track_clients.api.quota import get_quota
from toggl_track_clients.models import ClientCreate, ClientRestore, ClientsByIds, ClientStatus, ClientUpdate

WS = 1234567
checks = {"passed": 0, "failed": 0}


def check(what, condition):
    if condition:
        checks["passed"] += 1
    else:
        checks["failed"] += 1
        print(f"FAILED: {what}")


def main(base_url):
    api = Client(base_url=base_url, httpx_args={"auth": ("demo-api-token", "api_token")})
    since = int(time.time())
    time.sleep(1.1)

    listed = list_clients.sync(WS, client=api, status=ClientStatus.BOTH, name="o")
    check("list filters by name", sorted(c.name for c in listed) == ["Acme Corporation", "Globex"])

    page = list_clients.sync(WS, client=api, status=ClientStatus.BOTH, page=1, per_page=2)
    check("a page holds per_page clients", len(page) == 2)
    check("each carries the total on all pages", all(c.total_count == 3 for c in page))

    created = create_client.sync(WS, client=api, body=ClientCreate(name="Py Client", notes="from python"))
    check("create answers the client", created.name == "Py Client" and created.notes == "from python")

    fetched = get_client.sync(WS, created.id, client=api)
    check("get answers the same client", fetched.id == created.id and fetched.wid == WS)

    updated = update_client.sync(WS, created.id, client=api, body=ClientUpdate(notes="changed"))
    check("update changes the notes", updated.notes == "changed" and updated.name == "Py Client")

    projects = archive_client.sync(WS, 61234001, client=api)
    check("archive answers the archived projects", sorted(projects) == [201234501, 201234502])

    restored = restore_client.sync(WS, 61234001, client=api, body=ClientRestore(restore_all_projects=True))
    check("restore un-archives", restored.archived is False)

    found = get_clients_by_ids.sync(WS, client=api, body=ClientsByIds(client_ids=[61234001, created.id, 424242]))
    check("clients by ids leaves unknown ids out", sorted(c.id for c in found) == sorted([61234001, created.id]))
    check("clients by ids come without their creator", all(not c.creator_id for c in found))

    bulk = archive_clients.sync(WS, client=api, body=[61234002])
    check("bulk archive answers per client", bulk[0].client_ids == [61234002] and bulk[0].project_ids == [201234503])

    gone = delete_client.sync_detailed(WS, created.id, client=api)
    check("delete answers 200", gone.status_code == 200)
    missing = get_client.sync_detailed(WS, created.id, client=api)
    check("a deleted client is not found", missing.status_code == 404 and missing.parsed == f"No client with ID {created.id} was found")

    bulk_gone = delete_clients.sync_detailed(WS, client=api, body=[61234003])
    check("bulk delete answers 200", bulk_gone.status_code == 200)

    changed = list_changed_clients.sync(client=api, since=since)
    deleted = sorted(c.id for c in changed if c.server_deleted_at)
    check("changes include the deletions", deleted == sorted([created.id, 61234003]))

    quotas = get_quota.sync(client=api)
    check(
        "the quota answer has an organization entry and the user entry",
        any(q.organization_id == 9000001 for q in quotas)
        and any(q.organization_id is None for q in quotas)
        and all(q.total >= q.remaining for q in quotas),
    )

    invalid = create_client.sync_detailed(WS, client=api, body=ClientCreate(name=""))
    check("an empty name is refused with its message", invalid.status_code == 400 and invalid.parsed == "Client name cannot be empty")

    # Wrong credentials: a 403 whose body is plain text, not JSON.
    wrong = Client(base_url=base_url, httpx_args={"auth": ("wrong-token", "api_token")})
    denied = list_clients.sync_detailed(WS, client=wrong)
    check(
        "wrong credentials are a plain-text 403",
        denied.status_code == 403 and denied.content == b"Incorrect username and/or password",
    )

    print(f"{checks['passed']} passed, {checks['failed']} failed")
    return 1 if checks["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
