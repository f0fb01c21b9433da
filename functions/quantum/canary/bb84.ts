/**
 * The quantum state a canary token carries: a classical simulation, labelled as such in every
 * response. BB84 preparation (a random bit and basis per qubit) is checked the way Alice and Bob
 * would, by sifting on matching bases and counting errors (QBER); the Bell pairs are a separate
 * register checked with a CHSH test. Everything here is pure and deterministic given `rand`, so
 * tests can drive it with a seeded source over many runs; production passes `cryptoRandom()`.
 */

/** Uniform in [0, 1). */
export type Random = () => number;

/** Basis 0 is Z (rectilinear), 1 is X (diagonal). */
export type Basis = 0 | 1;

export interface Preparation {
  bits: (0 | 1)[];
  bases: Basis[];
  pairs: number;
}

export interface CheckResult {
  /** True when the check simulated an intercept-resend eavesdropper (the collapse test). */
  eavesdropper: boolean;
  sifted_bits: number;
  errors: number;
  /** Errors over sifted bits; null when no basis happened to match. */
  qber: number | null;
  chsh_s: number;
  chsh_trials: number;
  /** QBER above the BB84 bound, or S within the classical bound: the entanglement is gone. */
  disturbed: boolean;
}

/** Above 11 % QBER no secret key can be distilled from BB84 (Shor–Preskill), so it means interference. */
export const QBER_THRESHOLD = 0.11;
/** Local hidden-variable models satisfy |S| ≤ 2 (Bell/CHSH); quantum mechanics reaches 2√2 (Tsirelson). */
export const CLASSICAL_BOUND = 2;
export const TSIRELSON_BOUND = 2 * Math.SQRT2;
/**
 * Samples per Bell pair. With two pairs the standard error of S is below 0.1, so the undisturbed
 * S ≈ 2.83 and the eavesdropped S ≈ 1.41 sit many standard errors either side of 2.
 */
export const TRIALS_PER_PAIR = 1024;

const coin = (rand: Random): 0 | 1 => (rand() < 0.5 ? 0 : 1);

/** Random values from crypto.getRandomValues, drawn in blocks (the API caps one call at 64 KiB). */
export function cryptoRandom(): Random {
  const block = new Uint32Array(4096);
  let next = block.length;
  return () => {
    if (next === block.length) {
      crypto.getRandomValues(block);
      next = 0;
    }
    return block[next++]! / 2 ** 32;
  };
}

export function prepare(numQubits: number, pairs: number, rand: Random): Preparation {
  const bits: (0 | 1)[] = [];
  const bases: Basis[] = [];
  for (let i = 0; i < numQubits; i++) {
    bits.push(coin(rand));
    bases.push(coin(rand));
  }
  return { bits, bases, pairs };
}

/** Measuring a qubit prepared as (bit, basis): the bit itself in the same basis, a fair coin in the other. */
const measure = (bit: 0 | 1, prepared: Basis, basis: Basis, rand: Random): 0 | 1 => (prepared === basis ? bit : coin(rand));

/**
 * Bob measures every qubit in a random basis; positions where his basis matches Alice's are kept
 * (sifting) and compared. An intercept-resend Eve measures each qubit in her own random basis and
 * resends what she saw in that basis: half the time she guesses wrong and Bob then errs half the
 * time, so sifted QBER tends to 1/4. Undisturbed, a matching basis always reads correctly: QBER 0.
 */
export function bb84Errors(prep: Preparation, eavesdropper: boolean, rand: Random) {
  let sifted = 0;
  let errors = 0;
  prep.bits.forEach((bit, i) => {
    let inFlight = { bit, basis: prep.bases[i]! };
    if (eavesdropper) {
      const eve = coin(rand);
      inFlight = { bit: measure(inFlight.bit, inFlight.basis, eve, rand), basis: eve };
    }
    const bob = coin(rand);
    const read = measure(inFlight.bit, inFlight.basis, bob, rand);
    if (bob !== prep.bases[i]) return;
    sifted++;
    if (read !== bit) errors++;
  });
  return { sifted, errors, qber: sifted ? errors / sifted : null };
}

/** The standard CHSH settings (Bloch-sphere angles), which give the singlet its maximal violation. */
const ALICE = [0, Math.PI / 2] as const;
const BOB = [Math.PI / 4, (3 * Math.PI) / 4] as const;

const spin = (pUp: number, rand: Random) => (rand() < pUp ? 1 : -1);

/**
 * The product of Alice's and Bob's ±1 outcomes for one singlet measured at angles a and b.
 * Undisturbed, the outcomes agree with probability (1 − cos(a−b))/2, so E[AB] = −cos(a−b).
 * With Eve, she first measures along a random basis angle e ∈ {0, π/2}, leaving the product state
 * (s·e, −s·e): outcomes are then independent with E[AB] = −cos(a−e)·cos(b−e), a local model whose
 * average −½·cos(a−b) gives S = √2.
 */
function pairOutcome(a: number, b: number, eavesdropper: boolean, rand: Random): number {
  if (!eavesdropper) return rand() < (1 - Math.cos(a - b)) / 2 ? 1 : -1;
  const e = coin(rand) ? Math.PI / 2 : 0;
  const s = spin(0.5, rand);
  return spin((1 + s * Math.cos(a - e)) / 2, rand) * spin((1 - s * Math.cos(b - e)) / 2, rand);
}

/** Estimates S = |E(a,b) − E(a,b′) + E(a′,b) + E(a′,b′)| from randomly chosen settings per trial. */
export function chshValue(pairs: number, eavesdropper: boolean, rand: Random, trialsPerPair = TRIALS_PER_PAIR) {
  const sum = [
    [0, 0],
    [0, 0],
  ];
  const count = [
    [0, 0],
    [0, 0],
  ];
  const trials = pairs * trialsPerPair;
  for (let t = 0; t < trials; t++) {
    const i = coin(rand);
    const j = coin(rand);
    sum[i]![j]! += pairOutcome(ALICE[i], BOB[j], eavesdropper, rand);
    count[i]![j]!++;
  }
  const E = (i: 0 | 1, j: 0 | 1) => (count[i]![j]! ? sum[i]![j]! / count[i]![j]! : 0);
  return { s: Math.abs(E(0, 0) - E(0, 1) + E(1, 0) + E(1, 1)), trials };
}

export function check(prep: Preparation, eavesdropper: boolean, rand: Random): CheckResult {
  const bb84 = bb84Errors(prep, eavesdropper, rand);
  const bell = chshValue(prep.pairs, eavesdropper, rand);
  return {
    eavesdropper,
    sifted_bits: bb84.sifted,
    errors: bb84.errors,
    qber: bb84.qber,
    chsh_s: bell.s,
    chsh_trials: bell.trials,
    disturbed: (bb84.qber !== null && bb84.qber > QBER_THRESHOLD) || bell.s <= CLASSICAL_BOUND,
  };
}

/**
 * `quantum_state`: base64 of byte 0 = qubit count, byte 1 = Bell pairs, then the bits and then the
 * bases (0 = Z, 1 = X), each packed least significant bit first.
 */
export function encodeState(prep: Preparation): string {
  const n = prep.bits.length;
  const width = Math.ceil(n / 8);
  const bytes = new Uint8Array(2 + 2 * width);
  bytes[0] = n;
  bytes[1] = prep.pairs;
  for (let i = 0; i < n; i++) {
    bytes[2 + (i >> 3)]! |= prep.bits[i]! << (i & 7);
    bytes[2 + width + (i >> 3)]! |= prep.bases[i]! << (i & 7);
  }
  return btoa(String.fromCharCode(...bytes));
}

export function decodeState(text: string): Preparation {
  const bytes = Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  const n = bytes[0]!;
  const width = Math.ceil(n / 8);
  const bit = (offset: number, i: number) => ((bytes[offset + (i >> 3)]! >> (i & 7)) & 1) as 0 | 1;
  return {
    bits: Array.from({ length: n }, (_, i) => bit(2, i)),
    bases: Array.from({ length: n }, (_, i) => bit(2 + width, i)),
    pairs: bytes[1]!,
  };
}
