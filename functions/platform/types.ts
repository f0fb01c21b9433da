import type { RequestIdVariables } from "hono/request-id";
import type { Principal } from "./auth/principal";
import type { Logger } from "./log";

/** Hono's typing for every Vigil router: the generated Worker bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: RequestIdVariables & { log: Logger; principal?: Principal };
}
