import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunStatus } from '../../src/corpus/status.js';
import { makeCorpus, outputDigests, pipelineYaml, tempDir } from '../helpers/corpus.js';
import { startLocalSlurm } from '../helpers/slurm.js';

const BIN = fileURLToPath(new URL('../../../bin/apertus.js', import.meta.url));

/**
 * Six small files, one large one (task 5, so that it is still running when it is cancelled) and
 * one of exact and near copies of documents of the first file (so both dedup steps remove some).
 */
async function makeSlurmCorpus(dir: string) {
  const corpus = await makeCorpus(dir, 5, 1500);
  const big = await makeCorpus(join(dir, 'big'), 1, 25_000, 2);
  await copyFile(join(big.input, 'part-00.jsonl'), join(corpus.input, 'part-05.jsonl'));
  const originals = (await readFile(join(corpus.input, 'part-00.jsonl'), 'utf8')).trim().split('\n').slice(0, 150);
  const copies = originals.map((line, i) => {
    const doc = JSON.parse(line) as { id: string; text: string };
    const text = i % 2 === 0 ? doc.text : `${doc.text} the end`;
    return JSON.stringify({ ...doc, id: `copy-${i}`, text });
  });
  await writeFile(join(corpus.input, 'part-06.jsonl'), `${copies.join('\n')}\n`);
  return corpus;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, seconds: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await sleep(20);
  }
}

test('slurm executor on a local cluster: a cancelled array element is resubmitted alone, results equal the local run', { timeout: 900_000 }, async (t) => {
  const cluster = await startLocalSlurm();
  if ('skip' in cluster) {
    t.skip(cluster.skip);
    return;
  }
  const { env } = cluster;
  const apertus = (args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const slurm = (command: string, args: string[]) => spawnSync(command, args, { encoding: 'utf8', env }).stdout ?? '';
  const queued = (ids: string[]) =>
    slurm('squeue', ['--noheader', '--format=%F'])
      .split('\n')
      .map((s) => s.trim())
      .filter((id) => ids.includes(id));
  try {
    const dir = await tempDir('slurm-run');
    const corpus = await makeSlurmCorpus(dir);
    const steps = '  - step: exact_dedup\n  - step: minhash_dedup\n';
    const localOut = join(dir, 'local');
    const slurmOut = join(dir, 'slurm');
    await writeFile(join(dir, 'local.yaml'), pipelineYaml({ ...corpus, output: localOut, format: 'jsonl' }) + steps);
    await writeFile(join(dir, 'slurm.yaml'), pipelineYaml({ ...corpus, output: slurmOut, format: 'jsonl' }) + steps);
    const local = apertus(['data', 'run', join(dir, 'local.yaml'), '--no-progress']);
    assert.equal(local.code, 0, local.stderr);

    const submitArgs = ['data', 'run', join(dir, 'slurm.yaml'), '--executor', 'slurm', '--time', '10:00', '--cpus-per-task', '1'];
    const first = apertus(submitArgs);
    assert.equal(first.code, 0, first.stderr);
    const ids = [...first.stdout.matchAll(/submitted job (\d+)/g)].map((m) => m[1]!);
    assert.equal(ids.length, 6, `3 stage arrays, 2 resolves, 1 final job:\n${first.stdout}`);

    // Cancel the array element of task 5 in stage 1 while it runs; its dependents are cancelled
    // in turn (--kill-on-invalid-dep), so the queue empties.
    const attempt = join(slurmOut, 'stages', 'exact_dedup', 'tasks', '00005.attempt');
    await waitFor('task 5 of stage 1 to start', 60, () => existsSync(attempt));
    slurm('scancel', [`${ids[0]}_5`]);
    await waitFor('the cancelled submission to leave the queue', 90, () => queued(ids).length === 0);
    assert.ok(!existsSync(join(slurmOut, 'stages', 'exact_dedup', 'tasks', '00005.json')), 'task 5 finished before it was cancelled');
    assert.ok(!existsSync(join(slurmOut, 'manifest.json')));

    const status = apertus(['data', 'status', slurmOut, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const before = JSON.parse(status.stdout) as RunStatus;
    assert.deepEqual(before.stages[0]!.counts, { done: 6, running: 0, failed: 1, pending: 0 });
    assert.equal(before.stages[0]!.failures[0]!.index, 5);
    assert.ok(existsSync(before.stages[0]!.failures[0]!.log!), 'the failed element has its log');
    assert.deepEqual(before.stages[1]!.counts, { done: 0, running: 0, failed: 0, pending: 7 });
    const text = apertus(['data', 'status', slurmOut]);
    assert.match(text.stdout, /stage 1 task 5 .* failed: Slurm job \d+_5 ended without finishing/);

    // The same command again submits only task 5 of stage 1, then the later stages.
    const second = apertus(submitArgs);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /stage 1\/3: 1 of 7 task\(s\)/);
    assert.match(await readFile(join(slurmOut, 'slurm', 'stage-1.sh'), 'utf8'), /^#SBATCH --array=5$/m);
    const ids2 = [...second.stdout.matchAll(/submitted job (\d+)/g)].map((m) => m[1]!);
    await waitFor('the resubmitted run to finish', 120, () => queued(ids2).length === 0);
    assert.ok(existsSync(join(slurmOut, 'manifest.json')), `no manifest: ${apertus(['data', 'status', slurmOut]).stdout}`);

    assert.deepEqual(await outputDigests(slurmOut), await outputDigests(localOut));
    assert.equal(await readFile(join(slurmOut, 'stats.json'), 'utf8'), await readFile(join(localOut, 'stats.json'), 'utf8'));
    const stats = JSON.parse(await readFile(join(slurmOut, 'stats.json'), 'utf8')) as { steps: { name: string; removed: Record<string, number> }[] };
    assert.ok(stats.steps.find((s) => s.name === 'exact_dedup')!.removed.exact_duplicate! > 0);
    assert.ok(stats.steps.find((s) => s.name === 'minhash_dedup')!.removed.minhash_duplicate! > 0);
    const logs = await readdir(join(slurmOut, 'slurm', 'logs'));
    assert.ok(logs.includes(`stage-1-${ids[0]}_0.log`) && logs.includes(`stage-3-${ids2[4]}_6.log`), logs.join(' '));
    assert.deepEqual((await readdir(slurmOut, { recursive: true })).filter((f) => /\.(tmp|attempt)$/.test(String(f))), []);

    const after = JSON.parse(apertus(['data', 'status', slurmOut, '--json']).stdout) as RunStatus;
    assert.ok(after.complete);
    assert.ok(after.stages.every((s) => s.counts.done === 7));
    const third = apertus(submitArgs);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /complete .* nothing to submit/);
  } finally {
    cluster.stop();
  }
});
