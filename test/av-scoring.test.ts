import { describe, expect, it } from "vitest";
import { claimFingerprint, compositeScore, CUSTOM_CLAIM_TYPE, DERIVED_HF, unixMsOf, zeqondOf } from "../functions/av/scoring";
import { sha256Hex } from "../functions/platform/crypto";

describe("zeqonds", () => {
  it("counts periods of a 1.287 Hz clock: the seed's 2287568432 is in 2026", () => {
    expect(new Date(unixMsOf(2287568432)).getUTCFullYear()).toBe(2026);
    expect(zeqondOf(unixMsOf(2287568432))).toBe(2287568432);
    expect(zeqondOf(1000)).toBe(1);
    expect(zeqondOf(777)).toBe(0);
  });
});

describe("s_forensic", () => {
  it("is the weighted mean, with HF5, HF16 and HF20 counting double (hand-computed)", () => {
    // The seed's example scores: (0.42 + 0.91) / 2.
    expect(
      compositeScore([
        { hf_id: "HF8", value: 0.42 },
        { hf_id: "HF15", value: 0.91 },
      ]),
    ).toBe(0.665);
    // (2 × 0.9 + 1 × 0.6 + 2 × 1.0) / 5 = 0.88.
    expect(
      compositeScore([
        { hf_id: "HF5", value: 0.9 },
        { hf_id: "HF8", value: 0.6 },
        { hf_id: "HF20", value: 1 },
      ]),
    ).toBe(0.88);
    expect(compositeScore([])).toBeNull();
    expect(compositeScore([{ hf_id: "HF99", value: 1 }])).toBeNull();
  });

  it("derives the primary operator from payload features when the agent sends none", () => {
    const spawn = DERIVED_HF.process_spawn;
    expect(spawn.hf_id).toBe("HF8");
    expect(spawn.derive({ instances_in_30_pulses: 42, max_instances: 100, exec_path: "/usr/bin/curl" })).toBe(0.42);
    expect(spawn.derive({ instances_in_30_pulses: 500, max_instances: 100 })).toBe(1);
    expect(spawn.derive({ exec_path: "/usr/bin/curl" })).toBeNull();
    expect(DERIVED_HF.c2_callback.derive({ interval_jitter_ms: 50, mean_interval_ms: 1000 })).toBe(0.95);
    expect(DERIVED_HF.self_tamper.derive({})).toBe(1);
  });

  it("accepts custom claim types only in a dotted namespace", () => {
    expect(CUSTOM_CLAIM_TYPE.test("acme.honey.token_touched")).toBe(true);
    expect(CUSTOM_CLAIM_TYPE.test("token_touched")).toBe(false);
    expect(CUSTOM_CLAIM_TYPE.test("acme.token")).toBe(false);
  });
});

describe("claim fingerprints", () => {
  const claim = {
    claim_type: "process_spawn",
    claim_payload: { max_instances: 100, instances_in_30_pulses: 42, exec_path: "/usr/bin/curl" },
    device_id: "dev_abc123",
    captured_at_zeqond: 2287568432,
  };
  it("hash the RFC 8785 form: key order does not matter, the capture bucket does", async () => {
    const expected = await sha256Hex(
      '{"claim_payload":{"exec_path":"/usr/bin/curl","instances_in_30_pulses":42,"max_instances":100},"claim_type":"process_spawn","device_id":"dev_abc123","time_bucket":76252281}',
    );
    expect(await claimFingerprint(claim)).toBe(expected);
    const reordered = { ...claim, claim_payload: { exec_path: "/usr/bin/curl", max_instances: 100, instances_in_30_pulses: 42 } };
    expect(await claimFingerprint(reordered)).toBe(expected);
    expect(await claimFingerprint({ ...claim, captured_at_zeqond: 2287568432 + 30 })).not.toBe(expected);
  });
});
