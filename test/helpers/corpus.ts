import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileDigest } from '../../src/util/fs.js';
import { seeded } from './random.js';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `apertus-${prefix}-`));
}

const WORDS = 'the of and to in is that for it as with was on be by this are from or have an they which one you were her all'.split(' ');

export { seeded } from './random.js';

export const FIXTURE_HOSTS = ['open.example.org', 'closed.example.org', 'partly.example.net', 'down.example.com', 'spam.example.biz', 'unlisted.example.io'];

/**
 * A small crawl as JSONL(.gz) files: documents on a few hosts, some with personal data, plus a
 * robots snapshot where closed.* opts out GPTBot everywhere, partly.* disallows /private/ for
 * everyone, and down.* was unreachable.
 */
export async function makeCorpus(dir: string, files: number, docsPerFile: number, seed = 1): Promise<{ input: string; snapshot: string; blocklist: string }> {
  const random = seeded(seed);
  const input = join(dir, 'input');
  await mkdir(input, { recursive: true });
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let i = 0; i < docsPerFile; i++) {
      const host = FIXTURE_HOSTS[Math.floor(random() * FIXTURE_HOSTS.length)]!;
      const path = random() < 0.3 ? `/private/p${i}` : `/news/p${i}`;
      const words = Array.from({ length: 20 + Math.floor(random() * 80) }, () => WORDS[Math.floor(random() * WORDS.length)]);
      if (random() < 0.2) words.push(`mail ${['anna', 'li.wei', 'jose'][i % 3]}@example.com now`);
      if (random() < 0.1) words.push('from 8.8.8.8 and IBAN DE89 3704 0044 0532 0130 00');
      lines.push(JSON.stringify({ id: `f${f}-d${i}`, text: words.join(' '), url: `https://${host}${path}`, lang_hint: 'en' }));
    }
    const body = `${lines.join('\n')}\n`;
    const name = join(input, `part-${String(f).padStart(2, '0')}.jsonl${f % 2 ? '.gz' : ''}`);
    await writeFile(name, f % 2 ? gzipSync(body) : body);
  }
  const snapshot = join(dir, 'robots.jsonl');
  const entries = [
    { host: 'open.example.org', status: 200, body: 'User-agent: *\nAllow: /\n' },
    { host: 'closed.example.org', status: 200, body: 'User-agent: GPTBot\nDisallow: /\n' },
    { host: 'partly.example.net', status: 200, body: 'User-agent: *\nDisallow: /private/\n' },
    { host: 'down.example.com', status: 503, body: '' },
    { host: 'spam.example.biz', status: 404, body: '' },
  ];
  await writeFile(snapshot, entries.map((e) => JSON.stringify({ ...e, fetched_at: '2025-01-15T00:00:00Z' })).join('\n') + '\n');
  const blocklist = join(dir, 'blocklist.txt');
  await writeFile(blocklist, '# spam\nexample.biz\n');
  return { input, snapshot, blocklist };
}

export function pipelineYaml(opts: { input: string; output: string; snapshot: string; blocklist: string; format?: string; extra?: string }): string {
  return `name: test
input:
  path: ${opts.input}
output:
  path: ${opts.output}
  format: ${opts.format ?? 'jsonl.zst'}
${opts.extra ?? ''}
steps:
  - step: url_filter
    domain_files: [${opts.blocklist}]
  - step: robots
    snapshot: ${opts.snapshot}
  - step: pii
`;
}

/** path (relative to root) -> sha256 of every file under documents/ and removed/. */
export async function outputDigests(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const sub of ['documents', 'removed']) {
    let entries;
    try {
      entries = await readdir(join(root, sub), { recursive: true, withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      out[relative(root, path)] = (await fileDigest(path)).sha256;
    }
  }
  return Object.fromEntries(Object.entries(out).sort());
}

export async function readJson<T = unknown>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
