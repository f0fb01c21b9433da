import { DurableObject } from "cloudflare:workers";
import type { StoredEntry } from "../functions/platform/audit-chain";
import { appendChained, chainedEntries, chainedLogDdl } from "./chained-log";
import { claimsSince, CLAIMS_DDL, recordClaim, type ClaimInput, type ClaimRecord } from "./claim-ledger";
import { feed, MESH_DDL, recordFire, subscribersFor, type FeedEntry, type Fire } from "./machine-mesh";
import { applySchema, type SchemaStep } from "./sql-schema";

const SCHEMA: readonly SchemaStep[] = [
  {
    version: 1,
    sql: "CREATE TABLE devices (device_id TEXT PRIMARY KEY, name TEXT NOT NULL, os TEXT NOT NULL, installed_zeqond INTEGER NOT NULL, transition_id TEXT NOT NULL, quarantined INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL)",
  },
  { version: 2, sql: chainedLogDdl("transitions") },
  { version: 3, sql: CLAIMS_DDL[0]! },
  { version: 4, sql: CLAIMS_DDL[1]! },
  { version: 5, sql: MESH_DDL[0]! },
  { version: 6, sql: MESH_DDL[1]! },
  { version: 7, sql: MESH_DDL[2]! },
  { version: 8, sql: CLAIMS_DDL[2]! },
  { version: 9, sql: MESH_DDL[3]! },
  { version: 10, sql: MESH_DDL[4]! },
  { version: 11, sql: CLAIMS_DDL[3]! },
  { version: 12, sql: CLAIMS_DDL[4]! },
];

export interface Device {
  device_id: string;
  name: string;
  os: string;
  installed_zeqond: number;
  transition_id: string;
  quarantined: boolean;
}

/**
 * One object per agent-claims machine (named by its slug): its devices and its hash-chained
 * log of transitions (the seed's `transition_id`s). Every change is written before the reply.
 */
export class MachineState extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applySchema(ctx.storage.sql, SCHEMA);
  }

  listDevices(): Device[] {
    return this.ctx.storage.sql
      .exec<{
        device_id: string;
        name: string;
        os: string;
        installed_zeqond: number;
        transition_id: string;
        quarantined: number;
      }>("SELECT device_id, name, os, installed_zeqond, transition_id, quarantined FROM devices ORDER BY created_at, device_id")
      .toArray()
      .map((d) => ({ ...d, quarantined: d.quarantined === 1 }));
  }

  /** Installs a device; its installation is the device's first transition. */
  async addDevice(actor: string, deviceId: string, name: string, os: string, zeqond: number): Promise<Device> {
    const transitionId = crypto.randomUUID();
    const details = JSON.stringify({ transition_id: transitionId, device_id: deviceId, name, os, zeqond });
    await appendChained(this.ctx, "transitions", actor, "device.installed", details);
    this.ctx.storage.sql.exec(
      "INSERT INTO devices (device_id, name, os, installed_zeqond, transition_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      deviceId,
      name,
      os,
      zeqond,
      transitionId,
      Date.now(),
    );
    return { device_id: deviceId, name, os, installed_zeqond: zeqond, transition_id: transitionId, quarantined: false };
  }

  /** Decides and records a claim as one step; written before the reply. */
  ingestClaim(input: ClaimInput): Promise<ClaimRecord> {
    return this.ctx.blockConcurrencyWhile(() => recordClaim(this.ctx, input));
  }

  threats(sinceZeqond: number, limit: number): ClaimRecord[] {
    return claimsSince(this.ctx.storage.sql, sinceZeqond, limit);
  }

  /** Quarantines or releases a device (a transition either way); null for an unknown device. */
  async setQuarantine(actor: string, deviceId: string, quarantined: boolean): Promise<{ transition_id: string } | null> {
    const known = this.ctx.storage.sql.exec("SELECT 1 FROM devices WHERE device_id = ?", deviceId).toArray();
    if (!known.length) return null;
    const transitionId = crypto.randomUUID();
    const action = quarantined ? "device.quarantined" : "device.released";
    await appendChained(
      this.ctx,
      "transitions",
      actor,
      action,
      JSON.stringify({ transition_id: transitionId, device_id: deviceId }),
    );
    this.ctx.storage.sql.exec("UPDATE devices SET quarantined = ? WHERE device_id = ?", quarantined ? 1 : 0, deviceId);
    return { transition_id: transitionId };
  }

  /** This machine (the subscriber) follows a publisher's tag. */
  subscribe(publisher: string, tag: string): void {
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO subscriptions (publisher_slug, tag, created_at) VALUES (?, ?, ?)",
      publisher,
      tag,
      Date.now(),
    );
  }

  unsubscribe(publisher: string, tag: string): boolean {
    return (
      this.ctx.storage.sql
        .exec("DELETE FROM subscriptions WHERE publisher_slug = ? AND tag = ? RETURNING tag", publisher, tag)
        .toArray().length > 0
    );
  }

  /** This machine (the publisher) learns of, or forgets, a subscriber. */
  setSubscriber(subscriber: string, tag: string, on: boolean): void {
    if (on) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO subscribers (subscriber_slug, tag) VALUES (?, ?)", subscriber, tag);
    else this.ctx.storage.sql.exec("DELETE FROM subscribers WHERE subscriber_slug = ? AND tag = ?", subscriber, tag);
  }

  subscribers(claimType: string): string[] {
    return subscribersFor(this.ctx.storage.sql, claimType);
  }

  publisherFired(fire: Fire): void {
    recordFire(this.ctx.storage.sql, fire);
  }

  meshFeed(): FeedEntry[] {
    return feed(this.ctx.storage.sql);
  }

  transitions(): StoredEntry[] {
    return chainedEntries(this.ctx, "transitions");
  }
}
