/**
 * A robots.txt snapshot: one fetch per host, taken once and applied to crawls of every year
 * (the Apertus "retroactive" opt-out). Stored as JSONL, one line per host:
 *   {"host": "example.com", "status": 200, "fetched_at": "2025-01-15T00:00:00Z", "body": "..."}
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BadRecordError, UserError, errorMessage } from '../../util/errors.js';
import { APERTUS_AGENTS, parseAgentList, type AgentName } from './agents.js';
import { readLines } from './lines.js';
import { RobotsTxt, blockedBy, matchPath, type HostPlan } from './rules.js';

export interface SnapshotEntry {
  /** Lower-case host name, with `:port` when the site is not on the scheme's default port. */
  host: string;
  /** Final HTTP status after redirects; 0 when the host could not be reached. */
  status: number;
  fetched_at?: string;
  /** The robots.txt text (2xx answers only), at most 500 KiB. */
  body?: string;
  /** Why the fetch failed (status 0): timeout, DNS, too many redirects ... */
  error?: string;
  /** The URL the answer came from, when redirects led elsewhere. */
  final_url?: string;
  /** The body was longer than the limit and was cut at its last whole line. */
  truncated?: boolean;
}

/**
 * Why a URL got its answer:
 *  - rules: the host's robots.txt (2xx) was applied;
 *  - unavailable: 3xx left unresolved or 4xx: no robots.txt, everything allowed (RFC 9309 2.3.1.3);
 *  - unreachable: 5xx, 429 or no answer: everything disallowed (RFC 9309 2.3.1.4);
 *  - absent: the host is not in the snapshot: allowed (a domain without robots.txt is kept).
 */
export type RobotsBasis = 'rules' | 'unavailable' | 'unreachable' | 'absent';

export interface RobotsCheck {
  allowed: boolean;
  /** The listed agents that may not fetch the URL, in list order. */
  blockedBy: string[];
  basis: RobotsBasis;
  /** The snapshot key the answer came from (`host` or `host:port`); the URL's host when absent. */
  host: string;
  /** The host's status in the snapshot (absent: undefined). */
  status?: number;
}

/**
 * 429 (Too Many Requests) is a 4xx, but it says nothing about the robots.txt: we were only
 * refused, so like Google we treat it as a server error. An unresolved 3xx is what RFC 9309
 * 2.3.1.2 allows to read as unavailable.
 */
export function statusBasis(status: number): Exclude<RobotsBasis, 'absent'> {
  if (status >= 200 && status < 300) return 'rules';
  if (status >= 300 && status < 500 && status !== 429) return 'unavailable';
  return 'unreachable';
}

interface HostState {
  status: number;
  error?: string;
  /** Kept until first use, then compiled and dropped: most hosts of a big snapshot are never asked. */
  body?: string;
  robots?: RobotsTxt;
}

/** A crawler list, parsed once, with the plan each host compiled for it. */
interface AgentView {
  names: string[];
  crawlers: AgentName[];
  plans: Map<string, HostPlan>;
}

export class RobotsSnapshot {
  private readonly hosts = new Map<string, HostState>();
  private readonly views = new Map<string, AgentView>();
  private lastAgents: readonly string[] | undefined;
  private lastView: AgentView | undefined;

  /** Later entries for the same host replace earlier ones. */
  constructor(entries: Iterable<SnapshotEntry> = []) {
    for (const entry of entries) this.add(entry);
  }

  static async load(path: string): Promise<RobotsSnapshot> {
    const snapshot = new RobotsSnapshot();
    let line = 0;
    for await (const text of readLines(path)) {
      line++;
      if (text.trim() !== '') snapshot.add(parseSnapshotLine(text, path, line));
    }
    return snapshot;
  }

  add(entry: SnapshotEntry): void {
    const state: HostState = { status: entry.status };
    if (entry.error !== undefined) state.error = entry.error;
    if (statusBasis(entry.status) === 'rules') state.body = entry.body ?? '';
    this.hosts.set(entry.host.toLowerCase(), state);
  }

  get size(): number {
    return this.hosts.size;
  }

  /** Status and error recorded for a host key, if present. */
  hostStatus(host: string): { status: number; error?: string } | undefined {
    const state = this.hosts.get(host.toLowerCase());
    return state && (state.error === undefined ? { status: state.status } : { status: state.status, error: state.error });
  }

  /**
   * May every listed agent fetch this URL? `url` must be absolute. The agent list is parsed once
   * and remembered by identity: pass the same (unmodified) array on every call.
   */
  check(url: string | URL, agents: readonly string[] = APERTUS_AGENTS): RobotsCheck {
    const parsed = typeof url === 'string' ? parseUrl(url) : url;
    const view = this.view(agents);
    const hostname = parsed.hostname.toLowerCase();
    const withPort = parsed.port === '' ? undefined : `${hostname}:${parsed.port}`;
    const host = withPort !== undefined && this.hosts.has(withPort) ? withPort : hostname;
    const state = this.hosts.get(host);
    if (!state) return { allowed: true, blockedBy: [], basis: 'absent', host };

    const basis = statusBasis(state.status);
    const status = state.status;
    if (basis === 'unavailable') return { allowed: true, blockedBy: [], basis, host, status };
    if (basis === 'unreachable') {
      const blocked = matchPath(parsed) === '/robots.txt' ? [] : [...view.names];
      return { allowed: blocked.length === 0, blockedBy: blocked, basis, host, status };
    }
    let plan = view.plans.get(host);
    if (!plan) {
      plan = this.robots(state).plan(view.crawlers);
      view.plans.set(host, plan);
    }
    const blocked = plan.ruleSets.length === 0 ? [] : blockedBy(plan, matchPath(parsed));
    return { allowed: blocked.length === 0, blockedBy: blocked, basis, host, status };
  }

  private robots(state: HostState): RobotsTxt {
    if (!state.robots) {
      state.robots = RobotsTxt.parse(state.body ?? '');
      delete state.body;
    }
    return state.robots;
  }

  private view(agents: readonly string[]): AgentView {
    if (agents === this.lastAgents && this.lastView) return this.lastView;
    const key = agents.join('\n');
    let view = this.views.get(key);
    if (!view) {
      view = { names: [...agents], crawlers: parseAgentList(agents), plans: new Map() };
      this.views.set(key, view);
    }
    this.lastAgents = agents;
    this.lastView = view;
    return view;
  }
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new UserError(`not an absolute URL: ${JSON.stringify(url)}`);
  }
}

/** One snapshot line, validated; errors name the file and line. */
export function parseSnapshotLine(text: string, file: string, line: number): SnapshotEntry {
  const bad = (reason: string): BadRecordError =>
    new BadRecordError(file, { line }, `${reason}; each line must be {"host": "...", "status": 200, "body": "..."}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(`invalid JSON (${errorMessage(err)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not a JSON object');
  const record = value as Record<string, unknown>;
  const { host, status, body, error, fetched_at, final_url, truncated } = record;
  if (typeof host !== 'string' || host.trim() === '') throw bad('"host" must be a non-empty string');
  if (host.includes('/')) throw bad(`"host" must be a host name or host:port, not ${JSON.stringify(host)}`);
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 999) {
    throw bad('"status" must be an integer HTTP status (0 when the host was unreachable)');
  }
  for (const [field, v] of Object.entries({ body, error, fetched_at, final_url })) {
    if (v !== undefined && v !== null && typeof v !== 'string') throw bad(`"${field}" must be a string`);
  }
  const entry: SnapshotEntry = { host: host.trim().toLowerCase(), status };
  if (typeof fetched_at === 'string') entry.fetched_at = fetched_at;
  if (typeof body === 'string') entry.body = body;
  if (typeof error === 'string') entry.error = error;
  if (typeof final_url === 'string') entry.final_url = final_url;
  if (truncated === true) entry.truncated = true;
  return entry;
}

const loaded = new Map<string, { version: string; snapshot: Promise<RobotsSnapshot> }>();

/**
 * Load a snapshot once per process (per worker thread): every task of a worker shares it.
 * Keyed by absolute path; a file rewritten since (size or mtime changed) is loaded again.
 */
export async function loadSnapshotCached(path: string): Promise<RobotsSnapshot> {
  const key = resolve(path);
  let version: string;
  try {
    const s = await stat(key);
    version = `${s.size}:${s.mtimeMs}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    throw new UserError(`${path}: robots snapshot not found (${code}): fetch one first, or fix the path`);
  }
  const cached = loaded.get(key);
  if (cached && cached.version === version) return cached.snapshot;
  const snapshot = RobotsSnapshot.load(key);
  loaded.set(key, { version, snapshot });
  // A failed load must not stick: the next call retries (and reports the error again).
  snapshot.catch(() => {
    if (loaded.get(key)?.snapshot === snapshot) loaded.delete(key);
  });
  return snapshot;
}

/** What the CLI prints for one URL. */
export interface UrlCheckResult {
  url: string;
  allowed: boolean;
  blocked_by: string[];
  basis: RobotsBasis;
  status?: number;
}

export async function checkUrl(snapshotPath: string, url: string, agents: readonly string[] = APERTUS_AGENTS): Promise<UrlCheckResult> {
  const snapshot = await loadSnapshotCached(snapshotPath);
  const result = snapshot.check(url, agents);
  const out: UrlCheckResult = { url, allowed: result.allowed, blocked_by: result.blockedBy, basis: result.basis };
  if (result.status !== undefined) out.status = result.status;
  return out;
}
