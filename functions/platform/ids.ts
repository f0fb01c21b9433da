/** Prefixed random identifiers (`ten_…`, `usr_…`): the prefix says what an id names, 16 random bytes make it unguessable. */
export type IdPrefix =
  | "ten"
  | "usr"
  | "aud"
  | "dlq"
  | "key"
  | "ses"
  | "acd"
  | "tfm"
  | "rtk"
  | "cli"
  | "mky"
  | "cor"
  | "apr"
  | "whk"
  | "dlv"
  | "inc"
  | "rul"
  | "ana"
  | "rem"
  | "ntf"
  | "agt"
  | "act";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomHex(16)}`;
}

export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = "";
  for (const b of buf) out += b.toString(16).padStart(2, "0");
  return out;
}
