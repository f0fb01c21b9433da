import "./reflect-shim";
import type * as X509 from "@peculiar/x509";
import type SshPk from "sshpk";

export type X509Lib = typeof X509;
export type SshpkLib = typeof SshPk;
export interface ParsingLibs {
  x509: X509Lib;
  sshpk: SshpkLib;
}

let libs: ParsingLibs | null = null;

/**
 * @peculiar/x509 and sshpk load on first use, by dynamic import, for two reasons: no other
 * request pays for evaluating them at isolate start, and @peculiar/x509's dependency tsyringe
 * evaluates only after reflect-shim has run (a static import of an unbundled package would be
 * hoisted above the shim). The resolved modules are kept, not the promise, so no request awaits
 * another's.
 */
export async function parsingLibs(): Promise<ParsingLibs> {
  if (!libs) {
    const [x509, sshpk] = await Promise.all([import("@peculiar/x509"), import("sshpk")]);
    libs = { x509, sshpk: (sshpk as unknown as { default?: SshpkLib }).default ?? (sshpk as unknown as SshpkLib) };
  }
  return libs;
}
