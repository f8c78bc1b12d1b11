/**
 * PyTorch's CPU random generator, bit for bit, so that the Goldfish reference's hash table
 * (`torch.rand(1000003, generator=torch.Generator().manual_seed(2971215073))`) can be rebuilt
 * without PyTorch.
 *
 * - `torch.Generator().manual_seed(s)` seeds `at::mt19937` (CPUGeneratorImpl) with the low 32 bits
 *   of s: the standard MT19937 `init_genrand`.
 * - `torch.rand` on CPU (`uniform_kernel` in aten/src/ATen/native/cpu/DistributionTemplates.h)
 *   fills the tensor element by element (`cpu_serial_kernel`, no vectorized path) with
 *   `uniform_real_distribution<float>`, which takes one 32-bit output x and returns
 *   (x & (2^24 - 1)) * 2^-24 (aten/src/ATen/core/TransformationHelper.h `uniform_real`, 24 = float
 *   digits), exactly representable in float32.
 * Checked against torch 2.13 CPU in test/train/goldfish.test.ts.
 */

const N = 624;
const M = 397;

/** MT19937 (Matsumoto & Nishimura 1998), 32-bit outputs. */
export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    const s = this.state;
    s[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const x = s[i - 1]! ^ (s[i - 1]! >>> 30);
      s[i] = (Math.imul(1812433253, x) + i) >>> 0;
    }
  }

  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < N; i++) {
      const y = (s[i]! & 0x80000000) | (s[(i + 1) % N]! & 0x7fffffff);
      s[i] = s[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}

/** `torch.rand(n, generator=torch.Generator().manual_seed(seed))` on CPU, float32. */
export function torchRand(n: number, seed: number): Float32Array {
  const mt = new Mt19937(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (mt.nextUint32() & 0xffffff) * 2 ** -24;
  return out;
}

/** The Goldfish reference's table: 1,000,003 uniforms (a prime) from seed 2971215073 (fib47). */
export const GOLDFISH_TABLE_SIZE = 1_000_003;
export const GOLDFISH_TABLE_SEED = 2_971_215_073;

let table: Float32Array | undefined;

/** The table, built on first use (~10 ms, 4 MB) and kept. */
export function goldfishHashTable(): Float32Array {
  table ??= torchRand(GOLDFISH_TABLE_SIZE, GOLDFISH_TABLE_SEED);
  return table;
}
