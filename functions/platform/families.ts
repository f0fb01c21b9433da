/**
 * Which published API a path belongs to. The family decides the error envelope, so an
 * unknown route under /v3 still answers in the quantum defense seed's shape.
 */
export type Family = "command" | "av" | "quantum" | "incidents" | "platform";

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

export function familyOf(path: string): Family {
  if (under(path, "/api/av")) return "av";
  if (under(path, "/api/v1") || under(path, "/auth")) return "incidents";
  if (under(path, "/api")) return "command";
  if (under(path, "/v3") || under(path, "/mwrasp.consensus.v3.ByzantineConsensus")) return "quantum";
  return "platform";
}
