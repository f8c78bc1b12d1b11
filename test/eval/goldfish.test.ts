// The Goldfish experiment end to end (the `test` preset: the smoke experiment made smaller), then
// the eval commands on what it wrote: memorization, perplexity per language, multiple choice on a
// generated UDHR task, and inject-probes.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApertus } from '../helpers/cli.js';
import { tempDir } from '../helpers/corpus.js';

const BIN = fileURLToPath(new URL('./apertus-eval.js', import.meta.url));

const apertus = (args: string[]) => runApertus(args, { bin: BIN, timeoutMs: 240_000 });

test('apertus experiment goldfish --preset test, then apertus eval on its models', async () => {
  const out = await tempDir('goldfish');
  const run = apertus(['experiment', 'goldfish', '--preset', 'test', '--out', out, '--no-progress']);
  assert.equal(run.code, 0, run.stderr);
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
  for (const row of ['standard', 'goldfish', 'control']) {
    for (const key of ['exact_match', 'rouge_l', 'val_loss']) assert.ok(key in results[row], `${row}.${key}`);
  }
  assert.ok(results.config.steps > 0);
  // the claim: the standard loss memorizes the repeated probes verbatim, the Goldfish loss does not
  assert.ok(results.standard.exact_match >= 0.75, `standard ${results.standard.exact_match}`);
  assert.ok(results.goldfish.exact_match <= 0.25, `goldfish ${results.goldfish.exact_match}`);
  assert.ok(results.standard.rouge_l > results.goldfish.rouge_l);
  assert.equal(results.control.exact_match, 0);
  assert.ok(Number.isFinite(results.standard.val_loss) && Number.isFinite(results.goldfish.val_loss));
  assert.match(await readFile(join(out, 'memorization.svg'), 'utf8'), /^<svg[\s\S]*Goldfish loss[\s\S]*<\/svg>$/);
  assert.match(run.stdout, /standard loss +\d+\/8/);

  // eval memorization on the standard run reproduces the experiment's scores
  const report = join(out, 'memorization.json');
  const memo = apertus(['eval', 'memorization', '--model', join(out, 'standard'), '--probes', join(out, 'data', 'train.probes.jsonl'),
    '--prefix', '16', '--suffix', '16', '--decoding', 'greedy', '--out', report, '--no-progress']);
  assert.equal(memo.code, 0, memo.stderr);
  assert.match(memo.stdout, /0 \(control\)/);
  const ours = JSON.parse(await readFile(report, 'utf8'));
  const experiment = JSON.parse(await readFile(join(out, 'memorization-standard.json'), 'utf8'));
  assert.deepEqual(ours.buckets, experiment.buckets);

  // eval ppl on shards (no labels) and on labelled documents
  const ppl = apertus(['eval', 'ppl', '--model', join(out, 'goldfish'), '--data', join(out, 'data', 'validation'), '--out', join(out, 'ppl.json')]);
  assert.equal(ppl.code, 0, ppl.stderr);
  const pplReport = JSON.parse(await readFile(join(out, 'ppl.json'), 'utf8'));
  // the trainer packs validation documents into rows (a document cut at a row end loses its
  // context), eval ppl scores each document whole: close, not equal
  assert.ok(Math.abs(pplReport.loss - results.goldfish.val_loss) < 0.02 * results.goldfish.val_loss, `${pplReport.loss} vs ${results.goldfish.val_loss}`);
  assert.ok(pplReport.bits_per_byte > 0);
  const docs = join(out, 'docs.jsonl');
  await writeFile(docs, ['{"text": "Everyone has the right to life, liberty and security of person.", "language": "en"}',
    '{"text": "Tout individu a droit à la vie, à la liberté et à la sûreté de sa personne.", "language": "fr"}',
    '{"text": "Jeder hat das Recht auf Leben, Freiheit und Sicherheit der Person.", "metadata": {"language": "de"}}'].join('\n'));
  const byLanguage = apertus(['eval', 'ppl', '--model', join(out, 'standard'), '--documents', docs]);
  assert.equal(byLanguage.code, 0, byLanguage.stderr);
  assert.match(byLanguage.stdout, /^en +1 /m);
  assert.match(byLanguage.stdout, /^fr +1 /m);
  assert.match(byLanguage.stdout, /^de +1 /m);

  // eval mc on a generated task
  const task = join(out, 'task.jsonl');
  const made = apertus(['eval', 'make-task', 'udhr-language', '--languages', 'eng,fra,spa,ita', '--limit', '20', '--max-words', '8', '--out', task]);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /20 items of 4 choices/);
  const mc = apertus(['eval', 'mc', '--model', join(out, 'standard'), '--task', task, '--out', join(out, 'mc.json'), '--no-progress']);
  assert.equal(mc.code, 0, mc.stderr);
  const mcReport = JSON.parse(await readFile(join(out, 'mc.json'), 'utf8'));
  assert.equal(mcReport.items, 20);
  assert.ok(mcReport.acc >= 0 && mcReport.acc <= 1 && mcReport.chance === 0.25);

  // inject-probes from the command line: text probes dealt over buckets
  const probes = join(out, 'probes.jsonl');
  await writeFile(probes, ['{"id": "p1", "text": "Everyone has the right to life."}', '{"id": "p2", "text": "All human beings are born free."}',
    '{"id": "p3", "text": "No one shall be held in slavery."}'].join('\n'));
  const injected = apertus(['data', 'inject-probes', '--data', join(out, 'data', 'filler'), '--probes', probes, '--tokenizer', join(out, 'tokenizer.json'),
    '--buckets', '0,4,16', '--out', join(out, 'probed')]);
  assert.equal(injected.code, 0, injected.stderr);
  assert.match(injected.stdout, /\+ 20 probe copies/);
  assert.ok(existsSync(join(out, 'probed.probes.jsonl')));
  const bad = apertus(['eval', 'memorization', '--model', join(out, 'standard'), '--probes', probes, '--prefix', 'x']);
  assert.notEqual(bad.code, 0);
});
