import { readFileSync } from 'node:fs';
import { getDomain } from 'tldts';
import { documentHost, type Document } from '../document.js';
import { KEEP, remove, type Step, type Verdict } from '../step.js';

export interface UrlFilterOptions {
  name?: string;
  /** Files with one blocked domain per line (`#` comments allowed). */
  domain_files?: string[];
  /** Blocked domains written inline. */
  domains?: string[];
  /** Files with one blocked URL substring per line. */
  url_substring_files?: string[];
  /** Blocked URL substrings written inline (matched case-insensitively against the whole URL). */
  url_substrings?: string[];
  /** What to do with documents that have no URL or an unparsable one. */
  missing_url?: 'keep' | 'remove';
}

/** One entry a line; blank lines and `#` comments skipped; lower-cased. */
export function readListFile(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, '').trim().toLowerCase())
    .filter((line) => line.length > 0);
}

/**
 * Removes documents whose URL is on a blocklist (datatrove's URLFilter, UT1 lists).
 * A blocked domain matches the document's registered domain (public suffix list: `example.co.uk`
 * for `news.example.co.uk`) and its full host, so both whole sites and single subdomains can be
 * listed.
 */
export function createUrlFilterStep(options: UrlFilterOptions): Step {
  const domains = new Set([
    ...(options.domains ?? []).map((d) => d.trim().toLowerCase()),
    ...(options.domain_files ?? []).flatMap(readListFile),
  ]);
  const substrings = [
    ...(options.url_substrings ?? []).map((s) => s.toLowerCase()),
    ...(options.url_substring_files ?? []).flatMap(readListFile),
  ];
  const missingUrl = options.missing_url ?? 'keep';

  return {
    kind: 'url_filter',
    name: options.name ?? 'url_filter',
    apply(doc: Document): Verdict {
      const host = documentHost(doc);
      if (host === undefined) return missingUrl === 'remove' ? remove('url_missing') : KEEP;
      const domain = getDomain(host) ?? host;
      if (domains.has(host)) return remove('url_domain_blocklisted', host);
      if (domains.has(domain)) return remove('url_domain_blocklisted', domain);
      if (substrings.length > 0) {
        const url = doc.url!.toLowerCase();
        for (const s of substrings) if (url.includes(s)) return remove('url_substring_blocklisted', s);
      }
      return KEEP;
    },
  };
}
