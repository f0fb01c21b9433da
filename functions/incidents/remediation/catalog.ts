import { z } from "@hono/zod-openapi";
import type { RemediationAction } from "../../../schema";
import { parseCidr } from "../../platform/ip";

/** Blocks wider than these would refuse whole providers, or everyone: a typo, never a remedy. */
const WIDEST_PREFIX = { 4: 8, 6: 16 } as const;

/** Seconds until the action is rolled back by itself (at most 30 days); absent means until rolled back by hand. */
const duration = z
  .number()
  .int()
  .min(60)
  .max(30 * 86_400)
  .optional();

const address = z
  .string()
  .max(64)
  .refine((s) => parseCidr(s) !== null, "must be an IPv4 or IPv6 address or CIDR block")
  .refine((s) => {
    const c = parseCidr(s);
    return !c || c.prefix >= WIDEST_PREFIX[c.version];
  }, "block is too wide (at most a /8 for IPv4, a /16 for IPv6)");

const username = z.string().trim().toLowerCase().min(1).max(254);

export const ACTION_PARAMETERS = {
  block_ip: z.strictObject({
    ip_addresses: z.array(address).min(1).max(100),
    duration,
    policy_name: z.string().trim().min(1).max(100).optional(),
  }),
  isolate_node: z.strictObject({ node_id: z.string().min(1).max(64), duration }),
  rotate_keys: z.strictObject({}),
  revoke_api_key: z.strictObject({ key_id: z.string().min(1).max(100), duration }),
  disable_user: z.strictObject({ username, duration }),
  quarantine_device: z.strictObject({ machine: z.string().min(1).max(100), device_id: z.string().min(1).max(200), duration }),
  force_password_reset: z.strictObject({ username }),
} satisfies Record<RemediationAction, z.ZodType>;

export type ActionParameters = { [A in RemediationAction]: z.infer<(typeof ACTION_PARAMETERS)[A]> };

interface CatalogEntry {
  description: string;
  risk: "low" | "medium" | "high" | "critical";
  reversible: boolean;
  effect: string;
}

export const CATALOG: Record<RemediationAction, CatalogEntry> = {
  block_ip: {
    description: "Block addresses or CIDR blocks from the tenant's ingestion endpoints",
    risk: "high",
    reversible: true,
    effect:
      "Adds the blocks to the tenant's blocklist: POST /api/v1/logs, POST /api/av/claim and POST /api/v1/incidents refuse requests from them (403), and GET /api/v1/blocklist exports them for firewalls.",
  },
  isolate_node: {
    description: "Isolate a mesh node (command console)",
    risk: "high",
    reversible: true,
    effect: "Severs every active link of the node and marks it ISOLATED; rollback re-establishes exactly the links severed.",
  },
  rotate_keys: {
    description: "Rotate the tenant's mesh signing key (command console)",
    risk: "medium",
    reversible: false,
    effect:
      "Issues a new hybrid Ed25519 + ML-DSA-65 key; the old one verifies for 24 h. Not reversible: going back would re-trust a key that may have leaked.",
  },
  revoke_api_key: {
    description: "Revoke an API key",
    risk: "medium",
    reversible: true,
    effect: "The key is refused from its next request; rollback reinstates it.",
  },
  disable_user: {
    description: "Disable a user",
    risk: "high",
    reversible: true,
    effect:
      "Sign-in is refused and every session and token of the user ends at once; rollback re-enables sign-in (ended sessions stay ended).",
  },
  quarantine_device: {
    description: "Quarantine an endpoint agent's device",
    risk: "medium",
    reversible: true,
    effect: "The device's claims carry the device_quarantined blocker (they never fire); rollback releases it.",
  },
  force_password_reset: {
    description: "Force a user to choose a new password",
    risk: "medium",
    reversible: true,
    effect:
      "Every session and token of the user ends and sign-in is refused until an admin sets a new password; rollback lifts the requirement.",
  },
};

/** The catalog as `GET /remediation/actions` serves it, parameter schemas as JSON Schema. */
export function catalogView() {
  return (Object.keys(CATALOG) as RemediationAction[]).map((name) => ({
    name,
    ...CATALOG[name],
    parameters: z.toJSONSchema(ACTION_PARAMETERS[name], { io: "input", unrepresentable: "any" }),
  }));
}

export function parseParameters<A extends RemediationAction>(action: A, raw: unknown) {
  return ACTION_PARAMETERS[action].safeParse(raw ?? {});
}
