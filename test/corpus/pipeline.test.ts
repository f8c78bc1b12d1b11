import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadPipelineConfig } from '../../src/corpus/config.js';
import { runPipeline } from '../../src/corpus/run.js';
import { UserError } from '../../src/util/errors.js';
import { makeCorpus, outputDigests, pipelineYaml, readJson, tempDir } from '../helpers/corpus.js';

async function setUp(files = 4, docs = 300, extra = '') {
  const dir = await tempDir('pipeline');
  const corpus = await makeCorpus(dir, files, docs);
  const configFile = join(dir, 'pipeline.yaml');
  await writeFile(configFile, pipelineYaml({ ...corpus, output: join(dir, 'out'), extra }));
  return { dir, configFile, ...corpus };
}

test('a run counts every document once and writes the audit, stats and manifest', async () => {
  const { configFile } = await setUp();
  const config = await loadPipelineConfig(configFile);
  const summary = await runPipeline(config, { workers: 2 });
  assert.equal(summary.failed.length, 0);
  const stats = summary.stats;
  assert.equal(stats.reader.documents, 1200);
  const [urlFilter, robots, pii] = stats.steps;
  assert.equal(urlFilter!.in, 1200);
  assert.equal(robots!.in, urlFilter!.kept);
  assert.equal(pii!.in, robots!.kept);
  assert.equal(stats.output.documents, pii!.kept);
  // spam.example.biz is blocked by its registered domain; closed.* blocks GPTBot, down.* was unreachable.
  assert.ok(urlFilter!.removed.url_domain_blocklisted! > 0);
  assert.ok(robots!.removed.robots_disallowed! > 0);
  assert.ok(robots!.removed.robots_unavailable! > 0);
  assert.ok(pii!.modified > 0 && pii!.extra.pii_email! > 0 && pii!.extra.pii_iban! > 0);
  const removedTotal = [urlFilter!, robots!].reduce((n, s) => n + Object.values(s.removed).reduce((a, b) => a + b, 0), 0);
  assert.equal(stats.output.documents + removedTotal, 1200);
  // by_domain adds up to the whole input.
  const byDomain = Object.values(stats.by_domain).reduce((n, g) => n + g.documents, 0);
  assert.equal(byDomain, 1200);

  const stored = await readJson<{ complete: boolean; steps: { name: string }[] }>(join(config.output.path, 'stats.json'));
  assert.equal(stored.complete, true);
  assert.deepEqual(stored.steps.map((s) => s.name), ['url_filter', 'robots', 'pii']);
  const manifest = await readJson<{ inputs: { sha256: string }[]; outputs: { path: string; sha256: string }[]; software: { version: string } }>(
    join(config.output.path, 'manifest.json'),
  );
  assert.equal(manifest.inputs.length, 4);
  const digests = await outputDigests(config.output.path);
  assert.deepEqual(Object.fromEntries(manifest.outputs.map((o) => [o.path, o.sha256])), digests);
  assert.ok(Object.keys(digests).some((p) => p.startsWith('removed/robots/')));
});

test('1 worker and 2 workers give byte-identical outputs', async () => {
  const { configFile } = await setUp(5, 200);
  const config = await loadPipelineConfig(configFile);
  await runPipeline({ ...config, output: { ...config.output, path: `${config.output.path}-1` } }, { workers: 1 });
  await runPipeline({ ...config, output: { ...config.output, path: `${config.output.path}-2` } }, { workers: 2 });
  const one = await outputDigests(`${config.output.path}-1`);
  const two = await outputDigests(`${config.output.path}-2`);
  assert.ok(Object.keys(one).length >= 10);
  assert.deepEqual(one, two);
});

test('a second run refuses to overwrite unless told; --resume with nothing left does nothing', async () => {
  const { configFile } = await setUp(2, 50);
  const config = await loadPipelineConfig(configFile);
  await runPipeline(config, { workers: 1 });
  await assert.rejects(runPipeline(config, { workers: 1 }), (err: Error) => err instanceof UserError && /--resume/.test(err.message));
  const resumed = await runPipeline(config, { workers: 1, resume: true });
  assert.equal(resumed.ran, 0);
  assert.equal(resumed.stats.reader.documents, 100);
  const again = await runPipeline(config, { workers: 1, overwrite: true });
  assert.equal(again.ran, 2);
});

test('malformed lines are skipped and counted; on_error: fail stops the task', async () => {
  const { dir, configFile, input } = await setUp(2, 20);
  await writeFile(join(input, 'part-00.jsonl'), '{"id": "a", "text": "fine"}\n{not json\n{"id": "b", "text": 7}\n{"id": "c", "text": "also fine"}\n');
  const config = await loadPipelineConfig(configFile);
  const summary = await runPipeline(config, { workers: 1 });
  assert.equal(summary.stats.reader.bad_records, 2);
  assert.equal(summary.stats.reader.documents, 22);

  await writeFile(configFile, pipelineYaml({ input, output: join(dir, 'out-fail'), snapshot: join(dir, 'robots.jsonl'), blocklist: join(dir, 'blocklist.txt'), extra: 'on_error: fail' }));
  const failing = await runPipeline(await loadPipelineConfig(configFile), { workers: 1 });
  assert.equal(failing.failed.length, 1);
  assert.match(failing.failed[0]!.message, /part-00\.jsonl:2/);
});

test('a corrupt compressed file fails its task only; --resume redoes just that task', async () => {
  const { configFile, input } = await setUp(4, 100);
  const good = gzipSync('{"id": "x", "text": "repaired"}\n');
  await writeFile(join(input, 'part-01.jsonl.gz'), good.subarray(0, good.length - 12));
  const config = await loadPipelineConfig(configFile);
  const first = await runPipeline(config, { workers: 2 });
  assert.deepEqual(first.failed.map((f) => f.index), [1]);
  assert.match(first.failed[0]!.message, /part-01\.jsonl\.gz/);
  assert.equal((await readJson<{ complete: boolean }>(join(config.output.path, 'stats.json'))).complete, false);

  const before = await outputDigests(config.output.path);
  await writeFile(join(input, 'part-01.jsonl.gz'), good);
  const second = await runPipeline(config, { workers: 2, resume: true });
  assert.equal(second.ran, 1);
  assert.equal(second.failed.length, 0);
  assert.equal(second.stats.reader.documents, 301);
  const after = await outputDigests(config.output.path);
  for (const [path, digest] of Object.entries(before)) assert.equal(after[path], digest, `${path} was rewritten`);
  assert.ok(after['documents/00001.jsonl.zst']);
  assert.equal((await readJson<{ complete: boolean }>(join(config.output.path, 'stats.json'))).complete, true);
});

test('config errors name the file, the line and the field', async () => {
  const { dir } = await setUp(1, 1);
  const file = join(dir, 'bad.yaml');
  await writeFile(file, 'input:\n  path: x\noutput:\n  path: y\nsteps:\n  - step: robots\n    snapshot: 5\n  - step: nope\n');
  await assert.rejects(loadPipelineConfig(file), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /bad\.yaml:7:15: steps\[0\]\.snapshot: expected string, received number/);
    assert.match(err.message, /bad\.yaml:8:\d+: steps\[1\]\.step: /);
    return true;
  });
});
