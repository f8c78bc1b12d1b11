/**
 * The coordinator (`apertus collab serve`): an HTTP server that runs the same loop as the
 * simulation with a pool of remote clients. Clients authenticate with a bearer token, join (a
 * client slot by name or the next free one), long-poll for work, and post results; a client that
 * does not answer within the round timeout counts as dropped for that round (its result is null,
 * the strategies skip it) and may join again later, finding its model where it left it.
 *
 *   POST /v1/join    {"name": "c0-1"}            -> {"session", "client", "name", "model": ModelSpec}
 *   GET  /v1/work    ?session=S   (long poll)    -> 200 work batch (wire.ts) | 204 none yet | 410 done/unknown
 *   POST /v1/result  ?session=S   body: results  -> 204
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Assignment } from '../strategies/index.js';
import type { ClientPool } from '../simulate.js';
import type { ModelSpec } from '../tasks/index.js';
import type { WorkResult } from '../work.js';
import { decodeResults, encodeWork, type WireDType } from './wire.js';

export interface CoordinatorOptions {
  host: string;
  port: number;
  token: string;
  /** client slot names (index = slot) */
  names: string[];
  model: ModelSpec;
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
  pending: Map<number, (results: WorkResult[] | null) => void>;
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

  constructor(private readonly o: CoordinatorOptions) {}

  get size(): number {
    return this.o.names.length;
  }

  /** Clients currently connected. */
  connected(): number[] {
    return [...this.bySlot.keys()].sort((a, b) => a - b);
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err instanceof Error ? err.message : err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.o.port, this.o.host, resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.o.host}:${port}`;
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

  async run(_round: number, assignments: readonly Assignment[]): Promise<(WorkResult | null)[]> {
    const byClient = new Map<number, number[]>();
    assignments.forEach((a, k) => byClient.set(a.client, [...(byClient.get(a.client) ?? []), k]));
    const out: (WorkResult | null)[] = assignments.map(() => null);
    await Promise.all([...byClient].map(async ([client, indices]) => {
      const session = this.bySlot.get(client);
      if (!session) return;
      const results = await this.dispatch(session, indices.map((k) => assignments[k].request));
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

  private dispatch(session: Session, requests: Assignment['request'][]): Promise<WorkResult[] | null> {
    const job = this.nextJob++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        session.pending.delete(job);
        this.o.log?.(`client ${this.o.names[session.client]} did not answer within ${this.o.roundTimeoutS} s: dropped`);
        this.drop(session);
        resolve(null);
      }, this.o.roundTimeoutS * 1000);
      session.pending.set(job, (results) => {
        clearTimeout(timer);
        resolve(results);
      });
      session.queue.push({ job, body: encodeWork(job, requests, this.o.encoding) });
      this.flush(session);
    });
  }

  private drop(session: Session): void {
    this.sessions.delete(session.id);
    if (this.bySlot.get(session.client) === session) this.bySlot.delete(session.client);
    for (const resolve of session.pending.values()) resolve(null);
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
    if (!this.authorised(req)) return this.reply(res, 401, 'bad or missing token');
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/v1/join') return this.join(res, body);
    const session = this.sessions.get(url.searchParams.get('session') ?? '');
    if (session && this.finished) session.told = true;
    if (!session || this.finished) return this.reply(res, 410, this.finished ? 'done' : 'unknown session: join again');
    if (req.method === 'GET' && url.pathname === '/v1/work') {
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
    if (req.method === 'POST' && url.pathname === '/v1/result') {
      const { job, results } = decodeResults(body);
      session.pending.get(job)?.(results);
      session.pending.delete(job);
      return this.reply(res, 204, '');
    }
    this.reply(res, 404, 'not found');
  }

  private join(res: ServerResponse, body: Buffer): void {
    if (this.finished) return this.reply(res, 410, 'done');
    const { name } = JSON.parse(body.length ? body.toString('utf8') : '{}') as { name?: string };
    const client = name === undefined ? this.o.names.findIndex((_, i) => !this.bySlot.has(i)) : this.o.names.indexOf(name);
    if (client < 0) return this.reply(res, 409, name === undefined ? 'no free client slot' : `no client slot named "${name}"; known: ${this.o.names.join(', ')}`);
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

  private authorised(req: IncomingMessage): boolean {
    const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    const expected = Buffer.from(this.o.token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private reply(res: ServerResponse, status: number, message: string): void {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(message);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
