import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { WARCRecord, WARCSerializer, type WARCRecordOpts } from 'warcio';
import { WARC_SKIP, openReader } from '../../../src/corpus/io/index.js';
import { DEFAULT_FIELDS } from '../../../src/corpus/io/types.js';
import { readAll, tempDir } from './helpers.js';

const PARAGRAPHS = [
  'The Alpine ibex is a species of wild goat that lives in the mountains of the European Alps, where it climbs steep rock faces with surprising ease.',
  'Hunting drove the ibex close to extinction in the nineteenth century; a few dozen animals survived in the Gran Paradiso area of northern Italy.',
  'Reintroduction programmes in Switzerland, which began in 1906 with animals smuggled across the border, brought the population back to tens of thousands.',
  'Today the species is listed as least concern, although its low genetic diversity remains a worry for conservation biologists studying the herds.',
];

const ARTICLE_HTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The Alpine ibex</title>
<style>body { color: red }</style><script>var tracking = "do not index me";</script></head>
<body>
  <header><div class="logo">Wildlife Weekly</div></header>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/about">About us</a></li></ul></nav>
  <main><article>
    <h1>The Alpine ibex</h1>
    ${PARAGRAPHS.map((p) => `<p>${p.replace('nineteenth', '<em>nineteenth</em>')}</p>`).join('\n    ')}
  </article></main>
  <footer><p>Copyright 2024 Wildlife Weekly. All rights reserved. Privacy policy.</p></footer>
</body></html>`;

const SHORT_HTML = '<html><body><nav>Menu Home</nav><p>Ein kurzer Text über Zürich.</p><footer>Impressum</footer></body></html>';

async function* bytes(content: string | Uint8Array): AsyncGenerator<Uint8Array> {
  yield typeof content === 'string' ? new TextEncoder().encode(content) : content;
}

let counter = 0;
function record(opts: WARCRecordOpts, content?: string | Uint8Array): WARCRecord {
  counter++;
  const id = `<urn:uuid:00000000-0000-0000-0000-${String(counter).padStart(12, '0')}>`;
  return WARCRecord.create(
    { warcVersion: 'WARC/1.1', date: '2024-03-01T10:00:00Z', ...opts, warcHeaders: { 'WARC-Record-ID': id } },
    content === undefined ? undefined : bytes(content),
  );
}

/** A small crawl: one article, one short page, a WET conversion, and records to skip. */
function crawlRecords(): WARCRecord[] {
  counter = 0;
  const html = { 'Content-Type': 'text/html; charset=UTF-8' };
  return [
    WARCRecord.createWARCInfo({ filename: 'test.warc', warcVersion: 'WARC/1.1' }, { software: 'apertus-ts test' }),
    record({ type: 'request', url: 'https://wildlife.example/ibex', httpHeaders: { Host: 'wildlife.example' }, statusline: 'GET /ibex HTTP/1.1' }),
    record({ type: 'response', url: 'https://wildlife.example/ibex', httpHeaders: html }, ARTICLE_HTML),
    record({ type: 'response', url: 'https://wildlife.example/logo.png', httpHeaders: { 'Content-Type': 'image/png' } }, new Uint8Array([0x89, 0x50, 0x4e, 0x47])),
    record({ type: 'response', url: 'https://wildlife.example/missing', httpHeaders: html, statusline: 'HTTP/1.1 404 Not Found' }, '<html><body><p>Not found</p></body></html>'),
    // Latin-1 bytes, charset declared only in a <meta> tag.
    record(
      { type: 'response', url: 'https://cafe.example/', httpHeaders: { 'Content-Type': 'text/html' } },
      Buffer.from(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head>${SHORT_HTML.slice(6)}`, 'latin1'),
    ),
    record({ type: 'response', url: 'https://empty.example/', httpHeaders: html }, '<html><body><nav>Only navigation</nav></body></html>'),
    record({ type: 'conversion', url: 'https://wet.example/page', warcHeaders: {} }, 'Plain text from a WET file.\nSecond line: 中文.\n'),
    record({ type: 'metadata', url: 'https://wildlife.example/ibex' }, 'fetchTimeMs: 12\n'),
  ];
}

async function writeWarc(path: string, gzip: boolean): Promise<void> {
  const parts: Uint8Array[] = [];
  for (const rec of crawlRecords()) {
    // Each record re-reads its own headers for the conversion record's content type.
    if (rec.warcType === 'conversion') rec.warcHeaders.headers.set('Content-Type', 'text/plain');
    parts.push(await WARCSerializer.serialize(rec, { gzip }));
  }
  await writeFile(path, Buffer.concat(parts));
}

for (const ext of ['.warc', '.warc.gz']) {
  test(`${ext}: main text of HTML responses and WET text; every other record skipped with a reason`, async () => {
    const dir = await tempDir('warc');
    const file = join(dir, `crawl${ext}`);
    await writeWarc(file, ext.endsWith('.gz'));
    const read = await readAll(file);
    assert.deepEqual(read.bad, []);
    assert.equal(read.progressBytes, (await readFile(file)).length);

    assert.deepEqual(read.docs.map((d) => d.url), ['https://wildlife.example/ibex', 'https://cafe.example/', 'https://wet.example/page']);
    const [article, short, wet] = read.docs;

    for (const paragraph of PARAGRAPHS) assert.ok(article.text.includes(paragraph), `missing paragraph: ${paragraph}`);
    assert.equal(article.text.split('\n').filter((line) => PARAGRAPHS.includes(line)).length, 4, 'one paragraph per line');
    for (const boilerplate of ['Home', 'About us', 'Copyright', 'Wildlife Weekly', 'tracking', 'color: red']) {
      assert.ok(!article.text.includes(boilerplate), `boilerplate leaked: ${boilerplate}`);
    }
    assert.ok(!/\n\s*\n/.test(article.text), 'no blank lines');
    assert.equal(article.id, 'urn:uuid:00000000-0000-0000-0000-000000000002');
    assert.equal(article.date, '2024-03-01T10:00:00Z');
    assert.equal(article.source, `crawl${ext}`);
    assert.deepEqual(article.metadata, { warc_type: 'response', content_type: 'text/html; charset=UTF-8', title: 'The Alpine ibex' });

    assert.match(short.text, /Ein kurzer Text über Zürich\./, 'charset from <meta>');
    assert.ok(!short.text.includes('Menu') && !short.text.includes('Impressum'));

    assert.equal(wet.text, 'Plain text from a WET file.\nSecond line: 中文.');
    assert.deepEqual(wet.metadata, { warc_type: 'conversion', content_type: 'text/plain' });

    assert.deepEqual(read.skips, [
      WARC_SKIP.notResponse, // warcinfo
      WARC_SKIP.notResponse, // request
      WARC_SKIP.notHtml,
      WARC_SKIP.httpStatus,
      WARC_SKIP.noMainText,
      WARC_SKIP.notResponse, // metadata
    ]);
  });
}

test('.warc.gz: a truncated file gives an error naming the file', async () => {
  const dir = await tempDir('warc-trunc');
  const whole = join(dir, 'whole.warc.gz');
  await writeWarc(whole, true);
  const data = await readFile(whole);
  const truncated = join(dir, 'truncated.warc.gz');
  await writeFile(truncated, data.subarray(0, data.length - 40));
  await assert.rejects(readAll(truncated), (err: Error) => err.message.startsWith(truncated));
});

test('a record with a broken header is reported with its offset, and reading goes on', async () => {
  const dir = await tempDir('warc-broken');
  const file = join(dir, 'broken.warc');
  const good = await WARCSerializer.serialize(record({ type: 'conversion', url: 'https://ok.example/' }, 'Fine text.'));
  const broken = Buffer.from('GARBAGE/1.0\r\nContent-Length: 4\r\n\r\nabcd\r\n\r\n');
  await writeFile(file, Buffer.concat([good, broken, good]));
  const read = await readAll(file);
  assert.deepEqual(read.docs.map((d) => d.text), ['Fine text.', 'Fine text.']);
  assert.equal(read.bad.length, 1);
  assert.equal(read.bad[0].where.offset, good.length);
  assert.match(read.bad[0].reason, /expected a WARC\/1\.x header line/);
});

test('.warc: a record cut short by the end of the file is reported, not read as a document', async () => {
  const dir = await tempDir('warc-short');
  const file = join(dir, 'short.warc');
  const first = await WARCSerializer.serialize(record({ type: 'conversion', url: 'https://a.example/' }, 'Whole text.'));
  const second = await WARCSerializer.serialize(record({ type: 'conversion', url: 'https://b.example/' }, 'This text is cut.'));
  await writeFile(file, Buffer.concat([first, second.subarray(0, second.length - 10)]));
  const read = await readAll(file);
  assert.deepEqual(read.docs.map((d) => d.text), ['Whole text.']);
  assert.equal(read.bad.length, 1);
  assert.equal(read.bad[0].where.offset, first.length);
  assert.match(read.bad[0].reason, /record truncated/);
});

test('stopping early closes the input file', { skip: process.platform !== 'linux' }, async () => {
  const dir = await tempDir('warc-early');
  const file = join(dir, 'crawl.warc.gz');
  await writeWarc(file, true);
  // Several read chunks' worth of incompressible text after the first document.
  const filler = record({ type: 'conversion', url: 'https://big.example/' }, randomBytes(3 << 20).toString('base64'));
  await appendFile(file, await WARCSerializer.serialize(filler, { gzip: true }));
  const openFiles = async () => {
    const fds = await readdir('/proc/self/fd');
    const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
    return targets.filter((target) => target === file).length;
  };
  const reader = openReader(file, { fields: DEFAULT_FIELDS, onBadRecord: () => {} });
  for await (const doc of reader) {
    assert.equal(doc.url, 'https://wildlife.example/ibex');
    assert.equal(await openFiles(), 1);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await openFiles(), 0);
});
