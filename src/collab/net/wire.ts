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
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) throw new WireError('not an apertus collab message (bad magic)');
  const h = buf.readUInt32LE(4);
  if (8 + h > buf.length) throw new WireError('truncated header');
  let meta: Record<string, unknown> & { arrays?: unknown };
  try {
    meta = JSON.parse(buf.subarray(8, 8 + h).toString('utf8')) as typeof meta;
  } catch {
    throw new WireError('the header is not JSON');
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new WireError('the header is not a JSON object');
  const infos = meta.arrays ?? [];
  if (!Array.isArray(infos)) throw new WireError('header.arrays is not a list');
  let o = align(8 + h);
  const arrays = infos.map((info: Partial<ArrayInfo>, k) => {
    if (info?.dtype !== 'f32' && info?.dtype !== 'f16' && info?.dtype !== 'bf16') throw new WireError(`array ${k}: unknown dtype ${JSON.stringify(info?.dtype)}`);
    if (!Number.isSafeInteger(info.length) || info.length! < 0) throw new WireError(`array ${k}: bad length ${JSON.stringify(info.length)}`);
    const length = info.length!;
    const width = info.dtype === 'f32' ? 4 : 2;
    if (o + length * width > buf.length) throw new WireError(`array ${k}: truncated`);
    const a = new Float32Array(length);
    if (info.dtype === 'f32') for (let i = 0; i < length; i++) a[i] = buf.readFloatLE(o + 4 * i);
    else {
      const value = info.dtype === 'f16' ? fromF16 : fromBf16;
      for (let i = 0; i < length; i++) a[i] = value(buf.readUInt16LE(o + 2 * i));
    }
    o += align(length * width);
    return a;
  });
  if (o < buf.length) throw new WireError(`${buf.length - o} bytes after the last array`);
  delete meta.arrays;
  return { meta, arrays };
}

/** A message that does not decode or does not answer what was asked. */
export class WireError extends Error {
  constructor(message: string) {
    super(`wire: ${message}`);
  }
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
export function encodeWork(job: number, round: number, requests: readonly WorkRequest[], dtype: WireDType = 'f32'): Buffer {
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
  return encodeMessage({ job, round, requests: items }, arrays, dtype);
}

/**
 * Decodes a work batch; with `dim`, every model must have that many parameters. Throws WireError
 * for anything that is not well-formed work.
 */
export function decodeWork(buf: Buffer, dim?: number): { job: number; round: number; requests: WorkRequest[] } {
  const { meta, arrays } = decodeMessage(buf);
  const vector = (k: unknown, what: string) => {
    const a = Number.isInteger(k) ? arrays[k as number] : undefined;
    if (!a) throw new WireError(`${what} refers to array ${JSON.stringify(k)}, the message has ${arrays.length}`);
    if (dim !== undefined && a.length !== dim) throw new WireError(`${what} has ${a.length} values, the model ${dim}`);
    return a;
  };
  const job = integer(meta.job, 'job');
  const round = integer(meta.round, 'round');
  if (!Array.isArray(meta.requests)) throw new WireError('work without a requests list');
  const requests = (meta.requests as Record<string, unknown>[]).map((r, i): WorkRequest => {
    const at = `request ${i}`;
    if (r?.kind === 'grad') return { kind: 'grad', seed: integer(r.seed, `${at}.seed`), model: vector(r.model, `${at}.model`) };
    if (r?.kind === 'evaluate') return { kind: 'evaluate', model: vector(r.model, `${at}.model`) };
    if (r?.kind === 'train') {
      const prox = r.prox as { center?: unknown; lambda?: unknown } | undefined;
      if (r.candidates !== undefined && !Array.isArray(r.candidates)) throw new WireError(`${at}.candidates is not a list`);
      return {
        kind: 'train', seed: integer(r.seed, `${at}.seed`), steps: integer(r.steps, `${at}.steps`), lr: finite(r.lr, `${at}.lr`),
        model: r.model === undefined ? undefined : vector(r.model, `${at}.model`),
        candidates: (r.candidates as unknown[] | undefined)?.map((c, k) => vector(c, `${at}.candidates[${k}]`)),
        prox: prox ? { center: vector(prox.center, `${at}.prox.center`), lambda: finite(prox.lambda, `${at}.prox.lambda`) } : undefined,
      };
    }
    throw new WireError(`${at}: unknown work kind ${JSON.stringify(r?.kind)}`);
  });
  return { job, round, requests };
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

/** The job a results message answers (to find what was asked before validating the rest). */
export function resultsJob(buf: Buffer): number {
  return integer(decodeMessage(buf).meta.job, 'job');
}

/**
 * Decodes results and checks them against the requests they answer: one result per request, a
 * gradient for 'grad', a model for 'train', a metric for 'evaluate', every vector `dim` long,
 * every number finite, counts non-negative integers. Throws WireError naming the first problem.
 */
export function decodeResults(buf: Buffer, requests?: readonly WorkRequest[], dim?: number): { job: number; results: WorkResult[] } {
  const { meta, arrays } = decodeMessage(buf);
  const job = integer(meta.job, 'job');
  if (!Array.isArray(meta.results)) throw new WireError('results without a results list');
  const items = meta.results as Record<string, unknown>[];
  if (requests && items.length !== requests.length) throw new WireError(`${items.length} results for ${requests.length} requests`);
  const used = new Set<number>();
  const vector = (k: unknown, what: string): Float32Array | undefined => {
    if (k === undefined) return undefined;
    const a = Number.isInteger(k) ? arrays[k as number] : undefined;
    if (!a || used.has(k as number)) throw new WireError(`${what} refers to array ${JSON.stringify(k)}, the message has ${arrays.length}`);
    used.add(k as number);
    if (dim !== undefined && a.length !== dim) throw new WireError(`${what} has ${a.length} values, the model ${dim}`);
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new WireError(`${what}[${i}] is ${a[i]}`);
    return a;
  };
  const results = items.map((r, i): WorkResult => {
    const at = `result ${i}`;
    if (typeof r !== 'object' || r === null) throw new WireError(`${at} is not an object`);
    const extra = Object.keys(r).find((k) => !RESULT_FIELDS.has(k));
    if (extra) throw new WireError(`${at}: unknown field "${extra}"`);
    const result: WorkResult = {
      model: vector(r.model, `${at}.model`), grad: vector(r.grad, `${at}.grad`),
      loss: finite(r.loss, `${at}.loss`),
      metric: r.metric === undefined ? undefined : finite(r.metric, `${at}.metric`),
      chosen: r.chosen === undefined ? undefined : integer(r.chosen, `${at}.chosen`),
      samples: integer(r.samples, `${at}.samples`), gradEvals: integer(r.gradEvals, `${at}.gradEvals`), lossEvals: integer(r.lossEvals, `${at}.lossEvals`),
    };
    const q = requests?.[i];
    if (q) {
      const has = (field: 'model' | 'grad' | 'metric', want: boolean) => {
        if ((result[field] !== undefined) !== want) throw new WireError(`${at} answers a '${q.kind}' request ${want ? 'without' : 'with'} ${field}`);
      };
      has('grad', q.kind === 'grad');
      has('model', q.kind === 'train');
      has('metric', q.kind === 'evaluate');
      const candidates = q.kind === 'train' ? q.candidates?.length : undefined;
      if (result.chosen !== undefined && (candidates === undefined || result.chosen >= candidates)) {
        throw new WireError(`${at}.chosen is ${result.chosen}, the request offered ${candidates ?? 'no'} candidates`);
      }
    }
    return result;
  });
  return { job, results };
}

const RESULT_FIELDS = new Set(['model', 'grad', 'loss', 'metric', 'chosen', 'samples', 'gradEvals', 'lossEvals']);

function integer(v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new WireError(`${what} is ${JSON.stringify(v)}, not a non-negative integer`);
  return v as number;
}

function finite(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new WireError(`${what} is ${JSON.stringify(v)}, not a finite number`);
  return v;
}
