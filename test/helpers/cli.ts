import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The installed command line (bin/apertus.js). */
export const APERTUS_BIN = fileURLToPath(new URL('../../../bin/apertus.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command line (or another entry script) in a child process and waits for it. */
export function runApertus(args: readonly string[], o: { bin?: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliRun {
  const result = spawnSync(process.execPath, [o.bin ?? APERTUS_BIN, ...args], { input: o.input, env: o.env, encoding: 'utf8', timeout: o.timeoutMs ?? 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
