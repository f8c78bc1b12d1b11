/**
 * A Python with given packages, for interop tests against reference libraries. The project never
 * needs Python; tests use the repository's `.venv`, made here on first use and filled from the
 * machine's local wheel store (pip is configured to it; `--retries 0` fails at once offline).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VENV = join(ROOT, '.venv');
const PYTHON = join(VENV, 'bin', 'python');
// Test files run in parallel processes: one of them installs at a time (the lock lives outside
// the repository so that a crashed run leaves nothing there).
const LOCK = join(tmpdir(), `apertus-venv-${createHash('sha256').update(VENV).digest('hex').slice(0, 12)}.lock`);
const LOCK_STALE_MS = 180_000;

async function has(python: string, packages: string[]): Promise<boolean> {
  const check = `import importlib.metadata as m\nfor p in ${JSON.stringify(packages)}: m.version(p)`;
  try {
    await run(python, ['-c', check]);
    return true;
  } catch {
    return false;
  }
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch {
      const since = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (since > LOCK_STALE_MS) await rm(LOCK, { recursive: true, force: true });
      if (Date.now() - started > LOCK_STALE_MS + 10_000) throw new Error(`timed out waiting for ${LOCK}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/**
 * Path of a Python that has `packages` (distribution names, e.g. `tokenizers`), installing them
 * into `.venv` if needed; undefined, with the reason on stderr, when they cannot be had.
 */
export async function pythonWith(packages: string[]): Promise<string | undefined> {
  if (existsSync(PYTHON) && (await has(PYTHON, packages))) return PYTHON;
  return withLock(async () => {
    try {
      if (!existsSync(PYTHON)) await run('python3', ['-m', 'venv', VENV]);
      if (!(await has(PYTHON, packages))) {
        await run(PYTHON, ['-m', 'pip', 'install', '--quiet', '--retries', '0', '--timeout', '10', ...packages], { maxBuffer: 1 << 24 });
      }
      if (await has(PYTHON, packages)) return PYTHON;
      process.stderr.write(`skipping: ${packages.join(', ')} installed but not importable in ${VENV}\n`);
    } catch (err) {
      process.stderr.write(`skipping: cannot install ${packages.join(', ')} into ${VENV} (needs python3 and the local wheel store): ${(err as Error).message}\n`);
    }
    return undefined;
  });
}

/** Runs a Python program given as text with arguments; returns stdout, throws with stderr. */
export async function runPython(python: string, program: string, args: string[] = []): Promise<string> {
  const { stdout } = await run(python, ['-c', program, ...args], { maxBuffer: 1 << 28 });
  return stdout;
}
