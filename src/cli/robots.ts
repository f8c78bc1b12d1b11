import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { APERTUS_AGENTS } from '../corpus/robots/agents.js';
import { DEFAULT_FETCH_USER_AGENT } from '../corpus/robots/fetch.js';
import { readHostsFile, writeSnapshot } from '../corpus/robots/snapshot-file.js';
import { checkUrl } from '../corpus/robots/snapshot.js';
import { UserError } from '../util/errors.js';
import { collect, positiveInt } from './options.js';

interface FetchFlags {
  hosts: string;
  out: string;
  concurrency: number;
  timeout: number;
  scheme: 'https' | 'http';
  userAgent: string;
  resume?: boolean;
  progress?: boolean;
}

async function fetchCommand(flags: FetchFlags): Promise<void> {
  if (flags.scheme !== 'https' && flags.scheme !== 'http') throw new UserError(`--scheme: expected https or http, got ${flags.scheme}`);
  const hosts = await readHostsFile(flags.hosts);
  if (hosts.length === 0) throw new UserError(`${flags.hosts}: no hosts (one host per line, # comments allowed)`);
  const bar =
    flags.progress !== false && process.stderr.isTTY
      ? new cliProgress.SingleBar({ format: 'robots.txt {bar} {value}/{total} hosts | {host} {status} | ETA {eta_formatted}', stream: process.stderr }, cliProgress.Presets.shades_classic)
      : undefined;
  bar?.start(hosts.length, 0, { host: '', status: '' });
  const result = await writeSnapshot(flags.out, hosts, {
    concurrency: flags.concurrency,
    timeoutMs: flags.timeout,
    scheme: flags.scheme,
    userAgent: flags.userAgent,
    resume: flags.resume,
    onProgress: (p) => bar?.update(p.done, { host: p.host, status: p.status }),
  });
  bar?.stop();
  process.stdout.write(`${result.path}: ${result.hosts} hosts (${result.fetched} fetched, ${result.resumed} kept from an interrupted run)\n`);
}

export function registerRobotsCommands(program: Command): void {
  const robots = program.command('robots').description('robots.txt snapshots and the retroactive AI-crawler opt-out');
  robots
    .command('fetch')
    .description('fetch /robots.txt of every host into a snapshot (JSONL: host, status, fetched_at, body)')
    .requiredOption('--hosts <file>', 'hosts, one per line (host or host:port; # comments allowed)')
    .requiredOption('--out <file>', 'snapshot file to write (.jsonl), atomically')
    .option('--concurrency <n>', 'requests in flight', positiveInt, 32)
    .option('--timeout <ms>', 'timeout per request, in milliseconds', positiveInt, 10000)
    .option('--scheme <scheme>', 'https or http', 'https')
    .option('--user-agent <name>', 'User-Agent header sent', DEFAULT_FETCH_USER_AGENT)
    .option('--resume', 'keep the hosts an interrupted fetch already wrote')
    .option('--no-progress', 'no progress bar')
    .addHelpText('after', '\nAt most 5 redirects are followed and 500 KiB of each body kept. A 4xx answer means everything\nis allowed for that host; 5xx, a timeout or a network failure means everything is disallowed.')
    .action(fetchCommand);
  robots
    .command('check')
    .description('print whether a URL is allowed by a snapshot, as JSON: {"url", "allowed", "blocked_by"}')
    .requiredOption('--snapshot <file>', 'robots snapshot (JSONL)')
    .requiredOption('--url <url>', 'the URL to check')
    .option('--agent <name>', `agent to check; repeat for several (default: the Apertus list, ${APERTUS_AGENTS.length} agents)`, collect)
    .action(async (flags: { snapshot: string; url: string; agent?: string[] }) => {
      const result = await checkUrl(flags.snapshot, flags.url, flags.agent);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
