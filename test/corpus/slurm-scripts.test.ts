// The Slurm executor without a cluster: the scripts it would submit (--dry-run), the jobs' entry
// points run one by one in this process, `data status`, and the errors of the command line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPipelineConfig } from '../../src/corpus/config.js';
import { finishStoredRun, resolveStoredStage, runStoredTask } from '../../src/corpus/executors/job.js';
import { compactIndices, expandIndices } from '../../src/corpus/executors/slurm-queue.js';
import { dependencyArgs, planSlurmJobs, submitSlurm } from '../../src/corpus/executors/slurm.js';
import { prepareFolder, runIdentity } from '../../src/corpus/run-folder.js';
import { listRunInputs, planRun, runPipeline } from '../../src/corpus/run.js';
import { runStatus } from '../../src/corpus/status.js';
import { writeFileAtomic } from '../../src/util/fs.js';
import { makeCorpus, outputDigests, pipelineYaml, tempDir } from '../helpers/corpus.js';

const BIN = fileURLToPath(new URL('../../../bin/apertus.js', import.meta.url));
const DEDUP = '  - step: exact_dedup\n  - step: minhash_dedup\n';

async function setup(name: string, files = 4) {
  const dir = await tempDir(name);
  const corpus = await makeCorpus(dir, files, 300);
  const yaml = async (out: string) => {
    const file = join(dir, `${out}.yaml`);
    await writeFile(file, pipelineYaml({ ...corpus, output: join(dir, out), format: 'jsonl' }) + DEDUP);
    return loadPipelineConfig(file);
  };
  return { dir, yaml };
}

test('array index lists are compacted and expanded', () => {
  assert.equal(compactIndices([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
  assert.equal(compactIndices([3]), '3');
  assert.deepEqual(expandIndices('0-2,5,7-8%2'), [0, 1, 2, 5, 7, 8]);
  assert.deepEqual(dependencyArgs('42'), ['--dependency=afterok:42', '--kill-on-invalid-dep=yes']);
  assert.deepEqual(dependencyArgs(undefined), []);
});

test('dry run: one array per stage, a resolve job per global step, a final job; nothing written', async () => {
  const { dir, yaml } = await setup('slurm-dry');
  const config = await yaml('out');
  const submission = await submitSlurm(config, { dryRun: true, tasks: 3, partition: 'cpu', time: '1:00:00', cpusPerTask: 2, memPerCpu: '4G' });
  assert.ok(!existsSync(join(dir, 'out')), 'a dry run writes nothing');
  assert.deepEqual(
    submission.jobs.map((j) => j.script),
    ['stage-1.sh', 'resolve-1.sh', 'stage-2.sh', 'resolve-2.sh', 'stage-3.sh', 'finish.sh'],
  );
  const stage = submission.jobs[0]!.text;
  assert.match(stage, /^#!\/bin\/bash\n#SBATCH --job-name=apertus-test-stage1\n#SBATCH --array=0-3%3\n/);
  for (const line of ['#SBATCH --partition=cpu', '#SBATCH --time=1:00:00', '#SBATCH --cpus-per-task=2', '#SBATCH --mem-per-cpu=4G']) {
    for (const job of submission.jobs) assert.ok(job.text.includes(`${line}\n`), `${job.script}: ${line}`);
  }
  assert.ok(stage.includes(`#SBATCH --output=${join(dir, 'out')}/slurm/logs/stage-1-%A_%a.log`));
  assert.match(stage, /data run-task \S+ --run [0-9a-f]{12} --stage 1 --task "\$SLURM_ARRAY_TASK_ID"\n$/);
  assert.match(submission.jobs[1]!.text, /--resolve 1\n$/);
  assert.match(submission.jobs[5]!.text, /--finish --workers 3\n$/);
});

test('the jobs of a run, executed one by one from the run folder, give the local executor\'s results', async () => {
  const { dir, yaml } = await setup('slurm-jobs');
  const local = await runPipeline(await yaml('local'), { workers: 2 });
  assert.ok(local.complete);

  // What submission does before sbatch, then each job as Slurm would run it.
  const config = await yaml('jobs');
  const plan = planRun(config, await listRunInputs(config));
  const identity = runIdentity(config, plan.files);
  await prepareFolder(plan.layout, config, plan.files, { resume: true, executor: 'slurm' });
  const root = join(dir, 'jobs');
  const run = identity.slice(0, 12);
  await assert.rejects(runStoredTask(root, 2, 0, run), /exact_dedup has not been resolved yet/);
  await assert.rejects(resolveStoredStage(root, 1, run), /4 task\(s\) of stage 1 have not finished/);
  for (const stage of [1, 2, 3]) {
    for (let task = 3; task >= 0; task--) assert.ok((await runStoredTask(root, stage, task, run)).ran);
    assert.equal((await runStoredTask(root, stage, 0, run)).ran, false, 'a finished task is not run again');
    if (stage < 3) assert.ok((await resolveStoredStage(root, stage, run)).ran);
  }
  const { complete } = await finishStoredRun(root, 4, run);
  assert.ok(complete);
  assert.deepEqual(await outputDigests(root), await outputDigests(join(dir, 'local')));
  assert.equal(await readFile(join(root, 'stats.json'), 'utf8'), await readFile(join(dir, 'local', 'stats.json'), 'utf8'));
  await assert.rejects(runStoredTask(root, 1, 0, 'ffffffffffff'), /now holds another run/);
  await assert.rejects(runStoredTask(root, 4, 0, run), /stages 1 to 3/);

  // Nothing left to submit; with one task's marker and the manifest gone, only that task and the final job.
  assert.deepEqual(await planSlurmJobs(plan, identity, {}), []);
  await rm(join(root, 'tasks', '00002.json'));
  await rm(join(root, 'manifest.json'));
  const jobs = await planSlurmJobs(plan, identity, {});
  assert.deepEqual(jobs.map((j) => j.script), ['stage-3.sh', 'finish.sh']);
  assert.deepEqual(jobs[0]!.array, [2]);
  assert.match(jobs[0]!.text, /^#SBATCH --array=2$/m);
});

test('data status: tasks done, failed and pending per stage, counters so far', async () => {
  const { dir, yaml } = await setup('slurm-status', 3);
  const config = await yaml('out');
  await runPipeline(config, { workers: 1 });
  const root = join(dir, 'out');
  let status = await runStatus(root);
  assert.ok(status.complete);
  assert.equal(status.executor, 'local');
  assert.deepEqual(status.stages.map((s) => s.counts), Array(3).fill({ done: 3, running: 0, failed: 0, pending: 0 }));
  assert.equal(status.stats.reader.documents, 900);

  // Task 1 of the last stage failed, task 2 was killed (its process is gone), task 0 never ran.
  for (const i of [0, 1, 2]) await rm(join(root, 'tasks', `0000${i}.json`));
  await rm(join(root, 'manifest.json'));
  const attempt = { host: (await import('node:os')).hostname(), started_at: new Date().toISOString() };
  await writeFileAtomic(join(root, 'tasks', '00001.attempt'), JSON.stringify({ ...attempt, state: 'failed', pid: 1, message: 'disk full' }));
  await writeFileAtomic(join(root, 'tasks', '00002.attempt'), JSON.stringify({ ...attempt, state: 'running', pid: 2 ** 22 + 12345 }));
  status = await runStatus(root);
  assert.ok(!status.complete);
  assert.deepEqual(status.stages[2]!.counts, { done: 0, running: 0, failed: 2, pending: 1 });
  assert.deepEqual(status.stages[2]!.failures.map((f) => [f.index, f.message]), [
    [1, 'disk full'],
    [2, `process ${2 ** 22 + 12345} ended without finishing the task (killed or interrupted)`],
  ]);
  assert.equal(status.stats.output.documents, 0, 'only finished tasks are counted');

  const cli = spawnSync(process.execPath, [BIN, 'data', 'status', root], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /3\/3 +minhash_dedup +0 +0 +2 +1/);
  assert.match(cli.stdout, /stage 3 task 1 \(.*\) failed: disk full/);
  assert.match(cli.stdout, /counters so far:/);
});

test('data run --executor slurm: options, help and errors', async () => {
  const { dir } = await setup('slurm-cli', 1);
  const apertus = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
  for (const args of [['data', 'status'], ['data', 'run']]) assert.equal(apertus([...args, '--help']).status, 0);
  const help = apertus(['data', 'run', '--help']).stdout;
  for (const flag of ['--executor', '--tasks', '--partition', '--time', '--cpus-per-task', '--mem-per-cpu', '--dry-run']) assert.ok(help.includes(flag), flag);

  const yamlFile = join(dir, 'p.yaml');
  const corpus = { input: join(dir, 'input'), snapshot: join(dir, 'robots.jsonl'), blocklist: join(dir, 'blocklist.txt') };
  await writeFile(yamlFile, pipelineYaml({ ...corpus, output: join(dir, 'out') }));

  const noSlurm = apertus(['data', 'run', yamlFile, '--executor', 'slurm'], { ...process.env, PATH: dir });
  assert.equal(noSlurm.status, 1);
  assert.match(noSlurm.stderr, /sbatch not found on PATH: .*slurm-wlm.*--executor local/);
  assert.ok(!existsSync(join(dir, 'out')));

  const localOnly = apertus(['data', 'run', yamlFile, '--tasks', '4']);
  assert.equal(localOnly.status, 1);
  assert.match(localOnly.stderr, /--tasks: only with --executor slurm/);

  const dry = apertus(['data', 'run', yamlFile, '--executor', 'slurm', '--dry-run', '--partition', 'batch']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /#SBATCH --partition=batch/);
  assert.match(dry.stdout, /stage-1\.sh: submitted as +sbatch --parsable stage-1\.sh/);
  assert.match(dry.stdout, /finish\.sh: submitted as +sbatch --parsable --dependency=afterok:<job id of stage-1\.sh> --kill-on-invalid-dep=yes finish\.sh/);

  const missing = apertus(['data', 'status', join(dir, 'nowhere')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no run\.json here/);
});
