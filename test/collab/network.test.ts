import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  buildSetting, createTemplate, decodeMessage, decodeWork, encodeMessage, encodeResults, joinCoordinator, parseCollabConfig,
  runComparison, runWork, serveCollab, settingOptions, writeClientData, type ClientData, type CollabConfig, type ModelSpec,
} from '../../src/collab/index.js';
import { CoordinatorHttp } from '../../src/collab/net/http.js';
import { runApertus } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLIENT = fileURLToPath(new URL('./join-client.js', import.meta.url));
const SETTING = '{kind: cross_silo, clients: 4, clusters: 2, classes: 12, features: 32, hidden: 8, batch: 8, train_fraction: 0.3}';

/** The four clients' names, and a token for each. */
const NAMES = buildSetting(settingOptions(parseCollabConfig(`setting: ${SETTING}\nrounds: 1\ntraining: {lr: 0.1}`))).clients.map((c) => c.name);
const TOKENS = Object.fromEntries(NAMES.map((n, i) => [n, `token-of-client-${i}-0123456789`]));

function config(o: { strategies: string; rounds?: number; evalEvery?: number; timeoutS?: number; server?: string; membership?: string }): CollabConfig {
  return parseCollabConfig(`
setting: ${SETTING}
seed: 5
rounds: ${o.rounds ?? 12}
eval_every: ${o.evalEvery ?? 6}
w_every: 4
threads: 1
strategies: ${o.strategies}
training: {lr: 0.1}
cobo: {rho: 0.05, sampling: {schedule: constant, p: 0.5}}
membership: ${o.membership ?? '[]'}
server: {port: 0, tokens: ${JSON.stringify(TOKENS)}, round_timeout_s: ${o.timeoutS ?? 60}${o.server ?? ''}}
`, 'network-test.yaml');
}

async function clientFiles(c: CollabConfig): Promise<{ dir: string; files: string[]; data: ClientData[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'collab-net-'));
  const setting = buildSetting(settingOptions(c));
  const files = setting.clients.map((s) => join(dir, `${s.name}.bin`));
  for (const [i, s] of setting.clients.entries()) await writeClientData(files[i]!, s.data);
  return { dir, files, data: setting.clients.map((s) => s.data) };
}

interface ClientProcess {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** resolves when the client prints this line */
  line(text: string): Promise<void>;
}

function startClient(url: string, slot: number, file: string, env: Record<string, string> = {}): ClientProcess {
  const child = spawn(process.execPath, [CLIENT, url, TOKENS[NAMES[slot]!]!, file, NAMES[slot]!], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env },
  });
  const seen: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const l of lines) {
      seen.push(l);
      for (const w of waiters.filter((w) => w.text === l)) w.resolve();
    }
  });
  return {
    child,
    exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
    line: (text) => (seen.includes(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ text, resolve }))),
  };
}

test('wire: f32 is exact, bf16 and f16 round to nearest', () => {
  const v = new Float32Array([0, 1, -2.5, 3.14159, 1e-3, 65504, -1e-8]);
  const exact = decodeMessage(encodeMessage({ a: 1 }, [v]));
  assert.deepEqual(exact.meta, { a: 1 });
  assert.deepEqual([...exact.arrays[0]!], [...v]);
  for (const dtype of ['f16', 'bf16'] as const) {
    const r = decodeMessage(encodeMessage({}, [v], dtype)).arrays[0]!;
    v.forEach((x, i) => assert.ok(Math.abs(r[i]! - x) <= Math.abs(x) * (dtype === 'f16' ? 1e-3 : 8e-3) + 1e-7, `${dtype} ${x} -> ${r[i]}`));
  }
});

test('wire: malformed messages are refused with the reason', () => {
  const good = encodeMessage({ job: 1 }, [new Float32Array(3)]);
  assert.throws(() => decodeMessage(Buffer.from('GET / HTTP/1.1')), /bad magic/);
  assert.throws(() => decodeMessage(good.subarray(0, good.length - 4)), /truncated/);
  assert.throws(() => decodeMessage(Buffer.concat([good, Buffer.alloc(4)])), /bytes after the last array/);
  const header = Buffer.from('{"arrays": [{"dtype": "f64", "length": 1}]}');
  const bad = Buffer.alloc(8 + header.length + 8);
  bad.writeUInt32LE(0x31435041, 0);
  bad.writeUInt32LE(header.length, 4);
  header.copy(bad, 8);
  assert.throws(() => decodeMessage(bad), /unknown dtype "f64"/);
  assert.throws(() => decodeWork(encodeMessage({ job: 1, round: 0, requests: [{ kind: 'grad', seed: 1, model: 0 }] }, [new Float32Array(3)]), 4), /has 3 values, the model 4/);
  assert.throws(() => decodeWork(encodeMessage({ job: 1, round: 0, requests: [{ kind: 'shutdown' }] }, [])), /unknown work kind "shutdown"/);
});

test('a coordinator and 4 client processes on localhost reproduce the simulation exactly', async () => {
  const c = config({ strategies: '[fedavg, cobo, ditto]' });
  const simulated = await runComparison(c);
  const { dir, files } = await clientFiles(c);
  const clients: ClientProcess[] = [];
  try {
    const served = await serveCollab(c, { onListening: (url) => files.forEach((f, i) => clients.push(startClient(url, i, f))) });
    for (const name of c.strategies) {
      assert.deepEqual(served.summary.strategies[name]!.clients, simulated.summary.strategies[name]!.clients, name);
    }
    assert.deepEqual(served.summary.w_recovery, simulated.summary.w_recovery);
    assert.deepEqual(await Promise.all(clients.map((p) => p.exit)), clients.map(() => ({ code: 0, signal: null })));
  } finally {
    for (const p of clients) if (p.child.exitCode === null) p.child.kill();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a client killed mid-round is timed out, the others finish the round, and it rejoins later: as the simulation of that failure', async () => {
  // slot 2 stalls on round 4's work and is killed there; a new process joins for it after round 7
  const killed = 2, failRound = 4, rejoinRound = 8;
  const c = config({ strategies: '[cobo]', evalEvery: 12, timeoutS: 5 });
  const failure = config({ strategies: '[cobo]', evalEvery: 12, membership: `[{round: ${failRound}, fail: [${killed}]}, {round: ${rejoinRound}, join: [${killed}]}]` });
  const simulated = await runComparison(failure);
  const undisturbed = await runComparison(c);
  assert.notDeepEqual(simulated.runs[0]!.collaboration, undisturbed.runs[0]!.collaboration, 'the failure changes the run');
  const { dir, files } = await clientFiles(c);
  const clients: ClientProcess[] = [];
  const log: string[] = [];
  let url = '';
  try {
    const served = await serveCollab(c, {
      log: (l) => log.push(l),
      onListening: (u) => {
        url = u;
        files.forEach((f, i) => clients.push(startClient(url, i, f, i === killed ? { STALL_AT_ROUND: String(failRound) } : {})));
        void clients[killed]!.line('stalled').then(() => clients[killed]!.child.kill('SIGKILL'));
      },
      onRound: async (round) => {
        if (round !== rejoinRound - 1) return;
        const again = startClient(url, killed, files[killed]!);
        clients.push(again);
        await again.line('joined');
      },
    });
    assert.deepEqual((await clients[killed]!.exit).signal, 'SIGKILL');
    assert.ok(log.some((l) => l.includes(`client ${NAMES[killed]} did not answer within 5 s`)), log.join('\n'));
    assert.equal(served.runs[0]!.rounds, 12);
    assert.deepEqual(served.runs[0]!.collaboration, simulated.runs[0]!.collaboration);
    assert.deepEqual(served.summary.strategies.cobo!.clients, simulated.summary.strategies.cobo!.clients);
    const rest = clients.filter((_, i) => i !== killed);
    assert.deepEqual(await Promise.all(rest.map((p) => p.exit)), rest.map(() => ({ code: 0, signal: null })));
  } finally {
    for (const p of clients) if (p.child.exitCode === null) p.child.kill();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a client that joins and never answers is dropped, the others finish, and the summary reports it missing', async () => {
  const stalled = 3;
  const c = config({ strategies: '[fedavg, cobo]', rounds: 4, evalEvery: 4, timeoutS: 2 });
  const simulated = await runComparison(config({ strategies: '[fedavg, cobo]', rounds: 4, evalEvery: 4, membership: `[{round: 0, fail: [${stalled}]}]` }));
  const setting = buildSetting(settingOptions(c));
  const log: string[] = [];
  const honest: Promise<unknown>[] = [];
  let silent: CoordinatorHttp | undefined;
  const served = await serveCollab(c, {
    log: (l) => log.push(l),
    onListening: (url) => {
      silent = new CoordinatorHttp(url, TOKENS[NAMES[stalled]!]!);
      void silent.request('POST', '/v1/join', '{}');
      for (let i = 0; i < 3; i++) honest.push(joinCoordinator({ server: url, token: TOKENS[NAMES[i]!]!, data: setting.clients[i]!.data }));
    },
  });
  silent?.close();
  await Promise.all(honest);
  assert.ok(log.some((l) => l.includes(`client ${NAMES[stalled]} did not answer within 2 s`)));
  for (const name of c.strategies) {
    const got = served.summary.strategies[name]!, want = simulated.summary.strategies[name]!;
    assert.equal(got.missing, 1, name);
    assert.ok(Number.isNaN(got.clients[stalled]!));
    assert.deepEqual(got.clients.slice(0, stalled), want.clients.slice(0, stalled), name);
    assert.ok(Number.isFinite(got.mean) && got.mean === (want.clients[0]! + want.clients[1]! + want.clients[2]!) / 3, name);
  }
});

/**
 * A client with a valid token that sends bad results first: each is refused with its reason, and
 * its good results, sent last, still count (the run equals the simulation).
 */
async function rogueClient(url: string, slot: number, data: ClientData): Promise<string[]> {
  const http = new CoordinatorHttp(url, TOKENS[NAMES[slot]!]!);
  const answers: string[] = [];
  try {
    const joined = JSON.parse((await http.request('POST', '/v1/join', JSON.stringify({ name: NAMES[slot] }))).body.toString()) as { session: string; model: ModelSpec };
    const template = createTemplate(joined.model);
    const at = `?session=${encodeURIComponent(joined.session)}`;
    let tried = false;
    for (;;) {
      const res = await http.request('GET', `/v1/work${at}`);
      if (res.status === 204) continue;
      if (res.status === 410) return answers;
      const work = decodeWork(res.body, template.dim);
      const results = work.requests.map((r) => runWork(template, data, r));
      const send = async (body: Buffer | string, h = http) => {
        const r = await h.request('POST', `/v1/result${at}`, body);
        answers.push(`${r.status} ${r.body.toString()}`);
      };
      if (!tried && results.some((r) => r.model || r.grad)) {
        tried = true;
        const k = results.findIndex((r) => r.model || r.grad);
        const field = results[k]!.model ? 'model' : 'grad';
        const vector = results[k]![field]!;
        const withVector = (v: Float32Array) => results.map((r, i) => (i === k ? { ...r, [field]: v } : r));
        await send('not a message');
        await send(encodeResults(work.job, withVector(vector.subarray(1))));
        const nan = Float32Array.from(vector);
        nan[3] = NaN;
        await send(encodeResults(work.job, withVector(nan)));
        await send(encodeResults(work.job, [...results, results[0]!]));
        await send(encodeMessage({ job: work.job, results: results.map(() => ({ loss: 'low', samples: 1, gradEvals: 1, lossEvals: 0 })) }, []));
        await send(encodeResults(work.job + 1000, results));
        await send(Buffer.alloc(4 * 1024 * 1024));
        const other = new CoordinatorHttp(url, TOKENS[NAMES[(slot + 1) % NAMES.length]!]!);
        await send(encodeResults(work.job, results), other);
        other.close();
      }
      await send(encodeResults(work.job, results));
    }
  } finally {
    http.close();
  }
}

test('bad messages are refused with their reason and do not disturb the round', async () => {
  const c = config({ strategies: '[fedavg, cobo]', rounds: 6 });
  const simulated = await runComparison(c);
  const setting = buildSetting(settingOptions(c));
  const log: string[] = [];
  let rogue: Promise<string[]> = Promise.resolve([]);
  const honest: Promise<unknown>[] = [];
  const served = await serveCollab(c, {
    log: (l) => log.push(l),
    onListening: (url) => {
      rogue = rogueClient(url, 0, setting.clients[0]!.data);
      for (let i = 1; i < 4; i++) honest.push(joinCoordinator({ server: url, token: TOKENS[NAMES[i]!]!, data: setting.clients[i]!.data }));
    },
  });
  const answers = await rogue;
  await Promise.all(honest);
  assert.deepEqual(answers.slice(0, 9).map((a) => a.replace(/ .*/s, '')), ['400', '400', '400', '400', '400', '409', '413', '403', '204']);
  assert.match(answers[0]!, /bad magic/);
  assert.match(answers[1]!, /has \d+ values, the model \d+/);
  assert.match(answers[2]!, /\[3\] is NaN/);
  assert.match(answers[3]!, /2 results for 1 requests|results for/);
  assert.match(answers[4]!, /loss is "low"/);
  assert.match(answers[5]!, /not waiting/);
  assert.match(answers[7]!, /another client/);
  assert.ok(answers.slice(9).every((a) => a.startsWith('204')), answers.join('\n'));
  assert.ok(log.some((l) => l.includes(`client ${NAMES[0]}: rejected results`)));
  for (const name of c.strategies) assert.deepEqual(served.summary.strategies[name]!.clients, simulated.summary.strategies[name]!.clients, name);
  assert.deepEqual(served.summary.w_recovery, simulated.summary.w_recovery);
});

test('tokens: unknown ones are refused, each one is bound to its client, and every client needs its own', async () => {
  const c = config({ strategies: '[fedavg]', rounds: 2, server: ', join_timeout_s: 2' });
  let url = '';
  const served = serveCollab(c, { onListening: (u) => (url = u) });
  while (!url) await new Promise((r) => setTimeout(r, 10));
  const post = async (token: string, body: string) => {
    const http = new CoordinatorHttp(url, token);
    try {
      const r = await http.request('POST', '/v1/join', body);
      return `${r.status} ${r.body.toString()}`;
    } finally {
      http.close();
    }
  };
  assert.match(await post('wrong-token-0123456789', '{}'), /^401/);
  assert.match(await post(TOKENS[NAMES[1]!]!, JSON.stringify({ name: NAMES[0] })), new RegExp(`^409 this token belongs to client ${NAMES[1]}`));
  assert.match(await post(TOKENS[NAMES[1]!]!, '{"name": '), /^400/);
  await assert.rejects(served, /1 of 4 clients joined|joined within/);
  const same = { ...TOKENS, [NAMES[1]!]: TOKENS[NAMES[0]!]! };
  await assert.rejects(serveCollab({ ...c, server: { ...c.server!, tokens: same } }), /same token/);
  const missing = Object.fromEntries(Object.entries(TOKENS).slice(1));
  await assert.rejects(serveCollab({ ...c, server: { ...c.server!, tokens: missing } }), new RegExp(`no token for client ${NAMES[0]}`));
  assert.throws(() => parseCollabConfig(`setting: ${SETTING}\nrounds: 1\ntraining: {lr: 0.1}\nserver: {port: 0}`), /tokens.*tokens_file|one of the two/);
});

test('over HTTPS with the coordinator\'s certificate the run equals the simulation; without it a client is refused', async () => {
  const tls = { cert: join(ROOT, 'test/fixtures/tls/localhost.crt'), key: join(ROOT, 'test/fixtures/tls/localhost.key') };
  const c = config({ strategies: '[fedavg, cobo]', rounds: 4 });
  const secure: CollabConfig = { ...c, server: { ...c.server!, tls } };
  const simulated = await runComparison(c);
  const setting = buildSetting(settingOptions(c));
  const ca = await readFile(tls.cert);
  const clients: Promise<unknown>[] = [];
  let untrusted: Promise<unknown> = Promise.resolve();
  const served = await serveCollab(secure, {
    onListening: (url) => {
      assert.match(url, /^https:/);
      untrusted = joinCoordinator({ server: url, token: TOKENS[NAMES[0]!]!, data: setting.clients[0]!.data });
      untrusted.catch(() => {});
      for (let i = 0; i < 4; i++) clients.push(joinCoordinator({ server: url, token: TOKENS[NAMES[i]!]!, data: setting.clients[i]!.data, ca }));
    },
  });
  await Promise.all(clients);
  await assert.rejects(untrusted, /certificate is not trusted.*--ca/);
  await assert.rejects(serveCollab({ ...c, server: { ...c.server!, tls: { cert: tls.key, key: tls.key } } }), /not a usable PEM certificate and private key/);
  for (const name of c.strategies) assert.deepEqual(served.summary.strategies[name]!.clients, simulated.summary.strategies[name]!.clients, name);
});

test('collab tokens writes one private token per client, and serve reads them from tokens_file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'collab-tokens-'));
  try {
    const yaml = join(dir, 'config.yaml');
    const tokens = join(dir, 'tokens.yaml');
    await writeFile(yaml, `setting: ${SETTING}\nrounds: 1\ntraining: {lr: 0.1}\nstrategies: [fedavg]\nserver: {port: 0, tokens_file: ${tokens}, join_timeout_s: 1}\n`);
    const run = (...args: string[]) => runApertus(['collab', 'tokens', yaml, '--out', tokens, ...args]);
    assert.equal(run().code, 0);
    assert.equal((await stat(tokens)).mode & 0o777, 0o600);
    const written = parseYaml(await readFile(tokens, 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(written), NAMES);
    assert.equal(new Set(Object.values(written)).size, NAMES.length);
    const again = run();
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /exists: pass --force/);
    const c = parseCollabConfig(await readFile(yaml, 'utf8'), yaml);
    let url = '';
    const served = serveCollab(c, { onListening: (u) => (url = u) });
    while (!url) await new Promise((r) => setTimeout(r, 10));
    const http = new CoordinatorHttp(url, written[NAMES[3]!]!);
    const r = await http.request('POST', '/v1/join', '{}');
    http.close();
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body.toString()) as { name: string }).name, NAMES[3]);
    await assert.rejects(served, /1 of 4 clients joined/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
