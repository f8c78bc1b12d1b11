import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  MAX_ROBOTS_BYTES,
  RobotsSnapshot,
  fetchRobots,
  fetchRobotsTxt,
  partialPath,
  readHostsFile,
  writeSnapshot,
} from '../../src/corpus/robots/index.js';

const servers: Server[] = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

/** A server on 127.0.0.1; returns its `host:port`. */
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Redirects /robots.txt -> /r1 -> ... -> /r{hops} which answers 200. */
function redirectChain(hops: number): RequestListener {
  return (req, res) => {
    const step = req.url === '/robots.txt' ? 0 : Number(req.url!.slice(2));
    if (step < hops) {
      // Relative locations must be resolved against the current URL.
      res.writeHead(302, { location: `r${step + 1}` }).end();
    } else {
      res.end('User-agent: *\nDisallow: /\n');
    }
  };
}

const options = { scheme: 'http' as const, timeoutMs: 2000 };

describe('fetchRobotsTxt', () => {
  test('200: the body', async () => {
    const host = await serve((req, res) => res.end(req.url === '/robots.txt' ? 'User-agent: *\nDisallow: /x\n' : 'wrong'));
    const entry = await fetchRobotsTxt(host, options);
    assert.equal(entry.status, 200);
    assert.equal(entry.body, 'User-agent: *\nDisallow: /x\n');
    assert.match(entry.fetched_at!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('404 and 500: the status, no body', async () => {
    const missing = await serve((_req, res) => res.writeHead(404).end('not found'));
    const failing = await serve((_req, res) => res.writeHead(500).end('oops'));
    assert.deepEqual(
      [await fetchRobotsTxt(missing, options), await fetchRobotsTxt(failing, options)].map((e) => [e.status, e.body]),
      [
        [404, undefined],
        [500, undefined],
      ],
    );
  });

  test('a redirect chain of 2 is followed, and of 5 too', async () => {
    for (const hops of [2, 5]) {
      const host = await serve(redirectChain(hops));
      const entry = await fetchRobotsTxt(host, options);
      assert.equal(entry.status, 200, `${hops} hops`);
      assert.equal(entry.body, 'User-agent: *\nDisallow: /\n');
      assert.equal(entry.final_url, `http://${host}/r${hops}`);
    }
  });

  test('a redirect chain of 6 is unreachable', async () => {
    const host = await serve(redirectChain(6));
    const entry = await fetchRobotsTxt(host, options);
    assert.equal(entry.status, 0);
    assert.equal(entry.error, 'more than 5 redirects');
  });

  test('a slow server times out', async () => {
    const host = await serve(() => {
      /* never answers */
    });
    const entry = await fetchRobotsTxt(host, { ...options, timeoutMs: 150 });
    assert.equal(entry.status, 0);
    assert.equal(entry.error, 'timeout after 150 ms');
  });

  test('a refused connection is unreachable', async () => {
    const host = await serve((_req, res) => res.end());
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const entry = await fetchRobotsTxt(host, options);
    assert.equal(entry.status, 0);
    assert.equal(entry.error, 'ECONNREFUSED');
  });

  test('a body over 500 KiB is cut to whole lines within the limit', async () => {
    const line = `Disallow: /${'a'.repeat(88)}\n`; // 100 bytes
    const host = await serve((_req, res) => {
      res.write('User-agent: *\n');
      for (let i = 0; i < 8000; i++) res.write(line); // 800 KB, streamed
      res.end();
    });
    const entry = await fetchRobotsTxt(host, options);
    assert.equal(entry.status, 200);
    assert.equal(entry.truncated, true);
    const bytes = Buffer.byteLength(entry.body!);
    assert.ok(bytes <= MAX_ROBOTS_BYTES && bytes > MAX_ROBOTS_BYTES - 100, `${bytes} bytes`);
    assert.ok(entry.body!.endsWith('a'.repeat(88)), 'ends on a whole line');
  });
});

describe('fetchRobots', () => {
  test('yields in host order whatever the completion order', async () => {
    const delays = [120, 0, 60, 10, 90, 30];
    const hosts = await Promise.all(delays.map((ms) => serve((_req, res) => setTimeout(() => res.end(`# ${ms}\n`), ms))));
    const progress: number[] = [];
    const entries = [];
    for await (const entry of fetchRobots(hosts, { ...options, concurrency: 3, onProgress: (p) => progress.push(p.done) })) {
      entries.push(entry);
    }
    assert.deepEqual(entries.map((e) => e.host), hosts);
    assert.deepEqual(entries.map((e) => e.body), delays.map((ms) => `# ${ms}\n`));
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
  });

  test('writeSnapshot writes a loadable file and no leftovers; resume keeps complete lines', async () => {
    let requests = 0;
    const hosts = await Promise.all(
      [0, 1, 2].map((k) =>
        serve((_req, res) => {
          requests++;
          res.end(`User-agent: *\nDisallow: /${k}\n`);
        }),
      ),
    );
    const dir = await mkdtemp(join(tmpdir(), 'apertus-robots-fetch-'));
    const path = join(dir, 'robots.jsonl');
    const result = await writeSnapshot(path, hosts, options);
    assert.deepEqual(result, { path, hosts: 3, fetched: 3, resumed: 0 });
    assert.deepEqual(await readdir(dir), ['robots.jsonl']);
    const snapshot = await RobotsSnapshot.load(path);
    assert.equal(snapshot.check(`http://${hosts[1]}/1`, ['*']).allowed, false);
    assert.equal(snapshot.check(`http://${hosts[1]}/0`, ['*']).allowed, true);

    // An interrupted run: one complete line and one torn line.
    const lines = (await readFile(path, 'utf8')).split('\n');
    await writeFile(partialPath(path), `${lines[0]}\n${lines[1]!.slice(0, 20)}`);
    requests = 0;
    const resumed = await writeSnapshot(path, hosts, { ...options, resume: true });
    assert.deepEqual(resumed, { path, hosts: 3, fetched: 2, resumed: 1 });
    assert.equal(requests, 2);
    const again = (await readFile(path, 'utf8')).split('\n');
    assert.deepEqual(again.map((l) => (l ? JSON.parse(l).host : l)), [...hosts, '']);

    await writeFile(partialPath(path), `${lines[1]}\n`);
    await assert.rejects(writeSnapshot(path, hosts, { ...options, resume: true }), /another hosts list/);
  });
});

describe('readHostsFile', () => {
  test('one host a line; comments, blanks and duplicates skipped; URLs reduced to hosts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'apertus-hosts-'));
    const path = join(dir, 'hosts.txt');
    await writeFile(path, '# top domains\nExample.com\n\nnews.example.org:8080  # with port\nhttps://www.example.net/path\nexample.com\r\n');
    assert.deepEqual(await readHostsFile(path), ['example.com', 'news.example.org:8080', 'www.example.net']);
    await writeFile(path, 'example.com\nexample.com/path\n');
    await assert.rejects(readHostsFile(path), (err: Error) => err.message === `${path}:2: not a host, host:port or URL: "example.com/path"`);
  });
});
