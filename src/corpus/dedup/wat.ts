/**
 * A tiny assembler for the flat (unfolded) subset of the WebAssembly text format that the dedup
 * kernels use: i32/i64 integer instructions, locals by name, block/loop/if, calls by name, loads
 * and stores with `offset=`. It lets the kernel's source live in this repository as readable
 * text, with no toolchain and no binary blob. One module, one exported memory.
 */

export type ValueType = 'i32' | 'i64';

export interface WatFunction {
  name: string;
  params: Array<[string, ValueType]>;
  result?: ValueType;
  locals?: Array<[string, ValueType]>;
  /** Instructions, whitespace separated; `;;` starts a comment. */
  body: string;
  exported?: boolean;
}

const TYPE_CODE: Record<ValueType, number> = { i32: 0x7f, i64: 0x7e };

/** Instructions without immediates. */
const PLAIN: Record<string, number> = {
  'unreachable': 0x00, 'return': 0x0f, 'drop': 0x1a, 'select': 0x1b,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_u': 0x49, 'i32.gt_u': 0x4b, 'i32.le_u': 0x4d, 'i32.ge_u': 0x4f,
  'i64.eqz': 0x50, 'i64.eq': 0x51, 'i64.ne': 0x52, 'i64.lt_u': 0x54, 'i64.gt_u': 0x56, 'i64.le_u': 0x58, 'i64.ge_u': 0x5a,
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.and': 0x71, 'i32.or': 0x72, 'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_u': 0x76,
  'i64.add': 0x7c, 'i64.sub': 0x7d, 'i64.mul': 0x7e, 'i64.and': 0x83, 'i64.or': 0x84, 'i64.xor': 0x85, 'i64.shl': 0x86,
  'i64.shr_u': 0x88, 'i64.rotl': 0x89, 'i64.rotr': 0x8a, 'i32.wrap_i64': 0xa7, 'i64.extend_i32_u': 0xad,
};

/** Memory instructions: opcode and natural alignment (log2 bytes). */
const MEMORY: Record<string, [number, number]> = {
  'i32.load': [0x28, 2], 'i64.load': [0x29, 3], 'i32.load8_u': [0x2d, 0], 'i64.load8_u': [0x31, 0],
  'i64.load32_u': [0x35, 2], 'i32.store': [0x36, 2], 'i64.store': [0x37, 3],
};

const LOCAL = { 'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22 } as const;
const BLOCK = { block: 0x02, loop: 0x03, if: 0x04 } as const;

function unsigned(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 of an i32 or i64 constant (BigInt: only at assembly time). */
function signed(value: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = Number(value & 0x7fn);
    value >>= 7n;
    const done = (value === 0n && (byte & 0x40) === 0) || (value === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsigned(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...unsigned(items.length), ...items.flat()];
}

function section(id: number, items: number[][]): number[] {
  const body = vector(items);
  return [id, ...unsigned(body.length), ...body];
}

/** Encodes one function body; `where` names the function in error messages. */
function encodeBody(fn: WatFunction, functionIndex: Map<string, number>): number[] {
  const locals = new Map<string, number>();
  for (const [local] of [...fn.params, ...(fn.locals ?? [])]) locals.set(local, locals.size);
  const tokens = fn.body.replace(/;;[^\n]*/g, ' ').split(/\s+/).filter((t) => t.length > 0);
  const out: number[] = [];
  const fail = (message: string): never => {
    throw new Error(`wat: in function ${fn.name}: ${message}`);
  };
  for (let i = 0; i < tokens.length; i++) {
    const op = tokens[i]!;
    const next = (): string => tokens[++i] ?? fail(`${op} needs an operand`);
    if (op in PLAIN) out.push(PLAIN[op]!);
    else if (op in LOCAL) {
      const local = next();
      out.push(LOCAL[op as keyof typeof LOCAL], locals.get(local) ?? fail(`unknown local ${local}`));
    } else if (op === 'i32.const' || op === 'i64.const') {
      const value = BigInt(next());
      out.push(op === 'i32.const' ? 0x41 : 0x42, ...signed(op === 'i32.const' ? BigInt.asIntN(32, value) : BigInt.asIntN(64, value)));
    } else if (op in BLOCK) {
      out.push(BLOCK[op as keyof typeof BLOCK]);
      if (tokens[i + 1] === '(result') {
        i++;
        const type = next().replace(')', '') as ValueType;
        out.push(TYPE_CODE[type] ?? fail(`bad block type ${type}`));
      } else out.push(0x40);
    } else if (op === 'else') out.push(0x05);
    else if (op === 'end') out.push(0x0b);
    else if (op === 'br' || op === 'br_if') out.push(op === 'br' ? 0x0c : 0x0d, ...unsigned(Number(next())));
    else if (op === 'call') {
      const callee = next();
      out.push(0x10, ...unsigned(functionIndex.get(callee) ?? fail(`unknown function ${callee}`)));
    } else if (op in MEMORY) {
      const [code, align] = MEMORY[op]!;
      let offset = 0;
      if (tokens[i + 1]?.startsWith('offset=')) offset = Number(next().slice('offset='.length));
      out.push(code, align, ...unsigned(offset));
    } else fail(`unknown instruction ${op}`);
  }
  const declared = (fn.locals ?? []).map(([, type]) => [1, TYPE_CODE[type]]);
  const body = [...vector(declared), ...out, 0x0b];
  return [...unsigned(body.length), ...body];
}

/** A module with the given functions and one memory exported as `memory`. */
export function assemble(functions: WatFunction[], memoryPages: number): Uint8Array {
  const functionIndex = new Map(functions.map((fn, i) => [fn.name, i]));
  const types = functions.map((fn) => [0x60, ...vector(fn.params.map(([, t]) => [TYPE_CODE[t]])), ...vector(fn.result ? [[TYPE_CODE[fn.result]]] : [])]);
  const exports = functions.filter((fn) => fn.exported).map((fn) => [...name(fn.name), 0x00, ...unsigned(functionIndex.get(fn.name)!)]);
  exports.push([...name('memory'), 0x02, 0]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(3, functions.map((_, i) => unsigned(i))),
    ...section(5, [[0x00, ...unsigned(memoryPages)]]),
    ...section(7, exports),
    ...section(10, functions.map((fn) => encodeBody(fn, functionIndex))),
  ]);
}
