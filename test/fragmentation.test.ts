import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { LOCATION_HINTS } from "../functions/quantum/fragmentation/model";
import { call, createTenant, eventually, postJson, quantumHeaders } from "./helpers";

interface Fragmented {
  parent_id: string;
  threshold: number;
  expires_at: string;
  fragments: { fragment_id: string; location: string; expires_at: string }[];
}
interface QuantumError {
  error: { code: string; message: string; details: Record<string, unknown> };
  request_id: string;
  timestamp: string;
}

let tenantId: string;
let write: Record<string, string>;
let readOnly: Record<string, string>;
let otherTenant: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant("fragmentation");
  write = await quantumHeaders(tenantId, ["quantum:write"]);
  readOnly = await quantumHeaders(tenantId, ["quantum:read"]);
  otherTenant = await quantumHeaders(await createTenant("fragmentation-other"), ["quantum:write"]);
});

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const SECRET = b64(new TextEncoder().encode("launch codes: 0000"));

async function fragment(body: Record<string, unknown>, headers = write): Promise<Fragmented> {
  const res = await postJson("/v3/fragmentation/fragment", { data: SECRET, lifetime_ms: 60_000, ...body }, headers);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Fragmented;
}

const reconstruct = (parentId: string, headers = write) =>
  postJson("/v3/fragmentation/reconstruct", { parent_id: parentId, validate_integrity: true }, headers);

const extend = (parentId: string, additionalMs: number, headers = write) =>
  call(`/v3/fragmentation/fragments/${parentId}/lifetime`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ additional_ms: additionalMs }),
  });

const vault = (fragmentId: string) => env.FRAGMENT_VAULT.getByName(fragmentId);
const destroy = (fragmentIds: string[]) => Promise.all(fragmentIds.map((id) => vault(id).destroy()));

/** What a fragment's object holds: its tables (other than the runtime's own) and its alarm. */
const holdings = (fragmentId: string) =>
  runInDurableObject(vault(fragmentId), async (_, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
      .toArray()
      .map((r) => r.name),
    alarm: await state.storage.getAlarm(),
  }));

/** Every k-subset of 0..n-1. */
const subsets = (n: number, k: number): number[][] =>
  k === 0 ? [[]] : n < k ? [] : [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];

describe("temporal fragmentation: fragment", () => {
  it("spreads fragments across location hints and keeps no share in D1", async () => {
    const set = await fragment({ fragment_count: 5, redundancy: 2, distribution: "geographic" });
    expect(set.threshold).toBe(3);
    expect(set.fragments).toHaveLength(5);
    const locations = set.fragments.map((f) => f.location);
    expect(new Set(locations).size).toBe(5);
    for (const l of locations) expect(LOCATION_HINTS).toContain(l);
    for (const f of set.fragments) expect(f.expires_at).toBe(set.expires_at);
    const row = await env.DB.prepare("SELECT * FROM fragment_sets WHERE id = ?")
      .bind(set.parent_id)
      .first<Record<string, unknown>>();
    expect(row).toMatchObject({ tenant_id: tenantId, fragment_count: 5, threshold: 3, redundancy: 2, status: "active" });
    expect(Object.keys(row!).sort()).not.toContain("share");
    const held = await runInDurableObject(vault(set.fragments[0]!.fragment_id), (_, state) =>
      state.storage.sql.exec<{ idx: number; share: ArrayBuffer }>("SELECT idx, share FROM fragment").one(),
    );
    expect(held.idx).toBe(1);
    expect(held.share.byteLength).toBe(33);
  });

  it("local distribution reports 'local'; reconstructing returns the data, verified", async () => {
    const set = await fragment({ fragment_count: 3, distribution: "local" });
    expect(set.threshold).toBe(3);
    expect(set.fragments.map((f) => f.location)).toEqual(["local", "local", "local"]);
    const res = await reconstruct(set.parent_id, readOnly);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: SECRET, integrity: "verified", fragments_used: 3, tampered_fragments: [] });
  });

  it("round-trips a full mebibyte (stored as BLOBs in each object; the route takes a larger body)", async () => {
    const data = crypto.getRandomValues(new Uint8Array(64 * 1024));
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 16; i++) big.set(data, i * data.length);
    let text = "";
    for (let i = 0; i < big.length; i += 8192) text += String.fromCharCode(...big.subarray(i, i + 8192));
    const set = await fragment({ data: btoa(text), fragment_count: 5, redundancy: 2 });
    const body = (await (await reconstruct(set.parent_id)).json()) as { data: string };
    expect(body.data).toBe(btoa(text));
  });

  it("rejects bad input in the quantum error format", async () => {
    const cases: Record<string, unknown>[] = [
      { fragment_count: 1 },
      { fragment_count: 17 },
      { data: "not base64!" },
      { data: "YWJj" + "=" },
      { encryption: "AES-128-CBC" },
      { lifetime_ms: 99 },
      { fragment_count: 5, redundancy: 4 },
      { distribution: "orbital" },
    ];
    for (const body of cases) {
      const res = await postJson("/v3/fragmentation/fragment", { data: SECRET, lifetime_ms: 60_000, ...body }, write);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = (await res.json()) as QuantumError;
      expect(err.error.code).toBe("INVALID_REQUEST");
      expect(err.request_id).toMatch(/^req_/);
      expect(typeof err.timestamp).toBe("string");
    }
  });

  it("refuses data over the size cap with 413", async () => {
    const res = await postJson("/v3/fragmentation/fragment", { data: "A".repeat(1_450_000), lifetime_ms: 60_000 }, write);
    expect(res.status).toBe(413);
    expect(((await res.json()) as QuantumError).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("documents its three operations, with 410 where a set can have expired", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths["/v3/fragmentation/fragment"]!)).toEqual(["post"]);
    expect(doc.paths["/v3/fragmentation/reconstruct"]!.post!.responses).toHaveProperty("410");
    expect(doc.paths["/v3/fragmentation/fragments/{parent_id}/lifetime"]!.patch!.responses).toHaveProperty("410");
  });

  it("needs quantum:write to fragment; quantum:read may reconstruct", async () => {
    const res = await postJson("/v3/fragmentation/fragment", { data: SECRET, lifetime_ms: 60_000 }, readOnly);
    expect(res.status).toBe(403);
    expect(((await res.json()) as QuantumError).error.details).toMatchObject({ required: "quantum:write" });
  });

  it("another tenant's set is not found", async () => {
    const set = await fragment({ fragment_count: 2 });
    const res = await reconstruct(set.parent_id, otherTenant);
    expect(res.status).toBe(404);
    expect(((await res.json()) as QuantumError).error.code).toBe("NOT_FOUND");
    expect((await extend(set.parent_id, 1000, otherTenant)).status).toBe(404);
  });
});

describe("temporal fragmentation: reconstruct", () => {
  it("any 3 of 5 fragments reconstruct", async () => {
    for (const keep of subsets(5, 3)) {
      const set = await fragment({ fragment_count: 5, redundancy: 2, distribution: "local" });
      await destroy(set.fragments.filter((_, i) => !keep.includes(i)).map((f) => f.fragment_id));
      const res = await reconstruct(set.parent_id);
      expect(res.status, `kept ${keep}`).toBe(200);
      expect(((await res.json()) as { data: string }).data).toBe(SECRET);
    }
  });

  it("2 of 5 (one short of the threshold) is a 409 that says how many are missing", async () => {
    const set = await fragment({ fragment_count: 5, redundancy: 2 });
    const gone = set.fragments.slice(1, 4).map((f) => f.fragment_id);
    await destroy(gone);
    const res = await reconstruct(set.parent_id);
    expect(res.status).toBe(409);
    const err = (await res.json()) as QuantumError;
    expect(err.error.code).toBe("CONFLICT");
    expect(err.error.details).toMatchObject({ threshold: 3, available: 2, needed: 1, missing: 3, tampered: [] });
    expect(err.error.details.missing_fragments).toEqual(gone);
  });
});

type Row = { idx: number; share: ArrayBuffer; mac: ArrayBuffer; digest: ArrayBuffer };
const readRow = (fragmentId: string) =>
  runInDurableObject(vault(fragmentId), (_, state) =>
    state.storage.sql.exec<Row>("SELECT idx, share, mac, digest FROM fragment").one(),
  );
const writeRow = (fragmentId: string, row: Row) =>
  runInDurableObject(vault(fragmentId), (_, state) => {
    state.storage.sql.exec(
      "UPDATE fragment SET idx = ?, share = ?, mac = ?, digest = ?",
      row.idx,
      row.share,
      row.mac,
      row.digest,
    );
  });

describe("temporal fragmentation: tampering", () => {
  it("shares swapped between slots are named and left out; the rest still reconstruct", async () => {
    const set = await fragment({ fragment_count: 5, redundancy: 2 });
    const [a, b] = set.fragments.map((f) => f.fragment_id) as [string, string];
    const [rowA, rowB] = await Promise.all([readRow(a), readRow(b)]);
    await Promise.all([writeRow(a, rowB), writeRow(b, rowA)]);
    const res = await reconstruct(set.parent_id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: SECRET, integrity: "verified", tampered_fragments: [a, b] });
  });

  it("a share from another set is named; with too few left it is a 409 that names it", async () => {
    const [victim, donor] = await Promise.all([fragment({ fragment_count: 3 }), fragment({ fragment_count: 3 })]);
    const target = victim.fragments[2]!.fragment_id;
    await writeRow(target, await readRow(donor.fragments[2]!.fragment_id));
    const res = await reconstruct(victim.parent_id);
    expect(res.status).toBe(409);
    expect(((await res.json()) as QuantumError).error.details).toMatchObject({ tampered: [target], available: 2, needed: 1 });
  });

  it("a flipped bit in a share, or in one ciphertext copy, is named", async () => {
    const set = await fragment({ fragment_count: 4, redundancy: 1 });
    const [first, second] = set.fragments.map((f) => f.fragment_id) as [string, string];
    const row = await readRow(second);
    const share = new Uint8Array(row.share);
    share[0]! ^= 1;
    await writeRow(second, { ...row, share: share.buffer });
    await runInDurableObject(vault(first), (_, state) => {
      state.storage.sql.exec("UPDATE fragment SET ciphertext = substr(ciphertext, 2) || x'00'");
    });
    const res = await reconstruct(set.parent_id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: SECRET, tampered_fragments: [second, first] });
  });
});

describe("temporal fragmentation: expiry and lifetime", () => {
  it("after expiry: 410, the objects hold nothing, and one fragmentation.expired event", async () => {
    const set = await fragment({ fragment_count: 4, redundancy: 1, lifetime_ms: 100 });
    await new Promise((r) => setTimeout(r, 150));
    // The alarms may already have run on their own; running them again finds nothing to do.
    for (const f of set.fragments) await runDurableObjectAlarm(vault(f.fragment_id));
    await eventually(async () => {
      const row = await env.DB.prepare("SELECT status FROM fragment_sets WHERE id = ?")
        .bind(set.parent_id)
        .first<{ status: string }>();
      return row?.status === "expired";
    });
    const res = await reconstruct(set.parent_id);
    expect(res.status).toBe(410);
    const err = (await res.json()) as QuantumError;
    expect(err.error.code).toBe("GONE");
    expect(err.error.details).toMatchObject({ parent_id: set.parent_id });
    for (const f of set.fragments) expect(await holdings(f.fragment_id)).toEqual({ tables: [], alarm: null });
    const events = await env.DB.prepare(
      "SELECT source, severity, details FROM security_events WHERE tenant_id = ? AND type = 'fragmentation.expired' AND json_extract(details, '$.parent_id') = ?",
    )
      .bind(tenantId, set.parent_id)
      .all<{ source: string; severity: string }>();
    expect(events.results).toHaveLength(1);
    expect(events.results[0]).toMatchObject({ source: "quantum", severity: "low" });
    const late = await extend(set.parent_id, 60_000);
    expect(late.status).toBe(410);
    expect(((await late.json()) as QuantumError).error.code).toBe("GONE");
  });

  it("a lifetime extension before expiry moves every live fragment, its alarm and the set", async () => {
    const set = await fragment({ fragment_count: 3, redundancy: 1, lifetime_ms: 1500 });
    const [lost, ...kept] = set.fragments.map((f) => f.fragment_id) as [string, ...string[]];
    await destroy([lost]);
    const res = await extend(set.parent_id, 60_000);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { expires_at: string; fragments: { fragment_id: string }[]; missing_fragments: string[] };
    const expiresAt = Date.parse(body.expires_at);
    expect(expiresAt).toBe(Date.parse(set.expires_at) + 60_000);
    expect(body.fragments.map((f) => f.fragment_id)).toEqual(kept);
    expect(body.missing_fragments).toEqual([lost]);
    const row = await env.DB.prepare("SELECT expires_at FROM fragment_sets WHERE id = ?")
      .bind(set.parent_id)
      .first<{ expires_at: number }>();
    expect(row?.expires_at).toBe(expiresAt);
    for (const id of kept) expect((await holdings(id)).alarm).toBe(expiresAt);
    // Past the original lifetime, and with an alarm forced early, the fragments are still there.
    await new Promise((r) => setTimeout(r, 1600));
    for (const id of kept) await runDurableObjectAlarm(vault(id));
    const rebuilt = await reconstruct(set.parent_id);
    expect(rebuilt.status).toBe(200);
    expect(((await rebuilt.json()) as { data: string }).data).toBe(SECRET);
  });

  it("an extension past the 30-day ceiling is refused", async () => {
    const set = await fragment({ fragment_count: 2 });
    expect((await extend(set.parent_id, 30 * 86_400_000)).status).toBe(400);
  });
});
