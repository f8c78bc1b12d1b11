import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { compress } from 'zstd-napi';
import type { Document } from '../../src/corpus/document.js';
import {
  APERTUS_AGENTS,
  MAX_ROBOTS_BYTES,
  RobotsSnapshot,
  RobotsTxt,
  checkUrl,
  loadSnapshotCached,
  type SnapshotEntry,
} from '../../src/corpus/robots/index.js';
import { createRobotsStep } from '../../src/corpus/steps/robots.js';
import type { ExtraCounters } from '../../src/corpus/step.js';

const allowed = (robots: string, path: string, agent = 'FooBot'): boolean => RobotsTxt.parse(robots).isAllowed(path, agent);

describe('RFC 9309 groups and agents', () => {
  // RFC 9309 section 5.1, verbatim.
  const example = [
    'User-Agent: *',
    'Disallow: *.gif$',
    'Disallow: /example/',
    'Allow: /publications/',
    '',
    'User-Agent: foobot',
    'Disallow:/',
    'Allow:/example/page.html',
    'Allow:/example/allowed.gif',
    '',
    'User-Agent: barbot',
    'User-Agent: bazbot',
    'Disallow: /example/page.html',
    '',
    'User-Agent: quxbot',
    '',
    'EOF',
  ].join('\n');

  test('section 5.1: the * group', () => {
    assert.equal(allowed(example, '/publications/a.html', 'otherbot'), true);
    assert.equal(allowed(example, '/example/x', 'otherbot'), false);
    assert.equal(allowed(example, '/images/a.gif', 'otherbot'), false);
    assert.equal(allowed(example, '/images/a.gif?x=1', 'otherbot'), true, '$ anchors the end of path + query');
  });

  test('section 5.1: foobot only reaches its two allowed prefixes', () => {
    assert.equal(allowed(example, '/example/page.html', 'foobot'), true);
    assert.equal(allowed(example, '/example/allowed.gif', 'foobot'), true);
    assert.equal(allowed(example, '/publications/', 'foobot'), false);
  });

  test('section 5.1: consecutive user-agent lines share one group', () => {
    for (const bot of ['barbot', 'bazbot']) {
      assert.equal(allowed(example, '/example/page.html', bot), false);
      assert.equal(allowed(example, '/example/other.gif', bot), true, 'the named group replaces * entirely');
    }
  });

  test('section 5.1: an empty group at the end allows everything', () => {
    assert.equal(allowed(example, '/example/x.gif', 'quxbot'), true);
  });

  test('product tokens match case-insensitively, and so do record names', () => {
    const robots = 'USER-AGENT: fOoBoT\nDISALLOW: /x\n';
    assert.equal(allowed(robots, '/x', 'FooBot'), false);
    assert.equal(allowed(robots, '/x', 'FOOBOT'), false);
    assert.equal(allowed(robots, '/x', 'foobot-news'), true, 'a different token');
  });

  test('groups for the same agent merge', () => {
    const robots = 'User-agent: foobot\nDisallow: /a\n\nUser-agent: *\nDisallow: /c\n\nUser-agent: FooBot\nDisallow: /b\n';
    assert.equal(allowed(robots, '/a'), false);
    assert.equal(allowed(robots, '/b'), false);
    assert.equal(allowed(robots, '/c'), true, '* does not apply to a named agent');
  });

  test('rules before the first user-agent line are ignored', () => {
    assert.equal(allowed('Disallow: /\nUser-agent: *\nDisallow: /x\n', '/a'), true);
  });

  test('unknown records (Sitemap, Crawl-delay) do not end a group', () => {
    const robots = 'User-agent: a\nCrawl-delay: 5\nUser-agent: foobot\nSitemap: https://e.com/s.xml\nDisallow: /x\n';
    assert.equal(allowed(robots, '/x', 'a'), false);
    assert.equal(allowed(robots, '/x', 'foobot'), false);
  });

  test('versions: a line without version applies to every version', () => {
    const robots = 'User-agent: CCBot\nDisallow: /\n';
    for (const agent of ['CCBot', 'CCBot/1.0', 'CCBot/2.0', 'ccbot/3']) assert.equal(allowed(robots, '/a', agent), false, agent);
  });

  test('versions: a versioned line applies to that version and to the unversioned crawler only', () => {
    const robots = 'User-agent: CCBot/2.0\nDisallow: /\n\nUser-agent: *\nDisallow: /private\n';
    assert.equal(allowed(robots, '/a', 'CCBot/2.0'), false);
    assert.equal(allowed(robots, '/a', 'CCBot'), false, 'product token CCBot, as RFC 9309 compares');
    assert.equal(allowed(robots, '/a', 'CCBot/1.0'), true, 'another version falls back to *');
    assert.equal(allowed(robots, '/private', 'CCBot/1.0'), false);
  });

  test('tokens keep digits: AI2Bot is not AI', () => {
    const robots = 'User-agent: AI\nDisallow: /\n';
    assert.equal(allowed(robots, '/a', 'AI2Bot'), true);
    assert.equal(allowed('User-agent: ai2bot\nDisallow: /\n', '/a', 'AI2Bot'), false);
  });

  test('the * crawler obeys only the * group', () => {
    const robots = 'User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nDisallow: /x\n';
    assert.equal(allowed(robots, '/a', '*'), true);
    assert.equal(allowed(robots, '/x', '*'), false);
  });
});

describe('RFC 9309 rule matching', () => {
  test('section 5.2: the longest match wins, whatever the order', () => {
    const robots = 'User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n';
    assert.equal(allowed(robots, '/example/page/disallowed.gif'), false);
    assert.equal(allowed(robots, '/example/page/other.gif'), true);
    const reversed = 'User-Agent: foobot\nDisallow: /example/page/disallowed.gif\nAllow: /example/page/\n';
    assert.equal(allowed(reversed, '/example/page/disallowed.gif'), false);
  });

  test('allow wins a tie of equal length', () => {
    assert.equal(allowed('User-agent: *\nDisallow: /page\nAllow: /page\n', '/page'), true);
    assert.equal(allowed('User-agent: *\nDisallow: /pa*e\nAllow: /p*ge\n', '/page'), true);
    assert.equal(allowed('User-agent: *\nDisallow: /page\nAllow: /pag\n', '/page'), false);
  });

  test('* matches any sequence, / included; $ anchors the end', () => {
    const robots = 'User-agent: *\nDisallow: /fish*.php\nDisallow: /*.asp$\nDisallow: /exact$\n';
    assert.equal(allowed(robots, '/fish/salmon.php'), false);
    assert.equal(allowed(robots, '/fishheads/catfish.php?parameters'), false);
    assert.equal(allowed(robots, '/Fish.php'), true, 'paths are case-sensitive');
    assert.equal(allowed(robots, '/a/b.asp'), false);
    assert.equal(allowed(robots, '/a/b.aspx'), true);
    assert.equal(allowed(robots, '/exact'), false);
    assert.equal(allowed(robots, '/exact/'), true);
  });

  test('repeated stars and stars at either end', () => {
    const robots = 'User-agent: *\nDisallow: /a**b\nDisallow: *private*\n';
    assert.equal(allowed(robots, '/a/x/b'), false);
    assert.equal(allowed(robots, '/x/private'), false);
    assert.equal(allowed(robots, '/x/public'), true);
  });

  test('a $ that is not last is a literal character', () => {
    const robots = 'User-agent: *\nDisallow: /price$list\n';
    assert.equal(allowed(robots, '/price$list'), false);
    assert.equal(allowed(robots, '/price'), true);
  });

  test('/robots.txt is always allowed', () => {
    const robots = 'User-agent: *\nDisallow: /\n';
    assert.equal(allowed(robots, '/robots.txt'), true);
    assert.equal(allowed(robots, '/robots.txt.bak'), false);
  });

  test('rules with an empty value are ignored', () => {
    assert.equal(allowed('User-agent: *\nDisallow:\n', '/a'), true);
    assert.equal(allowed('User-agent: *\nDisallow: /\nAllow:\n', '/a'), false);
  });

  test('comments, BOM, CR / LF / CRLF endings', () => {
    assert.equal(allowed('\uFEFFUser-agent: *\r\nDisallow: /a # not /b\r\n', '/a'), false);
    assert.equal(allowed('\uFEFFUser-agent: *\r\nDisallow: /a # not /b\r\n', '/b'), true);
    assert.equal(allowed('User-agent: *\rDisallow: /a\r', '/a'), false);
    assert.equal(allowed('# User-agent: *\n# Disallow: /\nUser-agent: *\nDisallow: /c\n', '/a'), true);
  });

  test('a value without a leading slash is read from the root', () => {
    assert.equal(allowed('User-agent: *\nDisallow: private/\n', '/private/x'), false);
  });

  test('the match is against path and query', () => {
    const robots = 'User-agent: *\nDisallow: /*?session=\nDisallow: /foo/bar?baz=quz\n';
    assert.equal(allowed(robots, 'https://e.com/list?session=1'), false);
    assert.equal(allowed(robots, 'https://e.com/list'), true);
    assert.equal(allowed(robots, 'https://e.com/foo/bar?baz=quz'), false);
    assert.equal(allowed(robots, 'https://e.com/foo/bar?baz=other'), true);
    assert.equal(allowed(robots, 'https://e.com/foo/bar#baz=quz'), true, 'the fragment is not sent');
  });

  test('section 2.2.2 figure 4: percent-encoding normalisation', () => {
    const rule = (pattern: string, url: string): boolean => !allowed(`User-agent: *\nDisallow: ${pattern}\n`, url);
    assert.ok(rule('/foo/bar?baz=https%3A%2F%2Ffoo.bar', 'https://e.com/foo/bar?baz=https%3A%2F%2Ffoo.bar'));
    assert.ok(rule('/foo/bar?baz=https%3a%2f%2ffoo.bar', 'https://e.com/foo/bar?baz=https%3A%2F%2Ffoo.bar'), 'hex case');
    assert.ok(rule('/foo/bar/ツ', 'https://e.com/foo/bar/%E3%83%84'), 'UTF-8 in the rule');
    assert.ok(rule('/foo/bar/%E3%83%84', 'https://e.com/foo/bar/ツ'), 'UTF-8 in the URL');
    assert.ok(rule('/foo/bar/%e3%83%84', 'https://e.com/foo/bar/%E3%83%84'));
    assert.ok(rule('/foo/bar/%62%61%7A', 'https://e.com/foo/bar/baz'), 'unreserved escapes decode');
    assert.ok(rule('/foo/bar/baz', 'https://e.com/foo/bar/%62%61%7A'));
    assert.ok(!rule('/a%2Fb', 'https://e.com/a/b'), 'an escaped reserved character stays distinct');
    assert.ok(rule('/a b', 'https://e.com/a%20b'), 'a space in a rule');
    assert.ok(rule("/*?q='x'", "https://e.com/s?q='x'"), 'a quote, which URL parsers escape in queries');
  });

  test('section 2.2.3 figure 6: escaped special characters match literally', () => {
    const robots = 'User-agent: *\nDisallow: /path/file-with-a-%2A.html\nDisallow: /path/foo-%24\n';
    assert.equal(allowed(robots, 'https://www.example.com/path/file-with-a-*.html'), false);
    assert.equal(allowed(robots, 'https://www.example.com/path/file-with-a-x.html'), true);
    assert.equal(allowed(robots, 'https://www.example.com/path/foo-$'), false);
  });

  test('longest match counts octets after normalisation', () => {
    // `/%62%62` is `/bb` (3 octets), shorter than the 4-octet allow.
    const robots = 'User-agent: *\nDisallow: /%62%62\nAllow: /bbb\n';
    assert.equal(allowed(robots, '/bbb'), true);
  });

  test('wildcard matching is linear on adversarial input', () => {
    const robots = `User-agent: *\nDisallow: /${'a*'.repeat(30)}b\n`;
    const url = `/${'a'.repeat(200_000)}`;
    const start = performance.now();
    assert.equal(allowed(robots, url), true);
    assert.ok(performance.now() - start < 500);
  });

  test('only the first 500 KiB are parsed', () => {
    const head = 'User-agent: *\nDisallow: /early\n';
    const pad = `#${'x'.repeat(MAX_ROBOTS_BYTES)}\n`;
    const robots = RobotsTxt.parse(`${head}${pad}Disallow: /late\n`);
    assert.equal(robots.isAllowed('/early', 'x'), false);
    assert.equal(robots.isAllowed('/late', 'x'), true);
  });

  test('a line cut by the 500 KiB limit is dropped, not shortened', () => {
    const head = 'User-agent: *\n';
    const rule = 'Disallow: /private\n';
    // `Disallow: /` would fit before the limit and, kept, would disallow everything.
    const padLength = MAX_ROBOTS_BYTES - head.length - 'Disallow: /'.length - 2;
    const robots = RobotsTxt.parse(`${head}#${'x'.repeat(padLength)}\n${rule}`);
    assert.equal(robots.isAllowed('/other', 'x'), true);
    assert.equal(robots.isAllowed('/private', 'x'), true);
  });
});

const snapshotEntries: SnapshotEntry[] = [
  { host: 'rules.example', status: 200, body: 'User-agent: GPTBot\nDisallow: /\n\nUser-agent: CCBot\nDisallow: /news/\n' },
  { host: 'star.example', status: 200, body: 'User-agent: *\nDisallow: /private/\n' },
  { host: 'gone.example', status: 404 },
  { host: 'moved.example', status: 301 },
  { host: 'broken.example', status: 503 },
  { host: 'limited.example', status: 429 },
  { host: 'down.example', status: 0, error: 'ENOTFOUND' },
  { host: 'ported.example:8080', status: 200, body: 'User-agent: *\nDisallow: /\n' },
];

describe('RobotsSnapshot', () => {
  const snapshot = new RobotsSnapshot(snapshotEntries);

  test('blocked_by names every listed agent that may not fetch the URL, in list order', () => {
    const result = snapshot.check('https://rules.example/news/today', APERTUS_AGENTS);
    assert.equal(result.allowed, false);
    assert.deepEqual(result.blockedBy, ['CCBot', 'CCBot/1.0', 'CCBot/2.0', 'GPTBot']);
    assert.equal(result.basis, 'rules');
    assert.deepEqual(snapshot.check('https://rules.example/about', ['GPTBot', 'ClaudeBot']).blockedBy, ['GPTBot']);
    assert.equal(snapshot.check('https://rules.example/about', ['ClaudeBot', '*']).allowed, true);
  });

  test('blocked_by keeps list order across groups', () => {
    const robots = 'User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /\n\nUser-agent: ClaudeBot\nDisallow: /a\n';
    const local = new RobotsSnapshot([{ host: 'e.example', status: 200, body: robots }]);
    assert.deepEqual(local.check('https://e.example/a', ['GPTBot', 'ClaudeBot', 'CCBot', '*']).blockedBy, ['GPTBot', 'ClaudeBot', 'CCBot']);
  });

  test('agents without a named group fall back to *', () => {
    const result = snapshot.check('https://star.example/private/x');
    assert.deepEqual(result.blockedBy, [...APERTUS_AGENTS]);
    assert.equal(snapshot.check('https://STAR.example/public').allowed, true, 'host compared lower-cased');
  });

  test('status: 4xx and unresolved 3xx allow everything', () => {
    assert.deepEqual(snapshot.check('https://gone.example/a'), { allowed: true, blockedBy: [], basis: 'unavailable', host: 'gone.example', status: 404 });
    assert.equal(snapshot.check('https://moved.example/a').allowed, true);
  });

  test('status: 5xx, 429 and unreachable disallow everything but /robots.txt', () => {
    for (const host of ['broken.example', 'limited.example', 'down.example']) {
      const result = snapshot.check(`https://${host}/a`, ['GPTBot', '*']);
      assert.equal(result.allowed, false, host);
      assert.equal(result.basis, 'unreachable');
      assert.deepEqual(result.blockedBy, ['GPTBot', '*']);
      assert.equal(snapshot.check(`https://${host}/robots.txt`).allowed, true);
    }
  });

  test('a host absent from the snapshot is allowed', () => {
    assert.deepEqual(snapshot.check('https://elsewhere.example/a'), { allowed: true, blockedBy: [], basis: 'absent', host: 'elsewhere.example' });
  });

  test('host:port entries are used when the URL has that port', () => {
    assert.equal(snapshot.check('http://ported.example:8080/a').allowed, false);
    assert.equal(snapshot.check('http://ported.example/a').basis, 'absent');
  });

  test('an invalid agent name or URL is an error', () => {
    assert.throws(() => snapshot.check('https://star.example/', ['/1.0']), /no product token/);
    assert.throws(() => snapshot.check('not a url'), /not an absolute URL/);
  });
});

async function writeSnapshotFile(name: string, entries: SnapshotEntry[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'apertus-robots-'));
  const path = join(dir, name);
  const text = entries.map((e) => JSON.stringify(e)).join('\n') + '\n';
  const bytes = Buffer.from(text);
  await writeFile(path, name.endsWith('.gz') ? gzipSync(bytes) : name.endsWith('.zst') ? compress(bytes) : bytes);
  return path;
}

describe('snapshot files', () => {
  for (const name of ['s.jsonl', 's.jsonl.gz', 's.jsonl.zst']) {
    test(`loads ${name}`, async () => {
      const snapshot = await RobotsSnapshot.load(await writeSnapshotFile(name, snapshotEntries));
      assert.equal(snapshot.size, snapshotEntries.length);
      assert.equal(snapshot.check('https://rules.example/', ['GPTBot']).allowed, false);
    });
  }

  test('a malformed line is an error naming the file and line', async () => {
    const path = await writeSnapshotFile('bad.jsonl', snapshotEntries.slice(0, 2));
    await writeFile(path, `${JSON.stringify(snapshotEntries[0])}\n\n{"host": "x.example", "status": "200"}\n`);
    await assert.rejects(RobotsSnapshot.load(path), (err: Error) => err.message.startsWith(`${path}:3: "status" must be an integer`));
    await writeFile(path, '{"host": "x.example", "status": 200\n');
    await assert.rejects(RobotsSnapshot.load(path), (err: Error) => err.message.startsWith(`${path}:1: invalid JSON`));
  });

  test('a missing file is a clear error', async () => {
    await assert.rejects(loadSnapshotCached('/nonexistent/robots.jsonl'), /robots snapshot not found/);
  });

  test('loadSnapshotCached loads a path once', async () => {
    const path = await writeSnapshotFile('c.jsonl', snapshotEntries);
    assert.equal(await loadSnapshotCached(path), await loadSnapshotCached(path));
  });

  test('checkUrl answers for one URL', async () => {
    const path = await writeSnapshotFile('u.jsonl', snapshotEntries);
    assert.deepEqual(await checkUrl(path, 'https://rules.example/x', ['GPTBot', 'ClaudeBot']), {
      url: 'https://rules.example/x',
      allowed: false,
      blocked_by: ['GPTBot'],
      basis: 'rules',
      status: 200,
    });
  });
});

describe('robots step', () => {
  const doc = (url?: string): Document => ({ id: 'd', text: 't', ...(url ? { url } : {}), metadata: {} });

  test('verdicts and counters', async () => {
    const path = await writeSnapshotFile('step.jsonl', snapshotEntries);
    const step = createRobotsStep({ snapshot: path, agents: ['GPTBot', 'CCBot', 'ClaudeBot'] });
    assert.equal(step.kind, 'robots');
    assert.equal(step.name, 'robots');
    await step.open!({ index: 0, inputFile: '/in.jsonl' });
    const extra: ExtraCounters = {};
    assert.deepEqual(step.apply(doc('https://rules.example/news/1'), extra), {
      keep: false,
      reason: 'robots_disallowed',
      detail: 'blocked for GPTBot, CCBot',
    });
    assert.deepEqual(step.apply(doc('https://down.example/a'), extra), {
      keep: false,
      reason: 'robots_unavailable',
      detail: 'robots.txt of down.example unreachable (status 0: ENOTFOUND)',
    });
    assert.equal(step.apply(doc('https://broken.example/a'), extra).keep, false);
    assert.equal(step.apply(doc('https://star.example/public'), extra).keep, true);
    assert.equal(step.apply(doc('https://gone.example/a'), extra).keep, true);
    assert.equal(step.apply(doc('https://new.example/a'), extra).keep, true);
    assert.equal(step.apply(doc(), extra).keep, true);
    assert.equal(step.apply(doc('::not a url::'), extra).keep, true);
    assert.deepEqual(extra, { robots_host_absent: 1, robots_no_url: 2 });
  });

  test('defaults to the Apertus agents and takes a name', async () => {
    const path = await writeSnapshotFile('step2.jsonl', snapshotEntries);
    const step = createRobotsStep({ snapshot: path, name: 'optout' });
    assert.equal(step.name, 'optout');
    await step.open!({ index: 0, inputFile: '/in.jsonl' });
    const verdict = step.apply(doc('https://star.example/private/1'), {});
    assert.equal(verdict.keep, false);
    assert.ok(!verdict.keep && verdict.detail === `blocked for ${APERTUS_AGENTS.join(', ')}`);
  });
});
