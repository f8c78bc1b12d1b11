/**
 * An RFC 9309 robots.txt: parsed once, then asked, many times, which crawlers may fetch a path.
 *
 * Our own parser rather than npm `robots-parser`: that one has no size limit, drops versions
 * and digits from agent names in ways we need to control (see agents.ts), and rebuilds its
 * answer per call; here a file is compiled once into per-crawler rule lists and a per-host plan.
 */
import { lineNamesCrawler, parseAgentName, type AgentName } from './agents.js';
import { byPrecedence, compileRule, normaliseUrlPath, ruleMatches, type CompiledRule } from './pattern.js';

/** RFC 9309 section 2.5: parse at least 500 KiB; we parse exactly that much and ignore the rest. */
export const MAX_ROBOTS_BYTES = 500 * 1024;

interface RawRule {
  allow: boolean;
  value: string;
}

/** Consecutive `User-agent` lines and the rules that follow them (RFC 9309 section 2.1). */
export interface RobotsGroup {
  agents: AgentName[];
  rules: RawRule[];
}

type LineKind = 'agent' | 'allow' | 'disallow';

// Keys compare case-insensitively; a few misspellings that real files carry are accepted too
// (RFC 9309 section 2.2.4 lets crawlers be lenient), as Google's parser does.
const KEYS = new Map<string, LineKind>([
  ['user-agent', 'agent'],
  ['useragent', 'agent'],
  ['user agent', 'agent'],
  ['allow', 'allow'],
  ['disallow', 'disallow'],
  ['dissallow', 'disallow'],
  ['dissalow', 'disallow'],
  ['disalow', 'disallow'],
  ['diasllow', 'disallow'],
  ['disallaw', 'disallow'],
]);

/**
 * The first 500 KiB of a body, cut back to the last whole line: a line split by the limit
 * (`Disallow: /private` cut to `Disallow: /p`) would otherwise become a different rule.
 */
export function limitBody(body: string): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes, so short bodies need no byte count.
  if (body.length * 3 <= MAX_ROBOTS_BYTES || Buffer.byteLength(body) <= MAX_ROBOTS_BYTES) return body;
  return wholeLines(Buffer.from(body, 'utf8'), MAX_ROBOTS_BYTES).toString('utf8');
}

/** The first `limit` bytes of a text, cut back to its last line break (which is dropped). */
export function wholeLines(bytes: Buffer, limit: number): Buffer {
  if (bytes.length <= limit) return bytes;
  const head = bytes.subarray(0, limit);
  const end = Math.max(head.lastIndexOf(0x0a), head.lastIndexOf(0x0d));
  return head.subarray(0, Math.max(end, 0));
}

/** Split a robots.txt into groups; comments, unknown records and rules outside a group dropped. */
export function parseGroups(body: string): RobotsGroup[] {
  let text = limitBody(body);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const groups: RobotsGroup[] = [];
  let current: RobotsGroup | undefined;
  let inAgentLines = false;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const hash = raw.indexOf('#');
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const kind = KEYS.get(line.slice(0, colon).trim().toLowerCase());
    // Unknown records (Sitemap, Crawl-delay ...) must not end a group (RFC 9309 section 2.2.4).
    if (kind === undefined) continue;
    const value = line.slice(colon + 1).trim();
    if (kind === 'agent') {
      const agent = parseAgentName(value);
      if (!agent) continue;
      if (!current || !inAgentLines) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      current.agents.push(agent);
      inAgentLines = true;
    } else {
      inAgentLines = false;
      // An empty value (`Disallow:`) is no rule at all; rules before any user-agent are ignored.
      if (current && value !== '') current.rules.push({ allow: kind === 'allow', value });
    }
  }
  return groups;
}

/** The rules one crawler obeys on one host: its groups merged, in precedence order. */
export class RuleSet {
  readonly rules: readonly CompiledRule[];
  /** False when nothing here can disallow a path (no rules, or only `Allow`). */
  readonly canBlock: boolean;

  constructor(rules: CompiledRule[]) {
    this.rules = rules.sort(byPrecedence);
    this.canBlock = rules.some((r) => !r.allow);
  }

  /** The rule that decides for a normalised path, or undefined when none matches (allowed). */
  decidingRule(path: string): CompiledRule | undefined {
    for (const rule of this.rules) if (ruleMatches(rule, path)) return rule;
    return undefined;
  }

  isAllowed(path: string): boolean {
    return !this.canBlock || this.decidingRule(path)?.allow !== false;
  }
}

/**
 * What a host asks of a whole crawler list. Crawlers that obey the same rule set (often all of
 * them: the `*` group) are checked once; rule sets that cannot block are left out.
 */
export interface HostPlan {
  ruleSets: readonly RuleSet[];
  /** For each crawler of the list, the index in `ruleSets` of the set it obeys, or -1. */
  setOf: readonly number[];
  names: readonly string[];
}

export class RobotsTxt {
  private readonly ruleSets = new Map<string, RuleSet>();

  constructor(readonly groups: readonly RobotsGroup[]) {}

  static parse(body: string): RobotsTxt {
    return new RobotsTxt(parseGroups(body));
  }

  /**
   * The merged groups that name this crawler, or else the `*` groups (a named group replaces
   * `*` entirely). The crawler `*` obeys the `*` groups only.
   */
  ruleSetFor(crawler: AgentName): RuleSet {
    const named = (a: AgentName): boolean => lineNamesCrawler(a, crawler);
    const star = (a: AgentName): boolean => a.token === '*';
    let picked = crawler.token === '*' ? [] : this.groupsWhere(named);
    if (picked.length === 0) picked = this.groupsWhere(star);
    const key = picked.join(',');
    let set = this.ruleSets.get(key);
    if (!set) {
      set = new RuleSet(picked.flatMap((k) => this.groups[k]!.rules.map((r) => compileRule(r.allow, r.value))));
      this.ruleSets.set(key, set);
    }
    return set;
  }

  private groupsWhere(test: (agent: AgentName) => boolean): number[] {
    const picked: number[] = [];
    this.groups.forEach((g, k) => {
      if (g.agents.some(test)) picked.push(k);
    });
    return picked;
  }

  /** Group a crawler list by the rule set each obeys, keeping only sets that can block. */
  plan(crawlers: readonly AgentName[]): HostPlan {
    const ruleSets: RuleSet[] = [];
    const setOf = crawlers.map((crawler) => {
      const set = this.ruleSetFor(crawler);
      if (!set.canBlock) return -1;
      const k = ruleSets.indexOf(set);
      return k >= 0 ? k : ruleSets.push(set) - 1;
    });
    return { ruleSets, setOf, names: crawlers.map((c) => c.name) };
  }

  /** One crawler, one URL (or `/path?query`): the plain question, for tests and the CLI. */
  isAllowed(url: string, agent: string): boolean {
    const crawler = parseAgentName(agent);
    if (!crawler) throw new Error(`robots agent ${JSON.stringify(agent)} has no product token`);
    return blockedBy(this.plan([crawler]), matchPath(url)).length === 0;
  }
}

/** The normalised path + query of a URL, the string rules match against. */
export function matchPath(url: string | URL): string {
  if (typeof url === 'string') {
    if (!url.startsWith('/')) return matchPath(new URL(url));
    const hash = url.indexOf('#');
    return normaliseUrlPath(hash >= 0 ? url.slice(0, hash) : url);
  }
  return normaliseUrlPath(url.pathname + url.search);
}

/** Names of the crawlers a plan disallows for one normalised path, in list order (empty: allowed). */
export function blockedBy(plan: HostPlan, path: string): string[] {
  // RFC 9309 section 2.2.2: the /robots.txt URI is implicitly allowed.
  if (plan.ruleSets.length === 0 || path === '/robots.txt') return [];
  const blocked = plan.ruleSets.map((set) => !set.isAllowed(path));
  if (!blocked.includes(true)) return [];
  return plan.names.filter((_, i) => plan.setOf[i]! >= 0 && blocked[plan.setOf[i]!]);
}
