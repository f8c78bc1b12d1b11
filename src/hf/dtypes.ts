/**
 * Element types of safetensors files and the conversions between them and our float buffers.
 * bfloat16 is the top half of a float32: widening is exact (bits << 16); narrowing rounds to
 * nearest, ties to even, and every NaN becomes the quiet NaN 0x7FC0, as torch's `.to(bfloat16)`.
 */
export const DTYPE_SIZES = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_SIZES;

export function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_SIZES, value);
}

/** float32 bit pattern -> bfloat16 bit pattern, round to nearest even. */
export function bf16FromF32Bits(bits: number): number {
  if ((bits & 0x7fffffff) >>> 0 > 0x7f800000) return 0x7fc0;
  // non-NaN patterns are <= 0xff800000, so the sum stays below 2^32
  return Math.floor((bits + 0x7fff + ((bits >>> 16) & 1)) / 65536) & 0xffff;
}

/** float16 bit pattern -> number (exact). */
export function f16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** bf16 bits [n] -> values [n] (out: float32 or float64). */
export function widenBf16(out: Float32Array | Float64Array, bits: Uint16Array): void {
  if (out instanceof Float32Array) {
    const words = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < bits.length; i++) words[i] = bits[i] << 16;
    return;
  }
  const word = new Uint32Array(1);
  const value = new Float32Array(word.buffer);
  for (let i = 0; i < bits.length; i++) {
    word[0] = bits[i] << 16;
    out[i] = value[0];
  }
}

/** values [n] -> bf16 bits [n]; float64 values are rounded to float32 first. */
export function narrowToBf16(out: Uint16Array, values: ArrayLike<number>): void {
  const word = new Uint32Array(1);
  const value = new Float32Array(word.buffer);
  for (let i = 0; i < out.length; i++) {
    value[0] = values[i];
    out[i] = bf16FromF32Bits(word[0]);
  }
}

/** f16 bits [n] -> values [n]. */
export function widenF16(out: Float32Array | Float64Array, bits: Uint16Array): void {
  for (let i = 0; i < bits.length; i++) out[i] = f16ToNumber(bits[i]);
}
