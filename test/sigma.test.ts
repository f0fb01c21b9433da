import { beforeAll, describe, expect, it } from "vitest";
import { call, createTenant, postJson, userHeaders } from "./helpers";

type Ok<T> = { success: true; data: T };
type Failure = { success: false; error: { code: string; message: string; details: Record<string, unknown> } };
type Rule = { id: string; name: string; severity: string; source: string; conditions: { time_window?: number } };

let headers: Record<string, string>;

beforeAll(async () => {
  headers = await userHeaders(await createTenant("sigma"), "sig@sigma.test", "analyst");
});

const importSigma = (yaml: string, contentType = "application/yaml") =>
  call("/api/v1/rules/import/sigma", { method: "POST", headers: { ...headers, "Content-Type": contentType }, body: yaml });

async function imported(yaml: string): Promise<Rule> {
  const res = await importSigma(yaml);
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as Ok<{ rule: Rule }>).data.rule;
}

async function matchedIndices(rule: Rule, logs: object[], backtest = false): Promise<number[]> {
  if (!backtest) {
    const res = await postJson(`/api/v1/rules/${rule.id}/test`, { sample_data: { logs } }, headers);
    return ((await res.json()) as Ok<{ results: { matched: boolean }[] }>).data.results.flatMap((r, i) => (r.matched ? [i] : []));
  }
  const res = await postJson(`/api/v1/rules/${rule.id}/test?backtest=1h`, {}, headers);
  const sample = ((await res.json()) as Ok<{ backtest: { sample: { record: object }[] } }>).data.backtest.sample;
  return sample
    .map((s) => logs.findIndex((l) => JSON.stringify(l) === JSON.stringify(s.record)))
    .filter((i) => i >= 0)
    .sort();
}

// The process-creation examples of the Sigma specification (sigmahq/sigma-specification, Sigma rules).
const WHOAMI = `title: Whoami Execution
id: 1bd9c5f2-a1a5-4c1e-a8f1-7c1bd4d9f9c2
status: experimental
description: Detects a whoami.exe execution
logsource:
  category: process_creation
  product: windows
detection:
  selection:
    Image|endswith: '\\whoami.exe'
  condition: selection
level: high
`;

const CREDENTIAL_DUMPING = `title: Credential dumping tools
description: Mimikatz keywords, or procdump against lsass, unless run as SYSTEM
logsource:
  category: process_creation
  product: windows
detection:
  selection_keywords:
    CommandLine|contains:
      - 'mimikatz'
      - 'sekurlsa::'
  selection_procdump:
    Image|endswith: '\\procdump.exe'
    CommandLine|contains|all:
      - ' -ma '
      - 'lsass'
  filter:
    User: 'NT AUTHORITY\\SYSTEM'
  condition: 1 of selection_* and not filter
  timeframe: 10m
level: critical
`;

describe("POST /api/v1/rules/import/sigma", () => {
  it("compiles the specification's examples; the matcher and the D1 backtest agree on them", async () => {
    const whoami = await imported(WHOAMI);
    expect(whoami).toMatchObject({ name: "Whoami Execution", severity: "HIGH", source: "sigma" });
    const dumping = await imported(CREDENTIAL_DUMPING);
    expect(dumping).toMatchObject({ severity: "CRITICAL", conditions: { time_window: 600 } });
    const logs = [
      { Image: "C:\\Windows\\System32\\WHOAMI.EXE", CommandLine: "whoami /all", User: "bob" },
      { Image: "C:\\tools\\notwhoami.exe.bak", CommandLine: "x", User: "bob" },
      { Image: "C:\\t\\m.exe", CommandLine: "m.exe privilege::debug SEKURLSA::logonpasswords", User: "bob" },
      { Image: "C:\\t\\procdump.exe", CommandLine: "procdump -ma lsass.exe out.dmp", User: "alice" },
      { Image: "C:\\t\\procdump.exe", CommandLine: "procdump -ma explorer.exe", User: "alice" },
      { Image: "C:\\t\\m.exe", CommandLine: "mimikatz", User: "NT AUTHORITY\\SYSTEM" },
      { Image: "C:\\t\\m.exe", CommandLine: "sekurlsa:x", User: "bob" },
    ];
    expect(await matchedIndices(whoami, logs)).toEqual([0]);
    expect(await matchedIndices(dumping, logs)).toEqual([2, 3]);
    expect((await postJson("/api/v1/logs", logs, headers)).status).toBe(202);
    expect(await matchedIndices(whoami, logs, true)).toEqual([0]);
    expect(await matchedIndices(dumping, logs, true)).toEqual([2, 3]);
  });

  it("treats * and ? as Sigma wildcards and LIKE's own % and _ as plain characters", async () => {
    const rule = await imported(`title: Wildcards
detection:
  sel:
    file: 'report_?.pdf'
    path|startswith: 'C:\\Users\\\\*\\AppData' # an escaped backslash, then a wildcard
  condition: sel
`);
    const logs = [
      { file: "REPORT_1.pdf", path: "C:\\Users\\ann\\AppData\\x" },
      { file: "reportX1.pdf", path: "C:\\Users\\ann\\AppData\\x" },
      { file: "report_10.pdf", path: "C:\\Users\\ann\\AppData" },
      { file: "report_2.pdf", path: "D:\\Users\\ann\\AppData" },
    ];
    expect(await matchedIndices(rule, logs)).toEqual([0]);
  });

  it("refuses what it cannot evaluate the same way everywhere, naming it", async () => {
    const cases: [string, RegExp][] = [
      ["title: R\ndetection:\n  sel:\n    CommandLine|re: 'mimi.*'\n  condition: sel\n", /modifier 're'/],
      ["title: B\ndetection:\n  sel:\n    CommandLine|base64offset|contains: 'x'\n  condition: sel\n", /base64offset/],
      ["title: C\ndetection:\n  sel:\n    EventID: 4625\n  condition: sel | count() by src > 5\n", /aggregations/],
      ["title: K\ndetection:\n  keywords:\n    - 'mimikatz'\n  condition: keywords\n", /keyword lists/],
      ["title: U\ndetection:\n  sel:\n    a: 1\n  condition: sel and other\n", /unknown selection 'other'/],
      ["detection:\n  sel:\n    a: 1\n  condition: sel\n", /'title' is required/],
      ["title: [unclosed", /does not parse/],
    ];
    for (const [yaml, reason] of cases) {
      const res = await importSigma(yaml);
      expect(res.status, yaml).toBe(400);
      const body = (await res.json()) as Failure;
      expect(body.error.code).toBe("INVALID_REQUEST");
      expect(body.error.message, yaml).toMatch(reason);
    }
    expect((await importSigma(WHOAMI, "text/plain")).status).toBe(415);
  });
});
