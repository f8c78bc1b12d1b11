import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { lidStream } from '../../src/cli/lid.js';
import { UserError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/corpus.js';

const GERMAN = 'Die Sitzung des Gemeinderats wurde am Dienstagabend vertagt.';
const FRENCH = 'La réunion du conseil municipal a été reportée mardi soir.';
const ENGLISH = 'The council meeting was postponed on Tuesday evening.';

/** A Writable that accepts slowly (one write at a time, tiny buffer) and keeps what it got. */
function slowSink(): { sink: Writable; text: () => string } {
  const parts: string[] = [];
  const sink = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, done) {
      parts.push(chunk.toString('utf8'));
      setImmediate(done);
    },
  });
  return { sink, text: () => parts.join('') };
}

async function lid(chunks: (string | Buffer)[], k?: number): Promise<Record<string, unknown>[]> {
  const { sink, text } = slowSink();
  const count = await lidStream(Readable.from(chunks), sink, k === undefined ? {} : { k });
  const lines = text().split('\n');
  assert.equal(lines.pop(), '', 'output ends with a newline');
  assert.equal(lines.length, count);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('one JSON object per input line, in order, with the model label and a 4-decimal score', async () => {
  // Lines cut across chunks, a multi-byte character split between two Buffers, a blank line, CRLF, no final newline.
  const bytes = Buffer.from(`${GERMAN}\n${FRENCH}\r\n\n${ENGLISH}`);
  const split = bytes.indexOf(Buffer.from('é')) + 1;
  const out = await lid([bytes.subarray(0, 10), bytes.subarray(10, split), bytes.subarray(split)]);
  assert.deepEqual(out.map((o) => o.language), ['de', 'fr', 'und', 'en']);
  assert.deepEqual(Object.keys(out[0]!), ['language', 'score']);
  for (const o of out) {
    const score = o.score as number;
    assert.ok(score >= 0 && score <= 1 && score === Number(score.toFixed(4)));
  }
  assert.equal(out[2]!.score, 0);
  assert.ok((out[0]!.score as number) > 0.9);
});

test('-k adds the top labels, best first', async () => {
  const [german, blank] = await lid([`${GERMAN}\n\n`], 3);
  assert.equal(german!.language, 'de');
  const top = german!.top as { language: string; score: number }[];
  assert.equal(top.length, 3);
  assert.deepEqual(top[0], { language: 'de', score: german!.score });
  assert.ok(top[0]!.score >= top[1]!.score && top[1]!.score >= top[2]!.score);
  assert.deepEqual(blank, { language: 'und', score: 0, top: [] });
});

test('streams many lines through a slow reader, waiting for it to drain', async () => {
  const input = new PassThrough();
  const { sink, text } = slowSink();
  const done = lidStream(input, sink);
  const lines = 20_000;
  for (let i = 0; i < lines; i++) {
    if (!input.write(`${i % 2 ? GERMAN : ENGLISH} ${i}\n`)) await new Promise((r) => input.once('drain', r));
  }
  input.end();
  assert.equal(await done, lines);
  const out = text().trimEnd().split('\n');
  assert.equal(out.length, lines);
  assert.equal((JSON.parse(out[lines - 1]!) as { language: string }).language, 'de');
  assert.equal((JSON.parse(out[lines - 2]!) as { language: string }).language, 'en');
});

test('a bad --model is a UserError naming the file', async () => {
  const dir = await tempDir('lid-cli');
  const model = join(dir, 'model.bin');
  await writeFile(model, 'not a model');
  await assert.rejects(lidStream(Readable.from(['hello\n']), new PassThrough(), { model }), (err: unknown) => err instanceof UserError && err.message.includes(model));
});
