/**
 * Fetching robots.txt files for a snapshot (RFC 9309 section 2.3): redirects followed by hand so
 * that they can be counted, one timeout per request, at most 500 KiB of body read.
 */
import { errorMessage } from '../../util/errors.js';
import { MAX_ROBOTS_BYTES, wholeLines } from './rules.js';
import type { SnapshotEntry } from './snapshot.js';

export interface FetchProgress {
  /** Hosts finished so far (in completion order, not file order). */
  done: number;
  total: number;
  host: string;
  status: number;
}

export interface FetchOptions {
  /** Requests in flight at once (default 32). */
  concurrency?: number;
  /** Per request, body included (default 10 000 ms). */
  timeoutMs?: number;
  /** RFC 9309 2.3.1.2: follow at least five; more is "unreachable" here (default 5). */
  maxRedirects?: number;
  /** Body bytes kept; the rest is not even read (default 500 KiB, the parse limit). */
  maxBytes?: number;
  /** Scheme of the first request (default https); redirects may change it. */
  scheme?: 'https' | 'http';
  userAgent?: string;
  onProgress?(progress: FetchProgress): void;
}

type Settings = Required<Omit<FetchOptions, 'onProgress'>>;

export const DEFAULT_FETCH_USER_AGENT = 'apertus-ts robots.txt snapshot';

function settings(options: FetchOptions): Settings {
  return {
    concurrency: Math.max(1, options.concurrency ?? 32),
    timeoutMs: options.timeoutMs ?? 10_000,
    maxRedirects: options.maxRedirects ?? 5,
    maxBytes: options.maxBytes ?? MAX_ROBOTS_BYTES,
    scheme: options.scheme ?? 'https',
    userAgent: options.userAgent ?? DEFAULT_FETCH_USER_AGENT,
  };
}

/** ISO 8601 to the second, as in the snapshot format. */
function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * One host's robots.txt. Never throws: a failure is an entry with status 0 and an `error`
 * (which the snapshot reads as "unreachable": everything disallowed).
 */
export async function fetchRobotsTxt(host: string, options: FetchOptions = {}): Promise<SnapshotEntry> {
  const o = settings(options);
  const fetched_at = timestamp();
  const failed = (error: string): SnapshotEntry => ({ host, status: 0, fetched_at, error });
  let url = `${o.scheme}://${host}/robots.txt`;
  try {
    const first = url;
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(url, {
        redirect: 'manual',
        signal: AbortSignal.timeout(o.timeoutMs),
        headers: { 'user-agent': o.userAgent, accept: 'text/plain, */*;q=0.5' },
      });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        if (redirects >= o.maxRedirects) return failed(`more than ${o.maxRedirects} redirects`);
        url = new URL(location, url).href;
        if (!/^https?:/.test(url)) return failed(`redirect to a non-HTTP URL ${url}`);
        continue;
      }
      const entry: SnapshotEntry = { host, status: response.status, fetched_at };
      if (url !== first) entry.final_url = url;
      if (response.status >= 200 && response.status < 300) {
        const body = await readBody(response, o.maxBytes);
        entry.body = body.text;
        if (body.truncated) entry.truncated = true;
      } else {
        await response.body?.cancel();
      }
      return entry;
    }
  } catch (err) {
    return failed(describeError(err, o.timeoutMs));
  }
}

/** At most `maxBytes` of the body; when longer, stop reading and keep only whole lines. */
async function readBody(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return { text: wholeLines(Buffer.concat(chunks), maxBytes).toString('utf8'), truncated: true };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

/** `timeout after 10000 ms`, `ENOTFOUND`, `ECONNREFUSED` ... rather than undici's "fetch failed". */
function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timeout after ${timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause?.code) return cause.code;
  return cause instanceof Error ? cause.message : errorMessage(err);
}

/**
 * Fetch many hosts with `concurrency` requests in flight, yielding entries in the order of
 * `hosts` whatever order they finish in, so the snapshot file is the same for any concurrency.
 * Fetching runs at most a window of hosts ahead of the slowest unfinished one, which bounds the
 * entries held in memory while one slow host is awaited.
 */
export async function* fetchRobots(hosts: readonly string[], options: FetchOptions = {}): AsyncGenerator<SnapshotEntry> {
  const o = settings(options);
  const window = o.concurrency * 16;
  const results = new Map<number, SnapshotEntry>();
  let next = 0; // next host index a worker takes
  let head = 0; // next host index to yield
  let done = 0;
  let stopped = false;
  let failure: unknown; // a throwing onProgress callback, passed on to the consumer
  let resultArrived: (() => void) | undefined;
  let roomWaiters: Array<() => void> = [];

  const worker = async (): Promise<void> => {
    while (!stopped && next < hosts.length) {
      if (next >= head + window) {
        await new Promise<void>((wake) => roomWaiters.push(wake));
        continue;
      }
      const index = next++;
      const host = hosts[index]!;
      const entry = await fetchRobotsTxt(host, o);
      results.set(index, entry);
      done++;
      options.onProgress?.({ done, total: hosts.length, host, status: entry.status });
      resultArrived?.();
    }
  };
  const workers = Array.from({ length: Math.min(o.concurrency, hosts.length) }, () =>
    worker().catch((err: unknown) => {
      failure ??= err;
      stopped = true;
      resultArrived?.();
    }),
  );

  const releaseRoom = (): void => {
    const waiters = roomWaiters;
    roomWaiters = [];
    for (const wake of waiters) wake();
  };
  try {
    while (head < hosts.length) {
      while (!results.has(head)) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((wake) => (resultArrived = wake));
      }
      const entry = results.get(head)!;
      results.delete(head);
      head++;
      releaseRoom();
      yield entry;
    }
    await Promise.all(workers);
  } finally {
    // The consumer may stop early: let idle workers end instead of waiting forever.
    stopped = true;
    releaseRoom();
  }
}
