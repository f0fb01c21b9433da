import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../functions/index";
import { Checks } from "./owasp-helpers";

/**
 * Fault injection for the reliability suite. Every fault is a real one raised by SQLite itself:
 * a temporary trigger that RAISE(ABORT)s a matching write, on a D1 table or inside a Durable
 * Object's storage, dropped afterwards. Nothing of Vigil's own is mocked. Each file keeps a
 * `Faults` tally (the OWASP files' check counter, plus the faults injected), printed in afterAll.
 */
export class Faults extends Checks {
  injected = 0;
  readonly byFault: Record<string, number> = {};

  /** Counts one fault injected for the group. */
  fault(group: string): void {
    this.injected++;
    this.byFault[group] = (this.byFault[group] ?? 0) + 1;
  }

  override summary(): string {
    const groups = new Set([...Object.keys(this.byFault), ...Object.keys(this.counts)]);
    const rows = [...groups].map((g) => `  ${g}: ${this.byFault[g] ?? 0} faults, ${this.counts[g] ?? 0} checks`);
    const checks = Object.values(this.counts).reduce((a, b) => a + b, 0);
    return `\n${this.title}: ${this.injected} faults injected, ${checks} checks\n${rows.join("\n")}`;
  }
}

/** An SQL string literal (trigger bodies cannot take bound parameters). */
export const lit = (value: string | number) => (typeof value === "number" ? String(value) : `'${value.replaceAll("'", "''")}'`);

/** The message SQLite raises; a client must never see it. */
export const FAULT_MESSAGE = "injected fault: disk I/O error";

const triggerSql = (name: string, op: "INSERT" | "UPDATE" | "DELETE", table: string, when: string) =>
  `CREATE TRIGGER ${name} BEFORE ${op} ON ${table} WHEN ${when} BEGIN SELECT RAISE(ABORT, '${FAULT_MESSAGE}'); END`;

const triggerName = () => `injected_fault_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;

export interface Injected {
  drop(): Promise<void>;
}

/**
 * Makes D1 abort every `op` on `table` whose row matches `when` (an SQL expression over NEW or
 * OLD; scope it to the test's tenant), until dropped.
 */
export async function d1Fault(
  faults: Faults,
  group: string,
  table: string,
  op: "INSERT" | "UPDATE" | "DELETE",
  when: string,
): Promise<Injected> {
  const name = triggerName();
  await env.DB.prepare(triggerSql(name, op, table, when)).run();
  faults.fault(group);
  return { drop: async () => void (await env.DB.prepare(`DROP TRIGGER IF EXISTS ${name}`).run()) };
}

/** The same fault inside one Durable Object's SQLite storage. */
export async function objectFault(
  faults: Faults,
  group: string,
  stub: DurableObjectStub,
  table: string,
  op: "INSERT" | "UPDATE" | "DELETE",
  when: string,
): Promise<Injected> {
  const name = triggerName();
  await runInDurableObject(stub, (_, state) => void state.storage.sql.exec(triggerSql(name, op, table, when)));
  faults.fault(group);
  return {
    drop: () => runInDurableObject(stub, (_, state) => void state.storage.sql.exec(`DROP TRIGGER IF EXISTS ${name}`)),
  };
}

/** One number from D1. */
export async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Hands a batch to the Worker's real queue handler, as the Queues runtime would deliver it (the
 * same message id and body each time it is driven: a redelivery).
 */
export async function deliverBatch(queue: string, messages: { id: string; body: unknown; attempts?: number }[]) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ id: m.id, body: m.body, attempts: m.attempts ?? 1, timestamp: new Date() })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
