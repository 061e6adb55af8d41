// Compiled with `tsc --strict` against the types openapi-typescript
// generates from the spec (schema.d.ts, written beside this file in target/).
import type { components, paths } from "./schema";

type TrackClient = components["schemas"]["TrackClient"];
type ListAnswer =
  paths["/workspaces/{workspace_id}/clients"]["get"]["responses"]["200"]["content"]["application/json"];
type CreateBody =
  paths["/workspaces/{workspace_id}/clients"]["post"]["requestBody"]["content"]["application/json"];
type Changed = paths["/me/clients"]["get"]["responses"]["200"]["content"]["application/json"];
type ByIds =
  paths["/workspaces/{workspace_id}/clients/data"]["post"]["requestBody"]["content"]["application/json"];

// What `/clients/data` answers: no creator, a total of 0.
const minimal: TrackClient = {
  id: 61234001,
  wid: 1234567,
  name: "Acme Corporation",
  archived: false,
  at: "2024-03-17T10:55:38+00:00",
  total_count: 0,
};
const byIds: ByIds = { client_ids: [61234001] };
const full: TrackClient = {
  ...minimal,
  creator_id: 7654321,
  notes: null,
  external_reference: "CRM-0042",
  permissions: ["archive", "update", "remove"],
  integration_provider: "jira",
  server_deleted_at: null,
};
const legacy: TrackClient = { ...minimal, permissions: "read" };
const list: ListAnswer = [minimal, full, legacy];
const body: CreateBody = { name: "Acme Corporation", notes: "Net 30" };
const changed: Changed = list;

export const names: string[] = changed.map((c) => c.name).concat(body.name);
export const asked: number[] = byIds.client_ids;
