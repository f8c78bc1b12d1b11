/**
 * The binary encoding of work and results on the wire: a small JSON header, then the float
 * vectors back to back.
 *
 *   bytes 0..3    "APC1"
 *   bytes 4..7    H, header length (uint32 little-endian)
 *   8..8+H        header: UTF-8 JSON {..., "arrays": [{"dtype": "f32"|"f16"|"bf16", "length": n}, ...]}
 *   then          each array's elements little-endian, each array starting on a 4-byte boundary
 *
 * f32 is exact (the networked run then equals the simulation bit for bit); f16 and bf16 halve
 * the bytes (bf16 keeps f32's range, f16 its precision near 1) and round to nearest even.
 */
import type { Vector } from '../vector.js';
import type { WorkRequest, WorkResult } from '../work.js';

export type WireDType = 'f32' | 'f16' | 'bf16';

const MAGIC = 0x31435041; // "APC1" little-endian

interface ArrayInfo {
  dtype: WireDType;
  length: number;
}

export function encodeMessage(meta: Record<string, unknown>, arrays: readonly Vector[], dtype: WireDType = 'f32'): Buffer {
  const infos: ArrayInfo[] = arrays.map((a) => ({ dtype, length: a.length }));
  const header = Buffer.from(JSON.stringify({ ...meta, arrays: infos }), 'utf8');
  const start = align(8 + header.length);
  const sizes = infos.map((i) => align(i.length * (i.dtype === 'f32' ? 4 : 2)));
  const out = Buffer.alloc(start + sizes.reduce((a, b) => a + b, 0));
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  let o = start;
  arrays.forEach((a, k) => {
    if (dtype === 'f32') {
      for (let i = 0; i < a.length; i++) out.writeFloatLE(a[i], o + 4 * i);
    } else {
      const bits = dtype === 'f16' ? toF16 : toBf16;
      for (let i = 0; i < a.length; i++) out.writeUInt16LE(bits(a[i]), o + 2 * i);
    }
    o += sizes[k];
  });
  return out;
}

export function decodeMessage(buf: Buffer): { meta: Record<string, unknown>; arrays: Float32Array[] } {
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) throw new Error('wire: not an apertus collab message (bad magic)');
  const h = buf.readUInt32LE(4);
  if (8 + h > buf.length) throw new Error('wire: truncated header');
  const meta = JSON.parse(buf.subarray(8, 8 + h).toString('utf8')) as Record<string, unknown> & { arrays?: ArrayInfo[] };
  const infos = meta.arrays ?? [];
  let o = align(8 + h);
  const arrays = infos.map((info) => {
    const width = info.dtype === 'f32' ? 4 : 2;
    if (o + info.length * width > buf.length) throw new Error('wire: truncated array');
    const a = new Float32Array(info.length);
    if (info.dtype === 'f32') for (let i = 0; i < a.length; i++) a[i] = buf.readFloatLE(o + 4 * i);
    else {
      const value = info.dtype === 'f16' ? fromF16 : fromBf16;
      for (let i = 0; i < a.length; i++) a[i] = value(buf.readUInt16LE(o + 2 * i));
    }
    o += align(info.length * width);
    return a;
  });
  delete meta.arrays;
  return { meta, arrays };
}

function align(n: number): number {
  return (n + 3) & ~3;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> bfloat16 bits, round to nearest even (NaN kept NaN). */
export function toBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function fromBf16(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

/** float32 -> IEEE half bits, round to nearest even, overflow to infinity. */
export function toF16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export function fromF16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** A batch of work for one client (one round's requests, or an evaluation). */
export function encodeWork(job: number, requests: readonly WorkRequest[], dtype: WireDType = 'f32'): Buffer {
  const arrays: Vector[] = [];
  const slot = (v: Vector) => arrays.push(v) - 1;
  const items = requests.map((r) => {
    switch (r.kind) {
      case 'grad': return { kind: r.kind, seed: r.seed, model: slot(r.model) };
      case 'evaluate': return { kind: r.kind, model: slot(r.model) };
      case 'train': return {
        kind: r.kind, seed: r.seed, steps: r.steps, lr: r.lr,
        model: r.model ? slot(r.model) : undefined,
        candidates: r.candidates?.map(slot),
        prox: r.prox ? { center: slot(r.prox.center), lambda: r.prox.lambda } : undefined,
      };
    }
  });
  return encodeMessage({ job, requests: items }, arrays, dtype);
}

export function decodeWork(buf: Buffer): { job: number; requests: WorkRequest[] } {
  const { meta, arrays } = decodeMessage(buf);
  const at = (k: number) => {
    const a = arrays[k];
    if (!a) throw new Error(`wire: work refers to array ${k}, the message has ${arrays.length}`);
    return a;
  };
  const requests = (meta.requests as Record<string, any>[]).map((r): WorkRequest => {
    if (r.kind === 'grad') return { kind: 'grad', seed: r.seed, model: at(r.model) };
    if (r.kind === 'evaluate') return { kind: 'evaluate', model: at(r.model) };
    if (r.kind === 'train') {
      return {
        kind: 'train', seed: r.seed, steps: r.steps, lr: r.lr,
        model: r.model === undefined ? undefined : at(r.model),
        candidates: r.candidates?.map(at),
        prox: r.prox ? { center: at(r.prox.center), lambda: r.prox.lambda } : undefined,
      };
    }
    throw new Error(`wire: unknown work kind ${String(r.kind)}`);
  });
  return { job: meta.job as number, requests };
}

export function encodeResults(job: number, results: readonly WorkResult[], dtype: WireDType = 'f32'): Buffer {
  const arrays: Vector[] = [];
  const items = results.map(({ model, grad, ...rest }) => ({
    ...rest,
    model: model ? arrays.push(model) - 1 : undefined,
    grad: grad ? arrays.push(grad) - 1 : undefined,
  }));
  return encodeMessage({ job, results: items }, arrays, dtype);
}

export function decodeResults(buf: Buffer): { job: number; results: WorkResult[] } {
  const { meta, arrays } = decodeMessage(buf);
  const results = (meta.results as Record<string, any>[]).map(({ model, grad, ...rest }) => ({
    ...rest,
    model: model === undefined ? undefined : arrays[model],
    grad: grad === undefined ? undefined : arrays[grad],
  }) as WorkResult);
  return { job: meta.job as number, results };
}
