import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  buildSetting, decodeMessage, encodeMessage, parseCollabConfig, runComparison, serveCollab, settingOptions, writeClientData,
} from '../../src/collab/index.js';

const CONFIG = `
setting: {kind: cross_silo, clients: 4, clusters: 2, classes: 12, features: 32, hidden: 8, batch: 8, train_fraction: 0.3}
seed: 5
rounds: 12
eval_every: 6
w_every: 4
threads: 1
strategies: [fedavg, cobo, ditto]
training: {lr: 0.1}
cobo: {rho: 0.05, sampling: {schedule: constant, p: 0.5}}
server: {port: 0, token: test-token-123, round_timeout_s: 60}
`;

test('wire: f32 is exact, bf16 and f16 round to nearest', () => {
  const v = new Float32Array([0, 1, -2.5, 3.14159, 1e-3, 65504, -1e-8]);
  const exact = decodeMessage(encodeMessage({ a: 1 }, [v]));
  assert.deepEqual(exact.meta, { a: 1 });
  assert.deepEqual([...exact.arrays[0]], [...v]);
  for (const dtype of ['f16', 'bf16'] as const) {
    const r = decodeMessage(encodeMessage({}, [v], dtype)).arrays[0];
    v.forEach((x, i) => assert.ok(Math.abs(r[i] - x) <= Math.abs(x) * (dtype === 'f16' ? 1e-3 : 8e-3) + 1e-7, `${dtype} ${x} -> ${r[i]}`));
  }
});

test('a coordinator and 4 client processes on localhost reproduce the simulation exactly', async () => {
  const config = parseCollabConfig(CONFIG, 'network-test.yaml');
  const simulated = await runComparison(config);
  const dir = await mkdtemp(join(tmpdir(), 'collab-net-'));
  const setting = buildSetting(settingOptions(config));
  for (const c of setting.clients) await writeClientData(join(dir, `${c.name}.bin`), c.data);
  const script = fileURLToPath(new URL('./join-client.js', import.meta.url));
  const children: ReturnType<typeof spawn>[] = [];
  // exit codes, listened for from the start: a client may finish before the coordinator returns
  const exits: Promise<number | null>[] = [];
  try {
    const served = await serveCollab(config, {
      onListening: (url) => {
        for (const c of setting.clients) {
          const child = spawn(process.execPath, [script, url, 'test-token-123', join(dir, `${c.name}.bin`), c.name], { stdio: ['ignore', 'ignore', 'inherit'] });
          children.push(child);
          exits.push(new Promise((resolve) => child.on('exit', resolve)));
        }
      },
    });
    for (const name of config.strategies) {
      assert.deepEqual(served.summary.strategies[name]!.clients, simulated.summary.strategies[name]!.clients, name);
    }
    assert.deepEqual(served.summary.w_recovery, simulated.summary.w_recovery);
    const codes = await Promise.all(exits);
    assert.deepEqual(codes, children.map(() => 0));
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a wrong token is refused', async () => {
  const config = parseCollabConfig(CONFIG.replace('round_timeout_s: 60', 'round_timeout_s: 60, join_timeout_s: 2'), 'network-test.yaml');
  let url = '';
  const served = serveCollab(config, { onListening: (u) => (url = u) });
  while (!url) await new Promise((r) => setTimeout(r, 10));
  const res = await fetch(`${url}/v1/join`, { method: 'POST', headers: { authorization: 'Bearer wrong-token!!' }, body: '{}' });
  assert.equal(res.status, 401);
  await assert.rejects(served, /joined within/);
});
