import { DurableObject } from "cloudflare:workers";

/**
 * One fragment of a temporally fragmented secret (named by its fragment id): a Shamir share and
 * what it needs to be checked and used, destroyed by an alarm at its expiry.
 */
export class FragmentVault extends DurableObject<Env> {}
