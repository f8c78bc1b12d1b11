import { declaration, mulberry32 } from '../tools/udhr.js';
import type { Document } from '../src/corpus/document.js';

const LANGUAGES = ['eng', 'deu_1996', 'fra', 'spa', 'ita', 'nld', 'pol', 'por_PT', 'rus', 'cmn_hans', 'jpn', 'arb', 'swe', 'tur', 'ces', 'fin'];

const ROBOTS_BODIES = [
  'User-agent: *\nDisallow: /admin/\nDisallow: /search?\n',
  'User-agent: GPTBot\nDisallow: /\n\nUser-agent: CCBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n',
  'User-agent: *\nDisallow: /*.pdf$\nDisallow: /private/\nAllow: /private/public/\n',
  'User-agent: Google-Extended\nUser-agent: ClaudeBot\nDisallow: /news/\n\nUser-agent: *\nDisallow: /cgi-bin/\nDisallow: /*?session=\n',
  '# typical CMS\nUser-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\nSitemap: https://example.com/sitemap.xml\n',
  'User-agent: Bytespider\nDisallow: /\nUser-agent: PanguBot\nDisallow: /\nUser-agent: *\nDisallow:\n',
];

const PII = [
  'Kontakt: redaktion@zeitung.example.de',
  'write to Jane.Doe@mail.example.com for details',
  'IBAN DE89 3704 0044 0532 0130 00',
  'server 203.0.113.42 answered',
  'virement FR14 2004 1010 0505 0001 3M02 606',
];

export interface BenchCorpus {
  documents: Document[];
  /** Robots snapshot lines (JSONL). */
  snapshot: string[];
}

/**
 * A generated crawl: `count` documents of UDHR paragraphs in 16 languages, on 5,000 hosts, of
 * which 4,000 have a robots.txt entry (varied rules, some 404/503), with personal data planted
 * in about 15% of documents. Deterministic.
 */
export async function makeBenchCorpus(count: number): Promise<BenchCorpus> {
  const random = mulberry32(7);
  const texts = await Promise.all(LANGUAGES.map((code) => declaration(code)));
  const hosts = Array.from({ length: 5000 }, (_, i) => `www.site${i}.example${i % 7 === 0 ? '.co.uk' : '.org'}`);
  const paths = ['/', '/news/', '/private/', '/private/public/', '/wp-admin/', '/cgi-bin/', '/archive/2019/'];
  const documents: Document[] = [];
  for (let i = 0; i < count; i++) {
    const blocks = texts[i % texts.length]!;
    const paragraphs: string[] = [];
    const n = 2 + Math.floor(random() * 5);
    for (let p = 0; p < n; p++) paragraphs.push(...blocks[Math.floor(random() * blocks.length)]!);
    if (random() < 0.15) paragraphs.splice(1, 0, PII[Math.floor(random() * PII.length)]!);
    const host = hosts[Math.floor(random() * hosts.length)]!;
    const path = paths[Math.floor(random() * paths.length)]!;
    const suffix = random() < 0.1 ? `doc${i}.pdf` : random() < 0.1 ? `page?session=${i}` : `article-${i}.html`;
    documents.push({ id: `doc-${i}`, text: paragraphs.join('\n'), url: `https://${host}${path}${suffix}`, metadata: {} });
  }
  const snapshot = hosts.slice(0, 4000).map((host, i) => {
    const status = i % 50 === 0 ? 503 : i % 23 === 0 ? 404 : 200;
    const body = status === 200 ? ROBOTS_BODIES[i % ROBOTS_BODIES.length]! : '';
    return JSON.stringify({ host, status, fetched_at: '2025-01-15T00:00:00Z', body });
  });
  return { documents, snapshot };
}
