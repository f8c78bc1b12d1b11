/**
 * safetensors: round trips of every dtype we write, bf16 rounding on known values, sharded
 * checkpoints, rejected headers, and interop with Python `safetensors` both ways (one Python run).
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Checkpoint, writeCheckpoint } from '../../src/hf/checkpoint.js';
import { bf16FromF32Bits, f16ToNumber } from '../../src/hf/dtypes.js';
import { SafetensorsReader, writeSafetensors, type TensorEntry } from '../../src/hf/safetensors.js';
import { seeded, tempDir } from '../helpers/corpus.js';
import { pythonWith, runPython } from '../helpers/python.js';

function f32Bits(x: number): number {
  return new Uint32Array(Float32Array.of(x).buffer)[0];
}

function randomFloats(n: number, seed: number): Float32Array {
  const next = seeded(seed);
  return Float32Array.from({ length: n }, () => (next() - 0.5) * 10);
}

describe('safetensors', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('safetensors-');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('bf16 rounds to nearest even, keeps inf, quiets NaN (known values)', () => {
    const cases: [number, number][] = [
      [1, 0x3f80], [-2, 0xc000], [0, 0x0000], [-0, 0x8000], [0.5, 0x3f00],
      [1 + 2 ** -8, 0x3f80], // halfway between 1 and 1+2^-7: ties to the even 0x3f80
      [1 + 3 * 2 ** -8, 0x3f82], // halfway between 0x3f81 and 0x3f82: ties to even, up
      [1 + 2 ** -8 + 2 ** -20, 0x3f81], // just above halfway: up
      [Math.PI, 0x4049], [65504, 0x4780], [Infinity, 0x7f80], [-Infinity, 0xff80],
      [3.3895313892515355e38, 0x7f7f], // largest finite bf16 stays finite
      [1e-40, 0x0001], // subnormal float32 1e-40 = 0x000116c2 -> 0x0001
    ];
    for (const [x, bits] of cases) assert.equal(bf16FromF32Bits(f32Bits(x)), bits, `bf16(${x})`);
    assert.equal(bf16FromF32Bits(f32Bits(NaN)), 0x7fc0);
    assert.equal(bf16FromF32Bits(0xffc00001), 0x7fc0);
    assert.equal(bf16FromF32Bits(0x7f7fffff), 0x7f80, 'max float32 rounds to inf, as torch does');
  });

  it('f16 widens exactly: normals, subnormals, inf, NaN', () => {
    assert.equal(f16ToNumber(0x3c00), 1);
    assert.equal(f16ToNumber(0xc000), -2);
    assert.equal(f16ToNumber(0x7bff), 65504);
    assert.equal(f16ToNumber(0x0001), 2 ** -24);
    assert.equal(f16ToNumber(0x7c00), Infinity);
    assert.ok(Number.isNaN(f16ToNumber(0x7e00)));
  });

  it('round trip: F32, F64, BF16, I32, I64, U8, 0-dim and empty tensors, metadata, 8-byte aligned header', async () => {
    const file = join(dir, 'all.safetensors');
    const f32 = randomFloats(60, 1);
    const entries: TensorEntry[] = [
      { name: 'a.f32', dtype: 'F32', shape: [3, 4, 5], data: f32 },
      { name: 'b.f64', dtype: 'F64', shape: [7], data: Float64Array.from([1 / 3, -2, 1e300, 0, 5, 6, 7]) },
      { name: 'c.bf16', dtype: 'BF16', shape: [6, 10], data: f32 },
      { name: 'd.i32', dtype: 'I32', shape: [2, 2], data: Int32Array.from([1, -2, 3, 2147483647]) },
      { name: 'e.i64', dtype: 'I64', shape: [2], data: BigInt64Array.from([-1n, 1n << 40n]) },
      { name: 'f.u8', dtype: 'U8', shape: [3], data: Uint8Array.from([0, 7, 255]) },
      { name: 'g.scalar', dtype: 'F32', shape: [], data: Float32Array.of(-1e-6) },
      { name: 'h.empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
    ];
    await writeSafetensors(file, entries, { format: 'pt', note: 'hello' });
    const bytes = await readFile(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    assert.equal(headerLength % 8, 0);
    const r = await SafetensorsReader.open(file);
    try {
      assert.deepEqual(r.metadata, { format: 'pt', note: 'hello' });
      assert.deepEqual(r.names().sort(), entries.map((e) => e.name).sort());
      for (const name of r.names()) {
        const { dataOffsets: [begin], dtype } = r.info(name);
        assert.equal(begin % { F64: 8, I64: 8, F32: 4, I32: 4, BF16: 2, U8: 1 }[dtype as 'F32'], 0, `${name} aligned`);
      }
      assert.deepEqual(await r.readFloats('a.f32'), f32);
      assert.deepEqual(r.info('a.f32').shape, [3, 4, 5]);
      assert.deepEqual(Array.from(await r.readFloats('b.f64', 'float64')), [1 / 3, -2, 1e300, 0, 5, 6, 7]);
      const bf = await r.readFloats('c.bf16');
      for (let i = 0; i < f32.length; i++) {
        assert.equal(new Uint32Array(Float32Array.of(bf[i]).buffer)[0], (bf16FromF32Bits(f32Bits(f32[i])) << 16) >>> 0);
        assert.ok(Math.abs(bf[i] - f32[i]) <= Math.abs(f32[i]) * 2 ** -8);
      }
      assert.deepEqual(Array.from((await r.readInts('d.i32')) as Int32Array), [1, -2, 3, 2147483647]);
      assert.deepEqual(Array.from((await r.readInts('e.i64')) as BigInt64Array), [-1n, 1n << 40n]);
      assert.deepEqual(Array.from(await r.readBytes('f.u8')), [0, 7, 255]);
      assert.deepEqual(Array.from(await r.readFloats('g.scalar')), [Math.fround(-1e-6)]);
      assert.deepEqual(r.info('g.scalar').shape, []);
      assert.equal((await r.readFloats('h.empty')).length, 0);
      await assert.rejects(r.readFloats('d.i32'), /is I32, not a float type/);
      assert.throws(() => r.info('nope'), /no tensor named "nope"/);
    } finally {
      await r.close();
    }
  });

  it('rejects broken files with the reason', async () => {
    const bad = async (name: string, header: string | null, extra = 0) => {
      const file = join(dir, name);
      if (header === null) await writeFile(file, Buffer.from([1, 2, 3]));
      else {
        const json = Buffer.from(header);
        const prefix = Buffer.alloc(8);
        prefix.writeBigUInt64LE(BigInt(json.length));
        await writeFile(file, Buffer.concat([prefix, json, Buffer.alloc(extra)]));
      }
      return SafetensorsReader.open(file);
    };
    await assert.rejects(bad('short.st', null), /shorter than the 8-byte header length/);
    await assert.rejects(bad('json.st', '{nope'), /header is not JSON/);
    await assert.rejects(bad('dtype.st', '{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}', 1), /unknown dtype "Q4"/);
    await assert.rejects(bad('size.st', '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', 4), /4 bytes for F32 \[2\]/);
    await assert.rejects(bad('gap.st', '{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), /gap or overlap/);
    await assert.rejects(bad('tail.st', '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 8), /cover 4 bytes of a 8-byte/);
  });

  it('sharded checkpoint: write with a max shard size, read across shards; single file below the limit', async () => {
    const entries: TensorEntry[] = Array.from({ length: 5 }, (_, i) => ({
      name: `layer.${i}.weight`, dtype: 'F32' as const, shape: [10, 10], data: randomFloats(100, 10 + i),
    }));
    const sharded = join(dir, 'sharded');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(sharded);
    const files = await writeCheckpoint(sharded, entries, { maxShardBytes: 900 });
    assert.deepEqual(files, [
      'model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors',
      'model.safetensors.index.json',
    ]);
    const index = JSON.parse(await readFile(join(sharded, 'model.safetensors.index.json'), 'utf8'));
    assert.equal(index.metadata.total_size, 2000);
    assert.equal(index.weight_map['layer.4.weight'], 'model-00003-of-00003.safetensors');
    const ckpt = await Checkpoint.open(sharded);
    try {
      assert.equal(ckpt.names().length, 5);
      for (const e of entries) assert.deepEqual(await ckpt.readFloats(e.name), e.data);
    } finally {
      await ckpt.close();
    }
    const single = join(dir, 'single');
    await mkdir(single);
    assert.deepEqual(await writeCheckpoint(single, entries, { maxShardBytes: 1e6 }), ['model.safetensors']);
    const one = await Checkpoint.open(single);
    assert.deepEqual(await one.readFloats('layer.2.weight'), entries[2].data);
    await one.close();
    await assert.rejects(Checkpoint.open(dir), /no model.safetensors or model.safetensors.index.json/);
  });

  it('interop with Python safetensors: our file loads there, theirs (F32, BF16, F16, I64) loads here', async (t) => {
    const python = await pythonWith(['torch', 'safetensors', 'numpy']);
    if (!python) return t.skip('no Python with torch and safetensors');
    const values = randomFloats(1000, 7);
    // rounding ties and edge cases in the bf16 column, checked against torch's own rounding
    values.set([1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 3.3895313892515355e38, 1e-40, 0, -0], 0);
    await writeSafetensors(join(dir, 'ours.safetensors'), [
      { name: 'w.f32', dtype: 'F32', shape: [10, 100], data: values },
      { name: 'w.bf16', dtype: 'BF16', shape: [1000], data: values },
      { name: 'ids', dtype: 'I64', shape: [3], data: BigInt64Array.from([5n, -6n, 7n]) },
      { name: 'scalar', dtype: 'F32', shape: [], data: Float32Array.of(0.5) },
    ], { format: 'pt' });
    const program = String.raw`
import json, sys, torch
from safetensors.torch import load_file, save_file
from safetensors import safe_open
work = sys.argv[1]
t = load_file(f'{work}/ours.safetensors')
with safe_open(f'{work}/ours.safetensors', 'pt') as f: meta = f.metadata()
ref = t['w.f32'].reshape(-1)
out = {
  'f32': t['w.f32'].reshape(-1).tolist(), 'shape': list(t['w.f32'].shape), 'meta': meta,
  'bf16_dtype': str(t['w.bf16'].dtype),
  'bf16_equal': bool(torch.equal(t['w.bf16'].view(torch.int16), ref.to(torch.bfloat16).view(torch.int16))),
  'ids': t['ids'].tolist(), 'scalar_shape': list(t['scalar'].shape), 'scalar': t['scalar'].item(),
}
g = torch.Generator().manual_seed(0)
x = torch.randn(3, 5, generator=g) * 100
theirs = {'x.f32': x, 'x.bf16': x.to(torch.bfloat16), 'x.f16': x.to(torch.float16), 'n.i64': torch.arange(-3, 3), 'e': torch.zeros(0, 2)}
save_file(theirs, f'{work}/theirs.safetensors', metadata={'who': 'python'})
out['theirs'] = {k: v.float().reshape(-1).tolist() for k, v in theirs.items()}
json.dump(out, open(f'{work}/py.json', 'w'))
`;
    await runPython(python, program, [dir]);
    const py = JSON.parse(await readFile(join(dir, 'py.json'), 'utf8'));
    assert.deepEqual(py.f32, Array.from(values));
    assert.deepEqual(py.shape, [10, 100]);
    assert.deepEqual(py.meta, { format: 'pt' });
    assert.equal(py.bf16_dtype, 'torch.bfloat16');
    assert.ok(py.bf16_equal, 'our bf16 bits equal torch .to(bfloat16) bit for bit');
    assert.deepEqual(py.ids, [5, -6, 7]);
    assert.deepEqual(py.scalar_shape, []);
    assert.equal(py.scalar, 0.5);
    const r = await SafetensorsReader.open(join(dir, 'theirs.safetensors'));
    try {
      assert.deepEqual(r.metadata, { who: 'python' });
      for (const name of ['x.f32', 'x.bf16', 'x.f16', 'e']) {
        assert.deepEqual(Array.from(await r.readFloats(name)), py.theirs[name].map(Math.fround), name);
      }
      assert.equal(r.info('x.f16').dtype, 'F16');
      assert.deepEqual(r.info('e').shape, [0, 2]);
      assert.deepEqual(Array.from((await r.readInts('n.i64')) as BigInt64Array), [-3n, -2n, -1n, 0n, 1n, 2n]);
    } finally {
      await r.close();
    }
  });
});
