import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { decodeLines, describeTokenizer, encodeLines, registerTokenizerCommands } from '../../src/cli/tokenizer.js';
import { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { greedyModel, HARD_CASES } from './encode-fixtures.js';

/** A sink that takes a while per write and holds little, so back-pressure really happens. */
function slowSink(): { stream: Writable; bytes: () => Buffer; drains: () => number } {
  const chunks: Buffer[] = [];
  let drains = 0;
  const stream = new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      setImmediate(done);
    },
  });
  stream.on('drain', () => drains++);
  return { stream, bytes: () => Buffer.concat(chunks), drains: () => drains };
}

/** Input in small chunks that cut lines (and UTF-8 sequences) anywhere. */
function chunked(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

describe('apertus tokenizer encode / decode', () => {
  const tokenizer = new Tokenizer(greedyModel(HARD_CASES, 200));
  const text = Buffer.concat([
    Buffer.from('first line\nGrüezi 👋 mitenand\r\n\n'),
    Buffer.from([0xff, 0x41, 0xc3, 0x0a]), // not UTF-8: kept byte for byte
    Buffer.from(HARD_CASES.slice(2).join('\n')),
    Buffer.from('\n'),
  ]);

  it('writes one JSON array per line and decodes them back to the same bytes', async () => {
    const encoded = slowSink();
    const lines = await encodeLines(tokenizer, chunked(text, 7), encoded.stream);
    assert.equal(lines, text.toString('latin1').split('\n').length - 1);
    const jsonLines = encoded.bytes().toString('utf8').trimEnd().split('\n');
    assert.deepEqual(JSON.parse(jsonLines[0]!), tokenizer.encode('first line'));
    assert.deepEqual(JSON.parse(jsonLines[2]!), []);
    assert.ok(encoded.drains() > 0, 'waited for the sink to drain');
    const decoded = slowSink();
    await decodeLines(tokenizer, chunked(encoded.bytes(), 5), decoded.stream);
    assert.deepEqual(decoded.bytes(), text);
  });

  it('adds BOS with addSpecial and reads special strings only with allowSpecial', async () => {
    const sink = slowSink();
    await encodeLines(tokenizer, Readable.from([Buffer.from('<s>x\n')]), sink.stream, { addSpecial: true });
    assert.deepEqual(JSON.parse(sink.bytes().toString()), [1, ...tokenizer.encode('<s>x')]);
    const allowed = slowSink();
    await encodeLines(tokenizer, Readable.from([Buffer.from('<s>x')]), allowed.stream, { allowSpecial: true });
    assert.deepEqual(JSON.parse(allowed.bytes().toString()), [1, ...tokenizer.encode('x')]);
  });

  it('names the line of a malformed or out-of-range id list', async () => {
    const input = () => Readable.from([Buffer.from('[1,2]\n[1, "x"]\n')]);
    await assert.rejects(decodeLines(tokenizer, input(), slowSink().stream), /stdin:2: expected a JSON array of whole numbers/);
    await assert.rejects(decodeLines(tokenizer, Readable.from(['[5]\n[999999]\n']), slowSink().stream), /stdin:2: token id 999999/);
  });

  it('registers encode, decode and info under `tokenizer` and returns the group', () => {
    const program = new Command('apertus');
    const group = registerTokenizerCommands(program);
    assert.equal(group.name(), 'tokenizer');
    assert.deepEqual(group.commands.map((c) => c.name()), ['encode', 'decode', 'info']);
    const info = describeTokenizer('t.json', tokenizer);
    assert.match(info, /vocabulary: \d+ ids/);
    assert.match(info, /special tokens: <unk>=0 <s>=1 <\/s>=2 <pad>=3/);
    assert.match(info, /--add-special adds: <s>/);
  });
});
