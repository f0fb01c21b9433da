import { beforeAll, describe, expect, it } from "vitest";
import { createMachine, machineKey, ownerCookie } from "./av-helpers";
import { awayFromWindowBoundary, call, createTenant, createUser, postJson, randomIp } from "./helpers";

let tenantId: string;

beforeAll(async () => {
  tenantId = await createTenant("av-limits");
  const owner = await createUser(tenantId, "lee@limits.test", "analyst");
  await ownerCookie(owner);
  await createMachine(tenantId, "limits-one", owner.id, "public");
  await createMachine(tenantId, "limits-two", owner.id, "public");
});

describe("agent-claims rate limits", () => {
  it("claims: 600 a minute per key, sliding; every attempt counts, then 429 in the family's envelope", async () => {
    await awayFromWindowBoundary();
    const [one, two] = [await machineKey(tenantId, "limits-one"), await machineKey(tenantId, "limits-two")];
    // Malformed bodies are refused after the limiter has counted them, so they are cheap attempts.
    for (let i = 1; i <= 600; i++) {
      const res = await postJson("/api/av/claim", { claim_type: 7 }, one);
      expect(res.status).toBe(400);
      if (i === 1 || i === 600) {
        expect(res.headers.get("X-RateLimit-Limit")).toBe("600");
        expect(res.headers.get("X-RateLimit-Remaining")).toBe(String(600 - i));
        expect(res.headers.get("RateLimit-Policy")).toBe('"av-claim";q=600;w=60');
      }
    }
    const limited = await postJson("/api/av/claim", { claim_type: 7 }, one);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ ok: false, error: "rate_limited" });
    // Another machine's key has its own window.
    const other = await postJson("/api/av/claim", { claim_type: 7 }, two);
    expect(other.status).toBe(400);
    expect(other.headers.get("X-RateLimit-Remaining")).toBe("599");
  });

  it("reads: 120 a minute per caller across threats, devices' public reads and the mesh feed, then 429", async () => {
    await awayFromWindowBoundary();
    const ip = { "CF-Connecting-IP": randomIp() };
    const paths = ["/api/av/threats?slug=limits-one", "/api/av/mesh-feed?slug=limits-one"];
    for (let i = 0; i < 120; i++) expect((await call(paths[i % 2]!, { headers: ip })).status).toBe(200);
    const limited = await call(paths[0]!, { headers: ip });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ ok: false, error: "rate_limited" });
    expect((await call(paths[0]!, { headers: { "CF-Connecting-IP": randomIp() } })).status).toBe(200);
  });
});
