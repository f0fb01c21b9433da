import { describe, expect, it } from "vitest";
import { buildApp } from "../functions/app";
import { call } from "./helpers";

type Operation = { operationId?: string; responses?: Record<string, unknown>; security?: unknown[] };
type Document = { openapi: string; info: { title: string }; paths: Record<string, Record<string, Operation>> };

/** Routes that serve the documentation itself rather than the API. */
const DOC_ROUTES = new Set(["/openapi.json", "/docs", "/redoc"]);

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with an operationId, security and responses on every operation", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Document;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Vigil");
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).toBeTruthy();
        expect(ids.has(op.operationId!), `duplicate ${op.operationId}`).toBe(false);
        ids.add(op.operationId!);
        expect(Array.isArray(op.security), `${method} ${path} declares security`).toBe(true);
        expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
      }
    }
  });

  it("lists exactly the routes the app serves", async () => {
    const doc = (await (await call("/openapi.json")).json()) as Document;
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const served = buildApp()
      .routes.filter((r) => r.method !== "ALL" && !DOC_ROUTES.has(r.path))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect([...new Set(served)].sort()).toEqual(documented);
  });

  it("serves Swagger UI and ReDoc pages that load the document", async () => {
    for (const path of ["/docs", "/redoc"]) {
      const res = await call(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toContain("text/html");
      expect(await res.text()).toContain("/openapi.json");
    }
  });
});
