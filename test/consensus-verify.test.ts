import { beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL, voteMessage, type EquivocationEvidence, type QuorumCertificate } from "../functions/quantum/consensus/model";
import { digestOf, verifyCertificate, verifyEvidence } from "../functions/quantum/consensus/verify";
import { ed25519Keys } from "./consensus-agents";

/** The offline verifier on certificates and evidence built here with real keys, no server involved. */

const encoder = new TextEncoder();
const b64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const sign = async (key: CryptoKey, message: string) =>
  b64(await crypto.subtle.sign({ name: "Ed25519" }, key, encoder.encode(message)));

const VALUE = encoder.encode("reroute grid segment 4");
const ids = ["agt_a", "agt_b", "agt_c", "agt_d"];
let keys: Awaited<ReturnType<typeof ed25519Keys>>[];
let publicKeys: Record<string, string>;
let cert: QuorumCertificate;

beforeAll(async () => {
  keys = await Promise.all(ids.map(() => ed25519Keys()));
  publicKeys = Object.fromEntries(ids.map((id, i) => [id, keys[i]!.publicKey]));
  const base = { cluster_id: "ten_cluster", view: 2, sequence: 9, n: 4, digest: await digestOf(VALUE) };
  const signatures = await Promise.all(
    ids.slice(0, 3).map(async (agent_id, i) => ({
      agent_id,
      signature: await sign(keys[i]!.pair.privateKey, voteMessage({ ...base, phase: "commit", agent_id })),
    })),
  );
  cert = {
    protocol: PROTOCOL,
    proposal_id: "p",
    ...base,
    f: 1,
    quorum: 3,
    voters: ids,
    signatures,
    committed_at: new Date().toISOString(),
  };
});

const variant = (change: Partial<QuorumCertificate>): QuorumCertificate => ({ ...structuredClone(cert), ...change });

describe("verifyCertificate", () => {
  it("accepts a certificate with a quorum of valid COMMIT signatures, and its value", async () => {
    expect(await verifyCertificate(cert, publicKeys, { value: VALUE })).toEqual({ valid: true, errors: [] });
  });

  it("rejects a certificate with one signature altered", async () => {
    const signatures = structuredClone(cert.signatures);
    const bytes = Uint8Array.from(atob(signatures[1]!.signature), (c) => c.charCodeAt(0));
    bytes[10] = bytes[10]! ^ 0x01;
    signatures[1]!.signature = btoa(String.fromCharCode(...bytes));
    const result = await verifyCertificate(variant({ signatures }), publicKeys);
    expect(result).toEqual({ valid: false, errors: [`invalid signature by ${ids[1]}`] });
  });

  it("rejects a signature claimed for another agent, a missing one, a repeated one and an outsider", async () => {
    const [s0, s1, s2] = cert.signatures as [
      QuorumCertificate["signatures"][0],
      QuorumCertificate["signatures"][0],
      QuorumCertificate["signatures"][0],
    ];
    expect((await verifyCertificate(variant({ signatures: [s0, s1, { ...s2, agent_id: ids[3]! }] }), publicKeys)).valid).toBe(
      false,
    );
    const short = await verifyCertificate(variant({ signatures: [s0, s1] }), publicKeys);
    expect(short.errors).toEqual(["2 signers, fewer than the quorum of 3"]);
    expect((await verifyCertificate(variant({ signatures: [s0, s1, s1] }), publicKeys)).errors).toContain(
      `${ids[1]} signed twice`,
    );
    const outsider = await verifyCertificate(variant({ signatures: [s0, s1, { ...s2, agent_id: "agt_x" }] }), publicKeys);
    expect(outsider.errors).toEqual(expect.arrayContaining(["agt_x is not a voter of the round", "no public key for agt_x"]));
  });

  it("rejects a certificate that claims a smaller cluster, another digest, view or value", async () => {
    const smaller = variant({ n: 3, f: 0, quorum: 1, voters: ids.slice(0, 3) });
    expect((await verifyCertificate(smaller, publicKeys)).valid).toBe(false);
    expect((await verifyCertificate(variant({ quorum: 1 }), publicKeys)).errors).toEqual(["f and quorum do not match n = 4"]);
    expect((await verifyCertificate(variant({ view: 3 }), publicKeys)).valid).toBe(false);
    expect((await verifyCertificate(variant({ digest: "0".repeat(64) }), publicKeys)).valid).toBe(false);
    expect((await verifyCertificate(cert, publicKeys, { value: encoder.encode("other") })).errors).toEqual([
      "the value does not match the digest",
    ]);
  });
});

describe("verifyEvidence", () => {
  async function evidence(digests: [string, string], signer = keys[0]!.pair.privateKey): Promise<EquivocationEvidence> {
    const base = { protocol: PROTOCOL, cluster_id: "ten_cluster", agent_id: ids[0]!, view: 1, sequence: 3, n: 4 } as const;
    const votes = await Promise.all(
      digests.map(async (digest) => ({
        phase: "prepare" as const,
        digest,
        signature: await sign(signer, voteMessage({ ...base, phase: "prepare", digest })),
      })),
    );
    return { ...base, votes, detected_at: new Date().toISOString() };
  }

  it("accepts two signed votes for different digests and rejects anything less", async () => {
    const good = await evidence(["a".repeat(64), "b".repeat(64)]);
    expect(await verifyEvidence(good, keys[0]!.publicKey)).toEqual({ valid: true, errors: [] });
    expect((await verifyEvidence(good, keys[1]!.publicKey)).valid).toBe(false);
    const same = await evidence(["a".repeat(64), "a".repeat(64)]);
    expect((await verifyEvidence(same, keys[0]!.publicKey)).errors).toEqual(["the votes name the same digest"]);
    expect((await verifyEvidence({ ...good, sequence: 4 }, keys[0]!.publicKey)).valid).toBe(false);
    expect((await verifyEvidence({ ...good, votes: good.votes.slice(0, 1) }, keys[0]!.publicKey)).valid).toBe(false);
  });
});
