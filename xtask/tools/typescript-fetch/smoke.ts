// Drives the TypeScript client that openapi-generator (typescript-fetch)
// generates from the spec against the local Toggl clients service: every
// operation, with its answers checked. `cargo xtask ci` generates the client
// into ./client beside this file, compiles both with `tsc --strict` and runs
// the result with the service's base URL.
import { ClientsApi, ClientStatus, Configuration, QuotaApi, ResponseError } from "./client";

const WS = 1234567;
let passed = 0;
let failed = 0;

function check(what: string, condition: boolean): void {
  if (condition) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAILED: ${what}`);
  }
}

/** The status and body of a refused request: decoded when it is JSON,
 * else its text (a 403 for wrong credentials is plain text). */
async function refusal(call: Promise<unknown>): Promise<[number, unknown]> {
  try {
    await call;
  } catch (e) {
    if (e instanceof ResponseError) {
      const text = await e.response.text();
      const json = (e.response.headers.get("content-type") ?? "").includes("json");
      return [e.response.status, json ? JSON.parse(text) : text];
    }
    throw e;
  }
  return [200, undefined];
}

const sorted = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

async function main(basePath: string): Promise<number> {
  const api = new ClientsApi(
    new Configuration({ basePath, username: "demo-api-token", password: "api_token" }),
  );
  const since = Math.floor(Date.now() / 1000);
  await new Promise((done) => setTimeout(done, 1100));

  const listed = await api.listClients({ workspaceId: WS, status: ClientStatus.Both, name: "o" });
  check("list filters by name", same(listed.map((c) => c.name).sort(), ["Acme Corporation", "Globex"]));

  const page = await api.listClients({ workspaceId: WS, status: ClientStatus.Both, page: 1, perPage: 2 });
  check("a page holds perPage clients", page.length === 2);
  check("each carries the total on all pages", page.every((c) => c.totalCount === 3));

  const created = await api.createClient({
    workspaceId: WS,
    clientCreate: { name: "TS Client", notes: "from typescript" },
  });
  check("create answers the client", created.name === "TS Client" && created.notes === "from typescript");
  check("times decode to dates", created.at instanceof Date && !Number.isNaN(created.at.getTime()));

  const fetched = await api.getClient({ workspaceId: WS, clientId: created.id });
  check("get answers the same client", fetched.id === created.id && fetched.wid === WS);

  const updated = await api.updateClient({
    workspaceId: WS,
    clientId: created.id,
    clientUpdate: { notes: "changed" },
  });
  check("update changes the notes", updated.notes === "changed" && updated.name === "TS Client");

  const projects = await api.archiveClient({ workspaceId: WS, clientId: 61234001 });
  check("archive answers the archived projects", same(sorted(projects), [201234501, 201234502]));

  const restored = await api.restoreClient({
    workspaceId: WS,
    clientId: 61234001,
    clientRestore: { restoreAllProjects: true },
  });
  check("restore un-archives", restored.archived === false);

  const found = await api.getClientsByIds({
    workspaceId: WS,
    clientIds: { clientIds: [61234001, created.id, 424242] },
  });
  check("clients by ids leaves unknown ids out", same(sorted(found.map((c) => c.id)), sorted([61234001, created.id])));
  check("clients by ids come without their creator", found.every((c) => c.creatorId == null));

  const bulk = await api.archiveClients({ workspaceId: WS, clientIds: [61234002] });
  check(
    "bulk archive answers per client",
    same(bulk[0]?.clientIds, [61234002]) && same(bulk[0]?.projectIds, [201234503]),
  );

  await api.deleteClient({ workspaceId: WS, clientId: created.id });
  const [status, message] = await refusal(api.getClient({ workspaceId: WS, clientId: created.id }));
  check("a deleted client is not found", status === 404 && message === `No client with ID ${created.id} was found`);

  await api.deleteClients({ workspaceId: WS, clientIds: [61234003] });
  const changed = await api.listChangedClients({ since });
  const deleted = changed.filter((c) => c.serverDeletedAt != null).map((c) => c.id);
  check("changes include the deletions", same(sorted(deleted), sorted([created.id, 61234003])));

  const quotas = await new QuotaApi(
    new Configuration({ basePath, username: "demo-api-token", password: "api_token" }),
  ).getQuota();
  check(
    "the quota answer has an organization entry and the user entry",
    quotas.some((q) => q.organizationId === 9000001) &&
      quotas.some((q) => q.organizationId === null || q.organizationId === undefined),
  );

  const [badStatus, badMessage] = await refusal(api.createClient({ workspaceId: WS, clientCreate: { name: "" } }));
  check("an empty name is refused with its message", badStatus === 400 && badMessage === "Client name cannot be empty");

  const wrong = new ClientsApi(new Configuration({ basePath, username: "wrong-token", password: "api_token" }));
  const [deniedStatus, denied] = await refusal(wrong.listClients({ workspaceId: WS }));
  check(
    "wrong credentials are a plain-text 403",
    deniedStatus === 403 && denied === "Incorrect username and/or password",
  );

  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

const url = process.argv[2];
if (url === undefined) {
  console.error("usage: node smoke.js BASE_URL");
  process.exit(2);
}
main(url).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
