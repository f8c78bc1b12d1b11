/**
 * The coordinator (`apertus collab serve`): an HTTP or HTTPS server that runs the same loop as
 * the simulation with a pool of remote clients. Each client slot has its own bearer token (unknown
 * tokens are refused, and a session answers only to its client's token); a client joins, long-polls
 * for work and posts results. Every message is checked before it counts (size limit, wire format,
 * one result per request of the job, vector lengths, finite values): a bad one is answered 400 or
 * 413 and logged, and the round goes on (the client may send again until the round times out). A
 * client that does not answer within the round timeout counts as dropped for that round (its
 * result is null, the strategies skip it) and may join again later, finding its model where it
 * left it.
 *
 *   POST /v1/join    {"name"?: "c0-1"}           -> {"session", "client", "name", "model": ModelSpec}
 *   GET  /v1/work    ?session=S   (long poll)    -> 200 work batch (wire.ts) | 204 none yet | 410 done/unknown
 *   POST /v1/result  ?session=S   body: results  -> 204 | 400 invalid | 409 no such job | 413 too large
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Assignment } from '../strategies/index.js';
import type { ClientPool } from '../simulate.js';
import type { ModelSpec } from '../tasks/index.js';
import type { WorkRequest, WorkResult } from '../work.js';
import { decodeResults, encodeWork, resultsJob, WireError, type WireDType } from './wire.js';

/** A join request's body: a small JSON object. */
const MAX_JOIN_BYTES = 4096;
/** Room for a results header (loss, counts ... per result). */
const HEADER_BYTES = 64 * 1024;

export interface CoordinatorOptions {
  host: string;
  port: number;
  /** each client slot's token, by slot name: every slot must have one, all different */
  tokens: Record<string, string>;
  /** client slot names (index = slot) */
  names: string[];
  model: ModelSpec;
  /** parameters of the model (the length every vector on the wire must have) */
  dim: number;
  /** PEM certificate chain and private key: serve HTTPS */
  tls?: { cert: string | Buffer; key: string | Buffer };
  roundTimeoutS: number;
  encoding: WireDType;
  log?: (line: string) => void;
}

interface Session {
  id: string;
  client: number;
  /** work waiting to be fetched */
  queue: { job: number; body: Buffer }[];
  /** a parked long-poll */
  waiting: ServerResponse | null;
  pending: Map<number, { requests: WorkRequest[]; resolve: (results: WorkResult[] | null) => void }>;
  /** has been answered "done" */
  told?: boolean;
}

export class Coordinator implements ClientPool {
  private server: Server | null = null;
  private readonly sessions = new Map<string, Session>();
  private readonly bySlot = new Map<number, Session>();
  private nextJob = 1;
  private finished = false;
  private joinWaiters: (() => void)[] = [];
  /** sha-256 of each token -> slot (compared in constant time) */
  private readonly tokenSlots: { digest: Buffer; slot: number }[];

  constructor(private readonly o: CoordinatorOptions) {
    const missing = o.names.filter((n) => !o.tokens[n]);
    if (missing.length) throw new Error(`no token for client${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' ...' : ''}`);
    const unknown = Object.keys(o.tokens).filter((n) => !o.names.includes(n));
    if (unknown.length) throw new Error(`tokens for unknown client${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).join(', ')} (clients: ${o.names.slice(0, 5).join(', ')} ...)`);
    if (new Set(Object.values(o.tokens)).size !== o.names.length) throw new Error('two clients have the same token: every client needs its own');
    this.tokenSlots = o.names.map((n, slot) => ({ digest: sha256(o.tokens[n]!), slot }));
  }

  get size(): number {
    return this.o.names.length;
  }

  /** Clients currently connected. */
  connected(): number[] {
    return [...this.bySlot.keys()].sort((a, b) => a - b);
  }

  async listen(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err) => {
        if (err instanceof RequestError) return this.reply(res, err.status, err.message);
        this.o.log?.(`internal error: ${err instanceof Error ? err.message : String(err)}`);
        this.reply(res, 500, 'internal error');
      });
    };
    this.server = this.o.tls ? createTlsServer({ cert: this.o.tls.cert, key: this.o.tls.key }, handler) : createServer(handler);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, resolve);
    });
    const { port } = this.server.address() as AddressInfo;
    return `${this.o.tls ? 'https' : 'http'}://${this.o.host}:${port}`;
  }

  /** Resolves once `count` clients are connected (or rejects after timeoutS). */
  async waitForClients(count: number, timeoutS: number): Promise<void> {
    const deadline = Date.now() + timeoutS * 1000;
    while (this.bySlot.size < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.bySlot.size} of ${count} clients joined within ${timeoutS} s`);
      await new Promise<void>((resolve) => {
        this.joinWaiters.push(resolve);
        setTimeout(resolve, 1000);
      });
    }
  }

  /** Only connected clients take part in a round. */
  available(planned: readonly number[]): number[] {
    return planned.filter((i) => this.bySlot.has(i));
  }

  async run(round: number, assignments: readonly Assignment[]): Promise<(WorkResult | null)[]> {
    const byClient = new Map<number, number[]>();
    assignments.forEach((a, k) => byClient.set(a.client, [...(byClient.get(a.client) ?? []), k]));
    const out: (WorkResult | null)[] = assignments.map(() => null);
    await Promise.all([...byClient].map(async ([client, indices]) => {
      const session = this.bySlot.get(client);
      if (!session) return;
      const results = await this.dispatch(session, round, indices.map((k) => assignments[k].request));
      if (results) indices.forEach((k, m) => (out[k] = results[m] ?? null));
    }));
    return out;
  }

  /** Tells every client the run is done (their next poll gets 410 "done"), then stops. */
  async close(graceMs = 3000): Promise<void> {
    this.finished = true;
    for (const s of this.sessions.values()) {
      if (s.waiting) {
        this.reply(s.waiting, 410, 'done');
        s.told = true;
      }
    }
    // Clients between two polls learn it on their next one: keep answering for a moment.
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && [...this.sessions.values()].some((s) => !s.told)) await new Promise((r) => setTimeout(r, 20));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections?.();
  }

  private dispatch(session: Session, round: number, requests: WorkRequest[]): Promise<WorkResult[] | null> {
    const job = this.nextJob++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        session.pending.delete(job);
        this.o.log?.(`client ${this.o.names[session.client]} did not answer within ${this.o.roundTimeoutS} s: dropped`);
        this.drop(session);
        resolve(null);
      }, this.o.roundTimeoutS * 1000);
      session.pending.set(job, {
        requests,
        resolve: (results) => {
          clearTimeout(timer);
          resolve(results);
        },
      });
      session.queue.push({ job, body: encodeWork(job, round, requests, this.o.encoding) });
      this.flush(session);
    });
  }

  private drop(session: Session): void {
    this.sessions.delete(session.id);
    if (this.bySlot.get(session.client) === session) this.bySlot.delete(session.client);
    for (const { resolve } of session.pending.values()) resolve(null);
    if (session.waiting) this.reply(session.waiting, 410, 'dropped');
  }

  private flush(session: Session): void {
    if (!session.waiting || session.queue.length === 0) return;
    const { body } = session.queue.shift()!;
    const res = session.waiting;
    session.waiting = null;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const slot = this.slotOf(req);
    if (slot === undefined) return this.reply(res, 401, 'unknown or missing token');
    const url = new URL(req.url ?? '/', 'http://x');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'POST /v1/join') return this.join(res, slot, await readBody(req, MAX_JOIN_BYTES));
    if (route !== 'GET /v1/work' && route !== 'POST /v1/result') return this.reply(res, 404, `no route ${route}`);
    const session = this.sessions.get(url.searchParams.get('session') ?? '');
    if (session && session.client !== slot) return this.reply(res, 403, 'this session belongs to another client');
    if (session && this.finished) session.told = true;
    if (!session || this.finished) return this.reply(res, 410, this.finished ? 'done' : 'unknown session: join again');
    if (route === 'GET /v1/work') {
      if (session.waiting) this.reply(session.waiting, 204, '');
      session.waiting = res;
      const timer = setTimeout(() => {
        if (session.waiting === res) {
          session.waiting = null;
          this.reply(res, 204, '');
        }
      }, 20_000);
      res.on('close', () => {
        clearTimeout(timer);
        if (session.waiting === res) session.waiting = null;
      });
      return this.flush(session);
    }
    // results: at most what the client's pending jobs can answer (one vector per request)
    let limit = 0;
    for (const p of session.pending.values()) limit += HEADER_BYTES + p.requests.length * (4 * this.o.dim + 8);
    const body = await readBody(req, Math.max(limit, HEADER_BYTES));
    const name = this.o.names[session.client];
    try {
      const job = resultsJob(body);
      const pending = session.pending.get(job);
      if (!pending) return this.reply(res, 409, `job ${job} is not waiting for results from ${name} (answered, timed out, or never sent)`);
      const { results } = decodeResults(body, pending.requests, this.o.dim);
      session.pending.delete(job);
      pending.resolve(results);
      return this.reply(res, 204, '');
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.o.log?.(`client ${name}: rejected results: ${err.message}`);
      return this.reply(res, 400, err.message);
    }
  }

  private join(res: ServerResponse, client: number, body: Buffer): void {
    if (this.finished) return this.reply(res, 410, 'done');
    let name: unknown;
    try {
      name = body.length ? (JSON.parse(body.toString('utf8')) as { name?: unknown })?.name : undefined;
    } catch {
      return this.reply(res, 400, 'the join request is not JSON');
    }
    if (name !== undefined && name !== this.o.names[client]) {
      return this.reply(res, 409, `this token belongs to client ${this.o.names[client]}, not ${JSON.stringify(name)}`);
    }
    const old = this.bySlot.get(client);
    if (old) this.drop(old); // a rejoin replaces the old session
    const session: Session = { id: randomUUID(), client, queue: [], waiting: null, pending: new Map() };
    this.sessions.set(session.id, session);
    this.bySlot.set(client, session);
    this.o.log?.(`client ${this.o.names[client]} joined`);
    for (const w of this.joinWaiters.splice(0)) w();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ session: session.id, client, name: this.o.names[client], model: this.o.model }));
  }

  /** The slot whose token the request presents, if any. */
  private slotOf(req: IncomingMessage): number | undefined {
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (given === undefined) return undefined;
    const digest = sha256(given);
    let slot: number | undefined;
    for (const t of this.tokenSlots) if (timingSafeEqual(t.digest, digest)) slot = t.slot;
    return slot;
  }

  /** Answers a request; a body nobody read is drained, so the connection stays usable. */
  private reply(res: ServerResponse, status: number, message: string): void {
    if (res.headersSent) return;
    if (!res.req.readableEnded) res.req.resume();
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(message);
  }
}

class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The request body, or a 413 RequestError as soon as it passes `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      return reject(new RequestError(413, `message of ${declared} bytes, the limit here is ${limit}`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new RequestError(413, `message over ${limit} bytes`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
