import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { APERTUS_BIN, runApertus } from '../helpers/cli.js';
import { makeCorpus, outputDigests, pipelineYaml, readJson, tempDir } from '../helpers/corpus.js';

const BIN = APERTUS_BIN;

const apertus = (args: string[], input?: string) => runApertus(args, { input });

test('every command and subcommand has --help', () => {
  for (const args of [[], ['demo'], ['lid'], ['data'], ['data', 'run'], ['data', 'calibrate'], ['data', 'steps'], ['data', 'validate'], ['robots'], ['robots', 'fetch'], ['robots', 'check'], ['pii'], ['pii', 'redact'],
    ['data', 'status'], ['data', 'tokenize'], ['data', 'shard-info'], ['tokenizer'], ['tokenizer', 'train'], ['tokenizer', 'encode'],
    ['tokenizer', 'decode'], ['tokenizer', 'info'], ['train'], ['generate'], ['export'], ['export', 'hf'], ['data', 'inject-probes'],
    ['eval'], ['eval', 'memorization'], ['eval', 'ppl'], ['eval', 'mc'], ['eval', 'make-task'], ['eval', 'make-probes'],
    ['experiment'], ['experiment', 'goldfish'], ['experiment', 'cobo'], ['experiment', 'cobo-tune'], ['collab'], ['collab', 'simulate'], ['collab', 'serve'],
    ['collab', 'join'], ['collab', 'partition'], ['collab', 'tokens']]) {
    const { code, stdout } = apertus([...args, '--help']);
    assert.equal(code, 0, `apertus ${args.join(' ')} --help`);
    assert.match(stdout, /Usage: apertus/);
  }
});

test('pii redact works on stdin', () => {
  const { code, stdout, stderr } = apertus(['pii', 'redact', '--counts'], 'Schreib an anna@example.de\nIBAN DE89 3704 0044 0532 0130 00 from 10.0.0.1\n');
  assert.equal(code, 0, stderr);
  assert.equal(stdout, 'Schreib an <email-pii>\nIBAN <iban-pii> from <ip-pii>\n');
  assert.deepEqual(JSON.parse(stderr), { email: 1, ip: 1, iban: 1, phone: 0, card: 0 });
});

test('robots check prints one JSON object', async () => {
  const dir = await tempDir('cli-robots');
  const { snapshot } = await makeCorpus(dir, 1, 1);
  const { code, stdout } = apertus(['robots', 'check', '--snapshot', snapshot, '--url', 'https://closed.example.org/a', '--agent', 'GPTBot', '--agent', 'CCBot']);
  assert.equal(code, 0);
  const result = JSON.parse(stdout) as { url: string; allowed: boolean; blocked_by: string[] };
  assert.equal(result.allowed, false);
  assert.deepEqual(result.blocked_by, ['GPTBot']);
});

test('data run: a bad config is reported with file, line and field', async () => {
  const dir = await tempDir('cli-config');
  const file = join(dir, 'p.yaml');
  await writeFile(file, 'input: {path: x}\noutput: {path: y, format: csv}\n');
  const { code, stderr } = apertus(['data', 'run', file]);
  assert.equal(code, 1);
  assert.match(stderr, /p\.yaml:2:\d+: output\.format: /);
});

test('data run killed with SIGKILL midway, then --resume, gives the output of an uninterrupted run', async () => {
  const dir = await tempDir('cli-kill');
  const corpus = await makeCorpus(dir, 8, 4000);
  const killedOut = join(dir, 'killed');
  const cleanOut = join(dir, 'clean');
  await writeFile(join(dir, 'killed.yaml'), pipelineYaml({ ...corpus, output: killedOut }));
  await writeFile(join(dir, 'clean.yaml'), pipelineYaml({ ...corpus, output: cleanOut }));

  const child = spawn(process.execPath, [BIN, 'data', 'run', join(dir, 'killed.yaml'), '--workers', '1', '--no-progress'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const markers = async () =>
    existsSync(join(killedOut, 'tasks')) ? (await readdir(join(killedOut, 'tasks'))).filter((f) => f.endsWith('.json')).length : 0;
  // Kill once at least two tasks are done and before all are.
  while ((await markers()) < 2) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await exited;
  const doneBefore = await markers();
  assert.ok(doneBefore < 8, `the run finished before it was killed (${doneBefore} tasks)`);

  const resumed = apertus(['data', 'run', join(dir, 'killed.yaml'), '--resume', '--no-progress']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`${8 - doneBefore} to run`));
  const clean = apertus(['data', 'run', join(dir, 'clean.yaml'), '--no-progress']);
  assert.equal(clean.code, 0, clean.stderr);

  assert.deepEqual(await outputDigests(killedOut), await outputDigests(cleanOut));
  const stats = await readJson<{ reader: { documents: number } }>(join(killedOut, 'stats.json'));
  assert.equal(stats.reader.documents, 32000);
  const leftovers = (await readdir(killedOut, { recursive: true })).filter((f) => String(f).endsWith('.tmp'));
  assert.deepEqual(leftovers, []);
});

test('data run writes Parquet when asked, and Ctrl-C stops cleanly and resumes', async () => {
  const dir = await tempDir('cli-sigint');
  const corpus = await makeCorpus(dir, 6, 4000);
  const out = join(dir, 'out');
  await writeFile(join(dir, 'p.yaml'), pipelineYaml({ ...corpus, output: out, format: 'parquet' }));
  const child = spawn(process.execPath, [BIN, 'data', 'run', join(dir, 'p.yaml'), '--workers', '1', '--no-progress'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  while (!existsSync(join(out, 'tasks')) || (await readdir(join(out, 'tasks'))).filter((f) => f.endsWith('.json')).length < 1) {
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /interrupted/);
  assert.match(stderr, /--resume/);
  const leftovers = (await readdir(out, { recursive: true })).filter((f) => String(f).endsWith('.tmp'));
  assert.deepEqual(leftovers, []);
  const resumed = apertus(['data', 'run', join(dir, 'p.yaml'), '--resume', '--no-progress']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const files = (await readdir(join(out, 'documents'))).sort();
  assert.deepEqual(files, ['00000.parquet', '00001.parquet', '00002.parquet', '00003.parquet', '00004.parquet', '00005.parquet']);
  assert.equal((await readJson<{ reader: { documents: number } }>(join(out, 'stats.json'))).reader.documents, 24000);
});

test('robots fetch writes a snapshot from a local server, and the pipeline honours it', async () => {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    if (req.url === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('User-agent: GPTBot\nDisallow: /\n');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const dir = await tempDir('cli-fetch');
    await writeFile(join(dir, 'hosts.txt'), `# test hosts\n127.0.0.1:${port}\n127.0.0.1:1\n`);
    const out = join(dir, 'snapshot.jsonl');
    const child = spawn(process.execPath, [BIN, 'robots', 'fetch', '--hosts', join(dir, 'hosts.txt'), '--out', out, '--scheme', 'http', '--timeout', '2000'], { stdio: 'ignore' });
    assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 0);
    const entries = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { host: string; status: number; body: string });
    assert.deepEqual(entries.map((e) => [e.host, e.status]), [[`127.0.0.1:${port}`, 200], ['127.0.0.1:1', 0]]);
    const check = spawn(process.execPath, [BIN, 'robots', 'check', '--snapshot', out, '--url', `http://127.0.0.1:${port}/page`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    check.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise((resolve) => check.on('exit', resolve));
    assert.deepEqual((JSON.parse(stdout) as { blocked_by: string[] }).blocked_by, ['GPTBot']);
  } finally {
    server.close();
  }
});

test('lid labels lines on stdin with the model labels', () => {
  const { code, stdout, stderr } = apertus(['lid'], 'Der schnelle braune Fuchs springt über den faulen Hund.\nLe renard brun rapide saute par-dessus le chien paresseux.\n\n');
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { language: string; score: number });
  assert.deepEqual(lines.map((l) => l.language), ['de', 'fr', 'und']);
  assert.ok(lines[0]!.score > 0.9);
});

test('data calibrate writes per-language cut-offs that the toxicity step then reads', async () => {
  const dir = await tempDir('cli-calibrate');
  const corpus = await makeCorpus(dir, 2, 300);
  const cutoffs = join(dir, 'cutoffs.json');
  const yaml = `input: {path: ${corpus.input}}\noutput: {path: ${join(dir, 'out')}}\nsteps:\n  - step: language\n    threshold: 0\n  - step: toxicity\n    cutoffs: ${cutoffs}\n    min_per_language: 10\n`;
  await writeFile(join(dir, 'p.yaml'), yaml);
  const missing = apertus(['data', 'run', join(dir, 'p.yaml'), '--no-progress']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /apertus data calibrate/);
  const calibrated = apertus(['data', 'calibrate', join(dir, 'p.yaml'), '--step', 'toxicity', '--sample', '400']);
  assert.equal(calibrated.code, 0, calibrated.stderr);
  const file = await readJson<{ percentile: number; sample_size: number; cutoffs: Record<string, number> }>(cutoffs);
  assert.equal(file.percentile, 95);
  assert.equal(file.sample_size, 400);
  assert.ok('en' in file.cutoffs);
  const run = apertus(['data', 'run', join(dir, 'p.yaml'), '--no-progress', '--overwrite']);
  assert.equal(run.code, 0, run.stderr);
});
