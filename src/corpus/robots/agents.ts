/**
 * Crawler names, and which robots.txt groups apply to which crawler (RFC 9309 section 2.2.1).
 *
 * RFC 9309 selects a group by the crawler's *product token*, compared case-insensitively; a
 * `User-agent` value such as `CCBot/2.0` or `Mozilla/5.0 (compatible; X)` is not a valid token,
 * and parsers that follow the RFC (Google's) reduce it to its leading token (`ccbot`, `mozilla`).
 *
 * The Apertus list names versions (`CCBot/1.0`, `CCBot/2.0`) because sites write them. We keep
 * the version as a refinement so those entries mean something, while staying RFC-compatible for
 * unversioned names:
 *   - a line without a version (`User-agent: CCBot`) applies to every CCBot (`CCBot`,
 *     `CCBot/1.0`, `CCBot/2.0`): the RFC compares product tokens;
 *   - a line with a version (`User-agent: CCBot/2.0`) applies to a crawler of that exact version
 *     (`CCBot/2.0`) and to the unversioned crawler (`CCBot`, whose token it carries), but not to
 *     `CCBot/1.0`, which then falls back to its other groups or to `*`.
 * So a site that blocks only `CCBot/2.0` blocks the URL for `CCBot` and `CCBot/2.0`, and a site
 * that writes conflicting version groups is judged per version (the strictest one wins, as any
 * blocking agent removes the URL).
 *
 * Tokens keep digits (the RFC allows only letters, `_` and `-`, but real tokens such as `AI2Bot`
 * carry digits; cutting them, as Google's parser does, would turn `AI2Bot` into `AI`).
 */

/** The agents whose opt-outs Apertus honours (their code also lists FacebookBot). */
export const APERTUS_AGENTS: readonly string[] = Object.freeze([
  'AI2Bot',
  'Applebot-Extended',
  'Bytespider',
  'CCBot',
  'CCBot/1.0',
  'CCBot/2.0',
  'ClaudeBot',
  'cohere-training-data-crawler',
  'Diffbot',
  'Meta-ExternalAgent',
  'Google-Extended',
  'GPTBot',
  'PanguBot',
  '*',
]);

/** A crawler name or a `User-agent` value, reduced to what group selection compares. */
export interface AgentName {
  /** As written (crawler list) or as found (robots.txt). */
  name: string;
  /** Lower-cased product token, or `*` for the catch-all group. */
  token: string;
  /** Lower-cased version after a `/` (`2.0` in `CCBot/2.0`), when there is one. */
  version?: string;
}

const TOKEN = /^[A-Za-z0-9_-]+/;

/** Reduce a name to its product token and version; undefined when it has no token at all. */
export function parseAgentName(value: string): AgentName | undefined {
  const name = value.trim();
  // `*` alone (or followed by a comment-like tail) is the catch-all; `*bot` names nobody.
  if (name === '*' || /^\*\s/.test(name)) return { name, token: '*' };
  const match = TOKEN.exec(name);
  if (!match) return undefined;
  const token = match[0].toLowerCase();
  if (name[token.length] !== '/') return { name, token };
  const version = /^[^\s;()]+/.exec(name.slice(token.length + 1))?.[0].toLowerCase();
  return version ? { name, token, version } : { name, token };
}

/** Parse a crawler list, refusing names that can never match a group (a config mistake). */
export function parseAgentList(names: readonly string[]): AgentName[] {
  return names.map((n) => {
    const agent = parseAgentName(n);
    if (!agent) throw new Error(`robots agent ${JSON.stringify(n)} has no product token (letters, digits, _ or -)`);
    return agent;
  });
}

/** Does a named (non-`*`) `User-agent` line select this crawler? See the module comment. */
export function lineNamesCrawler(line: AgentName, crawler: AgentName): boolean {
  if (line.token === '*' || line.token !== crawler.token) return false;
  return line.version === undefined || crawler.version === undefined || line.version === crawler.version;
}
