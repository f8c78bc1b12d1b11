// `apertus demo --quick` end to end: every stage leaves its files, every section of the report
// has content, and the report opens in headless Chromium with every chart drawn and no errors
// (a screenshot goes to artifacts/demo-report.png, which CI keeps).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkReport, launchChromium } from '../helpers/browser.js';
import { tempDir } from '../helpers/corpus.js';

const BIN = fileURLToPath(new URL('../../../bin/apertus.js', import.meta.url));

test('apertus demo --quick runs the whole flow and writes a report whose every section has content', async () => {
  const out = join(await tempDir('demo'), 'demo');
  const run = spawnSync(process.execPath, [BIN, 'demo', '--quick', '--out', out, '--no-progress'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(run.status, 0, run.stderr);
  const report = join(out, 'report.html');
  assert.match(run.stdout, new RegExp(`The report: ${report.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  for (const file of ['corpus/stats.json', 'corpus/manifest.json', 'tokenizer.json', 'tokens/corpus.bin', 'tokens/probed.probes.jsonl',
    'runs/standard/metrics.jsonl', 'runs/goldfish/metrics.jsonl', 'runs/goldfish/memorization.json', 'runs/standard/perplexity.json',
    'collab/results.json', 'hf/goldfish/model.safetensors', 'hf/goldfish/config.json', 'hf/goldfish/tokenizer.json']) {
    assert.ok(existsSync(join(out, file)), file);
  }
  const stats = JSON.parse(readFileSync(join(out, 'corpus', 'stats.json'), 'utf8')) as { complete: boolean; steps: { name: string; removed: Record<string, number> }[] };
  assert.equal(stats.complete, true);
  assert.ok(stats.steps.find((s) => s.name === 'robots')!.removed.robots_disallowed! > 0, 'robots opt-outs removed documents');
  const html = readFileSync(report, 'utf8');
  const sections = [...html.matchAll(/<section id="([^"]+)"><h2>[^<]*<\/h2>\n([\s\S]*?)<\/section>/g)];
  assert.deepEqual(sections.map((m) => m[1]), ['data', 'training', 'memorization', 'collaboration', 'export']);
  for (const [, id, body] of sections) assert.ok(body!.length > 200, `section ${id} has content`);
  assert.match(html, /robots_disallowed/, 'the audit names the rules that fired');
  assert.match(html, /apertus train .*train-goldfish\.yaml/, 'the commands to reproduce are in the report');
  const metrics = readFileSync(join(out, 'runs/goldfish/metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { goldfish_rate?: number });
  assert.ok(metrics.some((m) => (m.goldfish_rate ?? 0) > 0.1), 'the Goldfish run dropped tokens');

  const browser = await launchChromium();
  assert.ok(browser, 'Chromium is needed for the report check (Debian package chromium)');
  try {
    const artifacts = resolve('artifacts');
    await mkdir(artifacts, { recursive: true });
    const check = await checkReport(browser, report, join(artifacts, 'demo-report.png'));
    assert.deepEqual(check.errors, []);
    assert.deepEqual(check.logged, []);
    assert.ok(check.charts >= 10, `${check.charts} charts`);
    assert.equal(check.rendered, check.charts);
    assert.equal(check.drawn, check.charts);
  } finally {
    await browser.close();
  }
});
