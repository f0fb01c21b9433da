import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { analyse, type AnalysisInput } from "../functions/incidents/analysis/analyse";
import { extractEvidence } from "../functions/incidents/analysis/extract";
import { parseIndicatorCsv } from "../functions/incidents/analysis/indicators-csv";
import { parseStixBundle } from "../functions/incidents/analysis/indicators-stix";
import type { IntelFacts } from "../functions/incidents/analysis/intel";
import { canonicalIp, contains, ipsInText, parseCidr, parseIp } from "../functions/platform/ip";
import { completeAnalysis, failAnalysis } from "../functions/incidents/analysis/job";
import { matchTechniques } from "../functions/incidents/analysis/mitre";
import { database } from "../functions/platform/db";
import { parseParameters } from "../functions/incidents/remediation/catalog";
import { call, createApiKey, createTenant, eventually, postJson, userHeaders } from "./helpers";

type Ok<T> = { success: true; data: T; meta: { request_id: string } };
type Failure = { success: false; error: { code: string; message: string; details: Record<string, unknown> } };
type Recommendation = { action: string; priority: string; reasoning: string; parameters: Record<string, unknown> };
type Results = {
  root_cause: string;
  confidence: number;
  impact_assessment: string;
  recommendations?: Recommendation[];
  threat_intelligence: {
    ip_reputation: string;
    known_campaigns: string[];
    first_seen: string | null;
    related_incidents: string[];
    blocklisted: string[];
    ip_details?: { ip: string; reputation: string }[];
  };
  mitre_attack: { tactic: string; technique_id: string; technique: string; evidence: string }[];
  evidence: { log_count: number; ip_addresses: string[]; user_accounts: string[] };
  confidence_factors: { factor: string; weight: number }[];
};
type Analysis = { id: string; incident_id: string; status: string; results: Results | null; completed_at: string | null };
type Incident = {
  id: string;
  incident_id: string;
  analysis: Record<string, unknown> | null;
  timeline: { event: string; agent: string; details: string }[];
};

let tenantId: string;
let analyst: Record<string, string>;
let viewer: Record<string, string>;

beforeAll(async () => {
  tenantId = await createTenant("analysis");
  analyst = await userHeaders(tenantId, "ana@analysis.test", "analyst");
  viewer = await userHeaders(tenantId, "vic@analysis.test", "viewer");
});

const today = () => new Date().toISOString().slice(0, 10);

async function openIncident(body: Record<string, unknown>, headers = analyst): Promise<Incident> {
  const res = await postJson("/api/v1/incidents", body, headers);
  expect(res.status).toBe(201);
  return ((await res.json()) as Ok<{ incident: Incident }>).data.incident;
}

async function getIncident(id: string): Promise<Incident> {
  return ((await (await call(`/api/v1/incidents/${id}`, { headers: analyst })).json()) as Ok<{ incident: Incident }>).data
    .incident;
}

/** Requests an analysis and waits until the queued job has finished it. */
async function analyseIncident(body: Record<string, unknown>, headers = analyst): Promise<Analysis> {
  const res = await postJson("/api/v1/analysis/analyze", body, headers);
  expect(res.status, await res.clone().text()).toBe(202);
  const started = ((await res.json()) as Ok<{ analysis_id: string; status: string; estimated_completion: string }>).data;
  expect(started.status).toBe("in_progress");
  expect(started.analysis_id).toMatch(/^ana_[0-9a-f]{32}$/);
  expect(Date.parse(started.estimated_completion)).toBeGreaterThan(Date.now());
  let analysis: Analysis | undefined;
  await eventually(async () => {
    const got = await call(`/api/v1/analysis/${started.analysis_id}`, { headers });
    analysis = ((await got.json()) as Ok<{ analysis: Analysis }>).data.analysis;
    return analysis.status !== "in_progress";
  });
  expect(analysis!.status).toBe("completed");
  return analysis!;
}

async function importCsv(csv: string, headers = analyst) {
  return call("/api/v1/threat-intel/indicators", {
    method: "POST",
    headers: { ...headers, "Content-Type": "text/csv" },
    body: csv,
  });
}

describe("analysis building blocks", () => {
  it("parses, canonicalises and contains IPv4 and IPv6 addresses", () => {
    expect(canonicalIp("2001:0DB8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
    expect(canonicalIp("2001:db8:0:1:0:0:0:1")).toBe("2001:db8:0:1::1");
    // An IPv4-mapped address is the IPv4 address it carries, so blocks and indicators on it apply.
    expect(canonicalIp("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(contains(parseCidr("192.0.2.0/24")!, parseIp("[::ffff:192.0.2.9]")!)).toBe(true);
    expect(canonicalIp("010.0.0.1")).toBeNull();
    expect(canonicalIp("256.1.1.1")).toBeNull();
    expect(canonicalIp("1::2::3")).toBeNull();
    const net = parseCidr("198.51.100.77/24")!;
    expect(contains(net, parseIp("198.51.100.200")!)).toBe(true);
    expect(contains(net, parseIp("198.51.101.1")!)).toBe(false);
    expect(contains(parseCidr("2001:db8::/32")!, parseIp("2001:db8:ffff::9")!)).toBe(true);
    expect(ipsInText("Failed password for root from 203.0.113.9 port 22 ssh2; via [2001:db8::7]:22 at 10:08:00")).toEqual([
      "203.0.113.9",
      "2001:db8::7",
    ]);
    expect(ipsInText("version 1.2.3.4.5 and 203.0.113.90")).toEqual(["203.0.113.90"]);
  });

  it("maps evidence to MITRE techniques: brute force, credential stuffing, a successful login, persistence", () => {
    const incident = { type: "ssh_alert", description: null, affectedResources: [], metadata: {} };
    const failed = ["root", "admin", "oracle", "test"].map((u) => ({
      message: `Failed password for ${u} from 203.0.113.5 port 22`,
    }));
    const stuffing = matchTechniques(extractEvidence(incident, failed)).map((m) => m.technique.id);
    expect(stuffing).toEqual(expect.arrayContaining(["T1110", "T1110.004"]));
    const single = matchTechniques(extractEvidence(incident, failed.slice(0, 1))).map((m) => m.technique.id);
    expect(single).toEqual(["T1110"]);
    const breached = extractEvidence(incident, [
      ...failed.slice(0, 2),
      { message: "Accepted password for admin from 203.0.113.5 port 22" },
      { message: "useradd[812]: new user: name=backd00r, UID=1001" },
    ]);
    const ids = matchTechniques(breached).map((m) => m.technique.id);
    expect(ids).toEqual(expect.arrayContaining(["T1110", "T1078", "T1136"]));
    expect(breached.createdAccounts).toEqual(["backd00r"]);
    // Accepted logins alone are ordinary: T1078 needs the failures before them.
    expect(matchTechniques(extractEvidence(incident, [{ message: "Accepted password for bob from 192.0.2.1" }]))).toEqual([]);
  });

  it("computes confidence from the evidence and recommends catalog actions with ready parameters", () => {
    const metadata = { node_id: "node-7", machine: "web-7", device_id: "dev-7", api_key_id: "key_7" };
    const incident = { type: "host_alert", description: "PowerShell spawned by Word", affectedResources: [], metadata };
    const records = [{ message: "powershell -EncodedCommand AAAA", src_ip: "192.0.2.50", user: "alice" }];
    const evidence = { ...extractEvidence(incident, records), logCount: 1, logSource: "ip_search" as const };
    const none: IntelFacts = { indicators: [], blocklisted: [], related: [], firstSeen: {} };
    const input: AnalysisInput = {
      incident: { number: "INC-2026-900", type: incident.type, severity: "HIGH", affectedResources: [] },
      evidence: { ...evidence, logsTruncated: false, firstLogAt: 1, lastLogAt: 1 },
      facts: none,
      analysisType: "full",
      includeRecommendations: true,
      urgency: "medium",
    };
    const plain = analyse(input);
    expect(plain.mitre_attack.map((m) => m.technique_id)).toContain("T1059.001");
    expect(plain.impact_assessment).toMatch(/^Critical - /);
    const actions = Object.fromEntries(plain.recommendations!.map((r) => [r.action, r]));
    expect(actions.isolate_node!.parameters).toEqual({ node_id: "node-7" });
    expect(actions.quarantine_device!.parameters).toEqual({ machine: "web-7", device_id: "dev-7" });
    expect(actions.block_ip!.parameters).toMatchObject({ ip_addresses: ["192.0.2.50"] });
    expect(actions.revoke_api_key!.parameters).toEqual({ key_id: "key_7" });
    // "Ready parameters": each recommendation is accepted as is by the catalog execute validates against.
    for (const r of plain.recommendations!) expect(() => parseParameters(r.action, r.parameters), r.action).not.toThrow();
    const malicious: IntelFacts = {
      ...none,
      indicators: [
        { kind: "cidr", value: "192.0.2.0/24", reputation: "malicious", campaigns: ["Op-X"], matches: ["192.0.2.50"] },
      ],
    };
    const known = analyse({ ...input, facts: malicious });
    expect(known.confidence).toBeGreaterThan(plain.confidence);
    expect(known.confidence).toBeLessThan(1);
    expect(known.confidence_factors.map((f) => f.factor)).toContain("threat_intelligence");
    expect(known.root_cause).toMatch(/Op-X/);
    expect(known.recommendations!.find((r) => r.action === "block_ip")!.priority).toBe("CRITICAL");
    expect(analyse({ ...input, includeRecommendations: false })).not.toHaveProperty("recommendations");
  });

  it("reads CSV and STIX indicators, and refuses what it cannot read, naming it", () => {
    const csv = parseIndicatorCsv(
      'type,value,campaign\nip,203.0.113.1,"Botnet-X;Op ""Quotes"""\ncidr,2001:DB8::/32,\ndomain,Evil.Example.,',
    );
    expect(csv.map((i) => [i.kind, i.value, i.campaigns])).toEqual([
      ["ip", "203.0.113.1", ["Botnet-X", 'Op "Quotes"']],
      ["cidr", "2001:db8::/32", []],
      ["domain", "evil.example", []],
    ]);
    expect(() => parseIndicatorCsv("type,value\nip,203.0.113.1\nip,999.1.1.1")).toThrow(/Line 3/);
    expect(() => parseIndicatorCsv("type,value,colour\nip,203.0.113.1,red")).toThrow(/unknown column/);
    const pattern = (p: string) => ({ type: "bundle", objects: [{ type: "indicator", id: "indicator--1", pattern: p }] });
    const ok = parseStixBundle(
      pattern("[ipv4-addr:value = '10.0.0.0/8' OR ipv6-addr:value = '2001:db8::1'] OR [domain-name:value = 'a.example']"),
    );
    expect(ok.map((i) => `${i.kind}:${i.value}`)).toEqual(["cidr:10.0.0.0/8", "ip:2001:db8::1", "domain:a.example"]);
    expect(() => parseStixBundle(pattern("[ipv4-addr:value = '1.2.3.4' AND ipv4-addr:value = '1.2.3.5']"))).toThrow(/AND/);
    expect(() => parseStixBundle(pattern("[file:hashes.MD5 = 'abc']"))).toThrow(/file:hashes/);
    expect(() => parseStixBundle(pattern("[ipv4-addr:value = '1.2.3.4'] WITHIN 300 SECONDS"))).toThrow(/WITHIN/);
  });
});

describe("POST /api/v1/analysis/analyze on a rule-opened incident", () => {
  it("finds brute force in the matched logs, recommends blocking, and grows more confident with a malicious indicator", async () => {
    const ip = "203.0.113.51";
    const rule = {
      name: "SSH brute force",
      type: "detection",
      severity: "MEDIUM",
      enabled: true,
      conditions: {
        query: "SELECT * FROM logs WHERE jsonPayload.message LIKE '%Failed password%'",
        time_window: 300,
        thresholds: [{ metric: "event_count", operator: ">=", value: 3 }],
        group_by: "src_ip",
      },
      actions: {},
    };
    expect((await postJson("/api/v1/rules", rule, analyst)).status).toBe(201);
    const failed = (user: string) => ({ message: `Failed password for ${user} from ${ip} port 22 ssh2`, src_ip: ip });
    expect(
      (await postJson("/api/v1/logs", [failed("root"), failed("root"), failed("root"), failed("root")], analyst)).status,
    ).toBe(202);
    let incident: { id: string; incident_id: string } | undefined;
    await eventually(async () => {
      const list = (await (await call("/api/v1/incidents?type=ssh_brute_force", { headers: analyst })).json()) as Ok<{
        incidents: { id: string; incident_id: string }[];
      }>;
      incident = list.data.incidents[0];
      return !!incident;
    });

    const first = await analyseIncident({ incident_id: incident!.incident_id, analysis_type: "root_cause", urgency: "high" });
    expect(first.incident_id).toBe(incident!.id);
    const r = first.results!;
    expect(r.mitre_attack).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ technique_id: "T1110", tactic: "Credential Access", technique: "Brute Force" }),
      ]),
    );
    expect(r.mitre_attack[0]!.evidence).toMatch(/4 of 4 log\(s\) match "failed password"/);
    expect(r.root_cause).toMatch(/brute-force/i);
    expect(r.root_cause).toContain(ip);
    expect(r.evidence).toMatchObject({ log_count: 4, ip_addresses: [ip], user_accounts: ["root"] });
    expect(r.confidence).toBeGreaterThan(0);
    expect(r.confidence).toBeLessThan(1);
    expect(r.impact_assessment).toMatch(/^Medium - Single user account targeted/);
    const block = r.recommendations!.find((x) => x.action === "block_ip")!;
    expect(block.parameters).toMatchObject({ ip_addresses: [ip] });
    expect(["CRITICAL", "HIGH"]).toContain(block.priority);
    expect(r.recommendations!.find((x) => x.action === "force_password_reset")!.parameters).toEqual({ username: "root" });
    expect(r.threat_intelligence).toMatchObject({ ip_reputation: "unknown", known_campaigns: [], first_seen: today() });

    const imported = await importCsv(`type,value,reputation,campaign\nip,${ip},malicious,Botnet-X\n`);
    expect(imported.status).toBe(200);
    expect(((await imported.json()) as Ok<{ imported: number }>).data.imported).toBe(1);
    const second = await analyseIncident({ incident_id: incident!.id });
    const r2 = second.results!;
    expect(r2.confidence).toBeGreaterThan(r.confidence);
    expect(r2.confidence).toBeLessThan(1);
    expect(r2.threat_intelligence).toMatchObject({ ip_reputation: "malicious", known_campaigns: ["Botnet-X"] });
    expect(r2.root_cause).toContain("Botnet-X");
    expect(r2.recommendations!.find((x) => x.action === "block_ip")!.priority).toBe("CRITICAL");

    const after = await getIncident(incident!.id);
    expect(after.analysis).toMatchObject({ analysis_id: second.id, root_cause: r2.root_cause, confidence: r2.confidence });
    expect((after.analysis!.recommendations as string[]).some((s) => s.startsWith("Block source IP addresses"))).toBe(true);
    const events = after.timeline.filter((t) => t.event.startsWith("Analysis")).map((t) => [t.event, t.agent]);
    expect(events).toEqual([
      ["Analysis started", "analysis-agent"],
      ["Analysis completed", "analysis-agent"],
      ["Analysis started", "analysis-agent"],
      ["Analysis completed", "analysis-agent"],
    ]);
    expect(after.timeline.find((t) => t.event === "Analysis started")!.details).toMatch(/requested by user:usr_/);

    const { results } = await env.DB.prepare(
      "SELECT id, severity, details FROM security_events WHERE tenant_id = ? AND type = 'analysis.completed' AND system = ?",
    )
      .bind(tenantId, incident!.incident_id)
      .all<{ id: string; severity: string; details: string }>();
    expect(results.map((e) => e.id).sort()).toEqual([`evt_${first.id}`, `evt_${second.id}`].sort());
    expect(JSON.parse(results[0]!.details).analysis.status).toBe("completed");
  });
});

describe("POST /api/v1/analysis/analyze on external incidents", () => {
  it("matches STIX networks and campaigns, and details each address in a threat assessment", async () => {
    const bundle = {
      type: "bundle",
      id: "bundle--1",
      objects: [
        {
          type: "indicator",
          id: "indicator--net",
          pattern: "[ipv4-addr:value = '198.51.100.0/24'] OR [domain-name:value = 'evil.example']",
          pattern_type: "stix",
          indicator_types: ["malicious-activity"],
          valid_from: "2026-01-01T00:00:00Z",
        },
        { type: "campaign", id: "campaign--x", name: "Botnet-Y" },
        { type: "relationship", relationship_type: "indicates", source_ref: "indicator--net", target_ref: "campaign--x" },
      ],
    };
    const res = await call("/api/v1/threat-intel/indicators", {
      method: "POST",
      headers: { ...analyst, "Content-Type": "application/stix+json" },
      body: JSON.stringify(bundle),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as Ok<{ imported: number; updated: number }>).data).toEqual({ imported: 2, updated: 0 });
    const i = await openIncident({
      type: "credential_stuffing",
      severity: "MEDIUM",
      description: "Credential stuffing against the login page",
      metadata: { ip_addresses: ["198.51.100.23"], user_accounts: ["user@example.com"], domains: ["cdn.evil.example"] },
    });
    const a = await analyseIncident({ incident_id: i.id, analysis_type: "threat_assessment", urgency: "critical" });
    const r = a.results!;
    expect(r.mitre_attack.map((m) => m.technique_id)).toEqual(expect.arrayContaining(["T1110", "T1110.004"]));
    expect(r.root_cause).toMatch(/credential stuffing/i);
    expect(r.threat_intelligence).toMatchObject({ ip_reputation: "malicious", known_campaigns: ["Botnet-Y"] });
    expect(r.threat_intelligence.ip_details).toEqual([expect.objectContaining({ ip: "198.51.100.23", reputation: "malicious" })]);
    expect(r.recommendations!.map((x) => x.action)).toEqual(["block_ip", "force_password_reset"]);
    expect(r.recommendations![1]!.parameters).toEqual({ username: "user@example.com" });
  });

  it("treats an address named by two earlier incidents as suspicious, listing them as related", async () => {
    const ip = "192.0.2.77";
    const earlier = [await openIncident({ type: "scan", severity: "LOW", affected_resources: [ip] })];
    earlier.push(await openIncident({ type: "scan", severity: "LOW", metadata: { ip_addresses: [ip] } }));
    await openIncident({ type: "scan", severity: "LOW", metadata: { ip_addresses: ["192.0.2.7"] } });
    const i = await openIncident({ type: "port_scan", severity: "LOW", description: `nmap scan from ${ip}` });
    const r = (await analyseIncident({ incident_id: i.id, include_recommendations: false })).results!;
    expect(r.threat_intelligence.ip_reputation).toBe("suspicious");
    expect(r.threat_intelligence.related_incidents.sort()).toEqual(earlier.map((e) => e.incident_id).sort());
    expect(r.threat_intelligence.first_seen).toBe(today());
    expect(r.mitre_attack.map((m) => m.technique_id)).toEqual(["T1046"]);
    expect(r).not.toHaveProperty("recommendations");
    expect((await getIncident(i.id)).analysis).toMatchObject({ recommendations: [] });
  });

  it("completes an analysis once however often its job runs, and a failure keeps no results", async () => {
    const i = await openIncident({ type: "custom_alert", severity: "LOW" });
    const a = await analyseIncident({ incident_id: i.id });
    const db = database(env.DB);
    const row = (await db.query.analyses.findFirst({ where: (t, { eq }) => eq(t.id, a.id) }))!;
    expect(await completeAnalysis(db, row, a.results as never)).toBe(false);
    expect(await failAnalysis(db, row, "late failure")).toBe(false);
    const completed = (await getIncident(i.id)).timeline.filter((t) => t.event === "Analysis completed");
    expect(completed).toHaveLength(1);
    expect(a.results!.root_cause).toMatch(/^Undetermined/);

    const pending = { ...row, id: "ana_ffffffffffffffffffffffffffffffff", status: "in_progress" as const, results: null };
    await db.insert((await import("../schema")).analyses).values(pending);
    expect(await failAnalysis(db, pending, "boom")).toBe(true);
    const failed = await call(`/api/v1/analysis/${pending.id}`, { headers: viewer });
    expect(((await failed.json()) as Ok<{ analysis: Analysis & { error: string } }>).data.analysis).toMatchObject({
      status: "failed",
      results: null,
      error: "boom",
    });
    expect((await getIncident(i.id)).timeline.map((t) => t.event)).toContain("Analysis failed");
  });
});

describe("threat indicator management", () => {
  it("merges re-imported indicators, lists them by kind and value, and deletes one", async () => {
    const t = await createTenant("analysis-intel");
    const h = await userHeaders(t, "intel@analysis.test", "analyst");
    const first = await importCsv("type,value,campaign,first_seen\nip,2001:DB8::0:5,Alpha,2026-02-01\ndomain,bad.example,\n", h);
    const firstBody = (await first.json()) as Ok<unknown>;
    expect(firstBody.data, JSON.stringify(firstBody)).toEqual({ imported: 2, updated: 0 });
    const again = await importCsv("value,type,campaign,first_seen\n2001:db8::5,ip,Beta,2026-03-01\n", h);
    expect(((await again.json()) as Ok<unknown>).data).toEqual({ imported: 0, updated: 1 });
    const list = async (q: string) =>
      (
        (await (await call(`/api/v1/threat-intel/indicators?${q}`, { headers: h })).json()) as Ok<{
          indicators: { kind: string; value: string; campaigns: string[]; first_seen: string; source: string }[];
          pagination: { total: number };
        }>
      ).data;
    const [ip] = (await list("value=2001:0db8:0:0::5")).indicators;
    expect(ip).toMatchObject({ kind: "ip", value: "2001:db8::5", source: "csv", first_seen: "2026-02-01T00:00:00.000Z" });
    expect(ip!.campaigns.sort()).toEqual(["Alpha", "Beta"]);
    expect((await list("kind=domain")).indicators.map((x) => x.value)).toEqual(["bad.example"]);
    expect((await list("")).pagination.total).toBe(2);
    const del = (q: string) => call(`/api/v1/threat-intel/indicators?${q}`, { method: "DELETE", headers: h });
    expect((await del("kind=domain&value=BAD.example")).status).toBe(200);
    expect((await del("kind=domain&value=bad.example")).status).toBe(404);
    expect((await list("")).pagination.total).toBe(1);
  });

  it("refuses malformed imports in the envelope, naming the line or pattern", async () => {
    const stix = (body: string, type = "application/stix+json") =>
      call("/api/v1/threat-intel/indicators", { method: "POST", headers: { ...analyst, "Content-Type": type }, body });
    const bad = (pattern: string) =>
      JSON.stringify({ type: "bundle", objects: [{ type: "indicator", id: "indicator--bad", pattern, pattern_type: "stix" }] });
    const cases: [Promise<Response>, number, string, RegExp][] = [
      [importCsv("type,value\nip,203.0.113.1\nip,not-an-ip\n"), 400, "INVALID_REQUEST", /Line 3/],
      [importCsv('type,value\nip,"203.0.113.1\n'), 400, "INVALID_REQUEST", /Line 2.*unterminated/],
      [importCsv("value\n203.0.113.1\n"), 400, "INVALID_REQUEST", /type/],
      [
        stix(bad("[ipv4-addr:value = '1.2.3.4' AND ipv4-addr:value = '1.2.3.5']")),
        400,
        "INVALID_REQUEST",
        /unsupported STIX pattern/,
      ],
      [stix(bad("[url:value = 'http://x']")), 400, "INVALID_REQUEST", /url:value/],
      [stix("{not json", "application/json"), 400, "INVALID_REQUEST", /JSON/],
      [stix(JSON.stringify({ type: "indicator" })), 400, "INVALID_REQUEST", /bundle/],
      [stix("type,value", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE", /text\/csv/],
      [importCsv("type,value\nip,203.0.113.1\n", viewer), 403, "FORBIDDEN", /write/],
    ];
    for (const [pending, status, code, message] of cases) {
      const res = await pending;
      const body = (await res.json()) as Failure;
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(body).toMatchObject({ success: false, error: { code } });
      expect(body.error.message).toMatch(message);
    }
    const listed = (await (await call("/api/v1/threat-intel/indicators?value=not-an-ip", { headers: viewer })).json()) as Failure;
    expect(listed.error.code).toBe("INVALID_REQUEST");
  });
});

describe("analysis access", () => {
  it("answers 404 for unknown or other tenants' incidents and analyses, 403 without write, 400 for bad input", async () => {
    const mine = await openIncident({ type: "custom_alert", severity: "LOW" });
    const analysis = await analyseIncident({ incident_id: mine.id });
    const stranger = await userHeaders(await createTenant("analysis-other"), "str@other.test", "admin");
    const readKey = await createApiKey(tenantId, { name: "reader", scopes: ["read"] });
    const cases: [Promise<Response>, number, string][] = [
      [postJson("/api/v1/analysis/analyze", { incident_id: mine.id }, stranger), 404, "NOT_FOUND"],
      [postJson("/api/v1/analysis/analyze", { incident_id: "inc_00000000000000000000000000000000" }, analyst), 404, "NOT_FOUND"],
      [postJson("/api/v1/analysis/analyze", { incident_id: "INC-1999-001" }, analyst), 404, "NOT_FOUND"],
      [call(`/api/v1/analysis/${analysis.id}`, { headers: stranger }), 404, "NOT_FOUND"],
      [call("/api/v1/analysis/ana_00000000000000000000000000000000", { headers: analyst }), 404, "NOT_FOUND"],
      [postJson("/api/v1/analysis/analyze", { incident_id: mine.id }, { "X-API-Key": readKey.key }), 403, "FORBIDDEN"],
      [postJson("/api/v1/analysis/analyze", { incident_id: mine.id }, viewer), 403, "FORBIDDEN"],
      [
        postJson("/api/v1/analysis/analyze", { incident_id: mine.id, analysis_type: "astrology" }, analyst),
        400,
        "INVALID_REQUEST",
      ],
      [postJson("/api/v1/analysis/analyze", { incident_id: mine.id, urgency: "whenever" }, analyst), 400, "INVALID_REQUEST"],
      [postJson("/api/v1/analysis/analyze", {}, analyst), 400, "INVALID_REQUEST"],
      [call("/api/v1/analysis/analyze", { method: "POST", headers: analyst, body: "x" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      [call(`/api/v1/analysis/${analysis.id}`), 401, "UNAUTHORIZED"],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      expect(res.status, code).toBe(status);
      expect(await res.json()).toMatchObject({ success: false, error: { code } });
    }
    const readable = await call(`/api/v1/analysis/${analysis.id}`, { headers: { "X-API-Key": readKey.key } });
    expect(readable.status).toBe(200);
  });
});
