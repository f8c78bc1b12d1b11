/** `apertus collab serve`: the coordinator running a config's strategies with remote clients. */
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { loadConfig } from '../../util/config.js';
import { UserError } from '../../util/errors.js';
import { settingOptions, TokensSchema, type CollabConfig } from '../config.js';
import { buildSetting } from '../data/settings.js';
import { runOptions, strategyFor, summarise, type SettingSummary } from '../run.js';
import { runStrategy, type RunOptions, type RunResult } from '../simulate.js';
import { createTemplate } from '../tasks/index.js';
import { Coordinator } from './server.js';

export interface ServeHooks {
  log?: (line: string) => void;
  onListening?: (url: string) => void;
  onRound?: RunOptions['onRound'];
  signal?: AbortSignal;
}

export async function serveCollab(config: CollabConfig, hooks: ServeHooks = {}): Promise<{ runs: RunResult[]; summary: SettingSummary }> {
  if (!config.server) throw new UserError('the config has no server section (host, port, tokens ...)');
  const s = config.server;
  const tokens = s.tokens ?? await loadConfig(s.tokens_file!, TokensSchema);
  const tls = s.tls ? { cert: await readPem(s.tls.cert, 'certificate'), key: await readPem(s.tls.key, 'private key') } : undefined;
  if (tls) {
    try {
      createSecureContext(tls);
    } catch (err) {
      throw new UserError(`server.tls: ${s.tls!.cert} and ${s.tls!.key} are not a usable PEM certificate and private key (${(err as Error).message})`);
    }
  }
  const setting = buildSetting(settingOptions(config));
  const template = createTemplate(setting.model);
  const clusters = setting.clients.map((c) => c.cluster);
  let coordinator: Coordinator;
  try {
    coordinator = new Coordinator({
      host: s.host, port: s.port, tokens, tls, names: setting.clients.map((c) => c.name), model: setting.model, dim: template.dim,
      roundTimeoutS: s.round_timeout_s, encoding: s.encoding, log: hooks.log,
    });
  } catch (err) {
    throw new UserError(`server tokens${s.tokens_file ? ` (${s.tokens_file})` : ''}: ${(err as Error).message}`);
  }
  const url = await coordinator.listen().catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`cannot listen on ${s.host}:${s.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`);
  });
  hooks.onListening?.(url);
  try {
    const need = s.min_clients ?? setting.clients.length;
    hooks.log?.(`waiting for ${need} clients at ${url}`);
    await coordinator.waitForClients(need, s.join_timeout_s);
    const runs: RunResult[] = [];
    for (const name of config.strategies) {
      hooks.log?.(`running ${name} for ${config.rounds} rounds`);
      runs.push(await runStrategy(strategyFor(config, name, template, clusters), coordinator,
        runOptions(config, { onRound: hooks.onRound, signal: hooks.signal })));
    }
    return { runs, summary: summarise(setting, runs) };
  } finally {
    await coordinator.close();
  }
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new UserError(`server.tls: cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}
