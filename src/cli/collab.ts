/**
 * `apertus collab simulate|serve|join|partition` and `apertus experiment cobo` (attached to the
 * experiment group by `attachCoboExperiment`): collaborative learning with CoBo and baselines.
 */
import { Option, type Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildSetting, joinCoordinator, loadCollabConfig, readClientData, runComparison, serveCollab, settingOptions,
  setComputeThreads, writeClientData, type SettingSummary,
} from '../collab/index.js';
import { runCoboExperiment, type CoboPreset } from '../experiments/cobo.js';
import { tuneCobo, tuneTable } from '../experiments/cobo-tune.js';
import { exists, writeFileAtomic } from '../util/fs.js';
import { UserError } from '../util/errors.js';
import { interruptSignal } from './interrupt.js';
import { positiveList } from './options.js';
import { formatTable } from './table.js';

function summaryTable(s: SettingSummary): string {
  const rows = Object.entries(s.strategies).map(([name, v]) => [
    name, s.metric === 'accuracy' ? `${(100 * v.mean).toFixed(1)}%` : v.mean.toFixed(2),
    v.beat_local === null ? '-' : `${v.beat_local.toFixed(0)}%`, v.grad_evals_per_client_round.toFixed(2), v.seconds.toFixed(1),
  ]);
  const w = s.w_recovery.length ? `\nCoBo W recovery (AUC): ${s.w_recovery.map(([r, a]) => `${r}:${a.toFixed(2)}`).join(' ')}\n` : '';
  const away = Object.entries(s.strategies).filter(([, v]) => v.missing > 0)
    .map(([name, v]) => `${name}: ${v.missing} client(s) away at the end, not evaluated (${v.clients.flatMap((m, i) => (Number.isFinite(m) ? [] : [s.client_names[i]])).join(', ')})\n`);
  return formatTable(['strategy', s.metric, 'beats local', 'grads/client/round', 'seconds'], rows) + w + away.join('');
}

async function writeOut(out: string | undefined, result: unknown): Promise<void> {
  if (!out) return;
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`wrote ${join(out, 'results.json')}\n`);
}

export function registerCollabCommands(program: Command): Command {
  const collab = program.command('collab').description('collaborative learning: CoBo and baselines, in simulation or over the network');

  collab.command('simulate')
    .description('run the config\'s strategies on n simulated clients in this process')
    .argument('<config>', 'collab config (YAML)')
    .option('--out <dir>', 'write results.json (per-client metrics per round, W snapshots) here')
    .action(async (file: string, flags: { out?: string }) => {
      const config = await loadCollabConfig(file);
      const { signal, release } = interruptSignal();
      try {
        const result = await runComparison(config, {
          signal,
          onStrategy: (s) => process.stderr.write(`${s} ...\n`),
          onEval: (e) => process.stderr.write(`  round ${e.round}: mean ${(e.metric.reduce((a, b) => a + b, 0) / e.metric.length).toFixed(4)}\n`),
        });
        process.stdout.write(summaryTable(result.summary));
        await writeOut(flags.out, { summary: result.summary, runs: result.runs });
      } finally {
        release();
      }
    });

  collab.command('serve')
    .description('coordinate clients over HTTP or HTTPS (binary model updates, a token per client, validated messages, round timeouts)')
    .requiredOption('--config <file>', 'collab config with a server section')
    .option('--out <dir>', 'write results.json here')
    .action(async (flags: { config: string; out?: string }) => {
      const config = await loadCollabConfig(flags.config);
      if (!config.server) throw new UserError(`${flags.config}: serve needs a server section (port, tokens_file ...)`);
      const { signal, release } = interruptSignal();
      try {
        const result = await serveCollab(config, { signal, log: (l) => process.stderr.write(`${l}\n`), onListening: (url) => process.stderr.write(`listening on ${url}\n`) });
        process.stdout.write(summaryTable(result.summary));
        await writeOut(flags.out, result);
      } finally {
        release();
      }
    });

  collab.command('join')
    .description('take part as one client, computing on local data that never leaves this machine')
    .requiredOption('--server <url>', 'coordinator URL, e.g. http://10.0.0.5:8765 or https://...')
    .requiredOption('--token <token>', 'this client\'s own token (from `apertus collab tokens`)')
    .requiredOption('--data <file>', 'this client\'s data (written by `apertus collab partition`)')
    .option('--name <name>', 'client slot name, checked against the token\'s slot')
    .option('--ca <file>', 'PEM certificate to trust for an https coordinator (self-signed or private CA)')
    .addOption(new Option('--encoding <dtype>', 'encoding of the updates sent back').choices(['f32', 'f16', 'bf16']).default('f32'))
    .option('--threads <n>', 'compute threads', (v) => Number(v), 1)
    .action(async (flags: { server: string; token: string; data: string; name?: string; ca?: string; encoding: 'f32' | 'f16' | 'bf16'; threads: number }) => {
      setComputeThreads(flags.threads);
      const data = await readClientData(flags.data);
      const ca = flags.ca === undefined ? undefined : await readFile(flags.ca).catch((err: NodeJS.ErrnoException) => {
        throw new UserError(`--ca ${flags.ca}: ${err.code ?? err.message}`);
      });
      const { jobs } = await joinCoordinator({ ...flags, ca, data, log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`done: ${jobs} work batches\n`);
    });

  collab.command('tokens')
    .description('write a new random token for every client of a config (a YAML file for server.tokens_file)')
    .argument('<config>', 'collab config (YAML)')
    .requiredOption('--out <file>', 'tokens file to write (readable by its owner only)')
    .option('--force', 'replace an existing tokens file')
    .action(async (file: string, flags: { out: string; force?: boolean }) => {
      const config = await loadCollabConfig(file);
      if (!flags.force && await exists(flags.out)) {
        throw new UserError(`${flags.out} exists: pass --force to replace its tokens (clients holding the old ones can no longer join)`);
      }
      const setting = buildSetting(settingOptions(config));
      const lines = setting.clients.map((c) => `${c.name}: ${randomBytes(24).toString('base64url')}`);
      await writeFileAtomic(flags.out, `# apertus collab tokens for ${file}: give each client its own line's token\n${lines.join('\n')}\n`, { mode: 0o600 });
      process.stdout.write(`wrote ${lines.length} tokens to ${flags.out}\n`);
    });

  collab.command('partition')
    .description('write each simulated client\'s data to its own file (for collab join)')
    .argument('<config>', 'collab config (YAML)')
    .requiredOption('--out <dir>', 'folder for <client>.bin files')
    .action(async (file: string, flags: { out: string }) => {
      const config = await loadCollabConfig(file);
      const setting = buildSetting(settingOptions(config));
      await mkdir(flags.out, { recursive: true });
      for (const c of setting.clients) await writeClientData(join(flags.out, `${c.name}.bin`), c.data, { name: c.name, cluster: c.cluster });
      process.stdout.write(`wrote ${setting.clients.length} client files to ${flags.out}\n`);
    });
  return collab;
}

/** Adds `cobo` and `cobo-tune` to the `experiment` command group. */
export function attachCoboExperiment(experiment: Command): Command {
  experiment.command('cobo-tune')
    .description('choose every strategy\'s hyperparameters by one rule on a validation split (the test set is not read)')
    .addOption(new Option('--setting <name>', 'which setting').choices(['cross_silo', 'cross_device', 'languages']).makeOptionMandatory())
    .addOption(new Option('--preset <preset>', 'size (rounds, clients) to tune at').choices(['test', 'smoke', 'full']).default('smoke'))
    .option('--lr <list>', 'learning rates to try', positiveList)
    .option('--out <dir>', 'write tune.json (every trial) and tune.md here')
    .action(async (flags: { setting: 'cross_silo' | 'cross_device' | 'languages'; preset: CoboPreset; lr?: number[]; out?: string }) => {
      const { signal, release } = interruptSignal();
      try {
        const r = await tuneCobo({
          setting: flags.setting, preset: flags.preset, out: flags.out, signal, grid: flags.lr ? { lr: flags.lr } : {},
          log: (l) => process.stderr.write(`${l}\n`),
        });
        process.stdout.write(tuneTable(r));
      } finally {
        release();
      }
    });
  return experiment.command('cobo')
    .description('CoBo against the baselines in the paper\'s three settings (cross-silo, cross-device, language models)')
    .addOption(new Option('--preset <preset>', 'size').choices(['test', 'smoke', 'full']).default('smoke'))
    .requiredOption('--out <dir>', 'output folder (results.json, results.md, plots)')
    .option('--settings <list>', 'comma-separated subset of cross_silo,cross_device,languages')
    .action(async (flags: { preset: 'test' | 'smoke' | 'full'; out: string; settings?: string }) => {
      const { signal, release } = interruptSignal();
      try {
        const result = await runCoboExperiment({
          preset: flags.preset, out: flags.out, settings: flags.settings?.split(','), signal,
          log: (l) => process.stderr.write(`${l}\n`),
        });
        for (const [name, s] of Object.entries(result.settings)) process.stdout.write(`${name}\n${summaryTable(s)}\n`);
        process.stdout.write(`results: ${join(flags.out, 'results.json')}\n`);
      } finally {
        release();
      }
    });
}
