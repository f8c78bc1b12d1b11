import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from './corpus.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/slurm-local.sh', import.meta.url));

export interface LocalSlurm {
  /** Environment for Slurm's client commands (and the apertus command) talking to this cluster. */
  env: NodeJS.ProcessEnv;
  dir: string;
  stop(): void;
}

/**
 * A single-node Slurm cluster on localhost (scripts/slurm-local.sh): installed from Debian's
 * packages when missing and running as root. Returns the reason instead when Slurm is not
 * installed here and cannot be (not root, no apt-get, the packages cannot be fetched).
 */
export async function startLocalSlurm(): Promise<LocalSlurm | { skip: string }> {
  const dir = await tempDir('slurm');
  const started = spawnSync('bash', [SCRIPT, 'start', dir], { encoding: 'utf8', timeout: 600_000 });
  if (started.status === 3) return { skip: `Slurm cannot be installed here: ${started.stderr.trim()}` };
  const stop = () => void spawnSync('bash', [SCRIPT, 'stop', dir], { encoding: 'utf8', timeout: 60_000 });
  if (started.status !== 0) {
    stop();
    throw new Error(`scripts/slurm-local.sh start failed (${started.status ?? started.signal}):\n${started.stdout}${started.stderr}`);
  }
  const env = { ...process.env, SLURM_CONF: `${dir}/slurm.conf` };
  return { env, dir, stop };
}
