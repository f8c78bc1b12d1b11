/** `apertus collab serve`: the coordinator running a config's strategies with remote clients. */
import { settingOptions, type CollabConfig } from '../config.js';
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
  if (!config.server) throw new Error('the config has no server section (host, port, token)');
  const s = config.server;
  const setting = buildSetting(settingOptions(config));
  const template = createTemplate(setting.model);
  const clusters = setting.clients.map((c) => c.cluster);
  const coordinator = new Coordinator({
    host: s.host, port: s.port, token: s.token, names: setting.clients.map((c) => c.name), model: setting.model,
    roundTimeoutS: s.round_timeout_s, encoding: s.encoding, log: hooks.log,
  });
  const url = await coordinator.listen();
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
