#!/usr/bin/env node
// `npm install` step: builds the native compute kernels (native/, a Node-API addon over
// OpenBLAS). It never fails the install: without the addon the engine uses its TypeScript
// reference kernels and says so once. Set APERTUS_REQUIRE_NATIVE=1 to make a failed build fatal,
// APERTUS_SKIP_NATIVE=1 to skip it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const HEADERS = ['/usr/include/cblas.h', '/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/aarch64-linux-gnu/cblas.h', '/usr/include/openblas/cblas.h'];
const say = (message) => process.stderr.write(`apertus-ts: ${message}\n`);
const required = process.env.APERTUS_REQUIRE_NATIVE === '1';

function giveUp(message) {
  say(`${message}; the compute engine will use its TypeScript reference kernels (slow).`);
  process.exit(required ? 1 : 0);
}

function run(command, args, timeoutSeconds) {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: timeoutSeconds * 1000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

const haveOpenBlas = () => HEADERS.some((h) => existsSync(h));

if (process.env.APERTUS_SKIP_NATIVE === '1') process.exit(0);
if (!existsSync(new URL('../binding.gyp', import.meta.url))) process.exit(0);

if (!haveOpenBlas()) {
  const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (canApt) {
    say('installing OpenBLAS (Debian package libopenblas-dev) for the native kernels');
    if (!run('apt-get', ['install', '-y', '-qq', 'libopenblas-dev'], 600)) {
      run('apt-get', ['update', '-qq'], 600);
      run('apt-get', ['install', '-y', '-qq', 'libopenblas-dev'], 600);
    }
  }
  if (!haveOpenBlas()) {
    giveUp('OpenBLAS headers not found: install libopenblas-dev (Debian/Ubuntu: sudo apt-get install libopenblas-dev; Fedora: openblas-devel; macOS: brew install openblas)');
  }
}

const nodeGyp = process.env.npm_config_node_gyp;
const built = nodeGyp ? run(process.execPath, [nodeGyp, 'rebuild'], 600) : run('npx', ['--yes', 'node-gyp', 'rebuild'], 600);
if (!built) giveUp('building the native kernels failed (see the compiler output above)');
