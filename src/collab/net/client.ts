/**
 * A client in its own process (`apertus collab join`): joins the coordinator with its own token,
 * long-polls for work, computes it on its private data with the same `runWork` as the
 * simulation, and posts the results. Network errors are retried with backoff; when the
 * coordinator forgets the session (it timed the client out) the client joins again.
 */
import { UserError } from '../../util/errors.js';
import { createTemplate, type ClientData, type ModelSpec } from '../tasks/index.js';
import { runWork, type WorkRequest } from '../work.js';
import { CoordinatorHttp } from './http.js';
import { decodeWork, encodeResults, type WireDType } from './wire.js';

export interface JoinOptions {
  /** http://host:port or https://host:port */
  server: string;
  /** this client's token (the coordinator knows which client slot it belongs to) */
  token: string;
  data: ClientData;
  /** the slot name, checked against the token's slot when given */
  name?: string;
  encoding?: WireDType;
  /** PEM certificate(s) to trust for an https coordinator (a self-signed or private CA) */
  ca?: string | Buffer;
  log?: (line: string) => void;
  /** called with each batch of work before it is computed */
  onWork?: (work: { job: number; round: number; requests: WorkRequest[] }) => void | Promise<void>;
  /** give up after this many consecutive failed connection attempts */
  maxRetries?: number;
}

export async function joinCoordinator(o: JoinOptions): Promise<{ jobs: number }> {
  const http = new CoordinatorHttp(o.server, o.token, o.ca);
  try {
    return await serveWork(http, o);
  } finally {
    http.close();
  }
}

async function serveWork(http: CoordinatorHttp, o: JoinOptions): Promise<{ jobs: number }> {
  let jobs = 0, failures = 0;
  let template: ReturnType<typeof createTemplate> | null = null;
  const retry = async (err: unknown): Promise<void> => {
    if (++failures > (o.maxRetries ?? 30)) throw new UserError(`cannot reach the coordinator at ${o.server}: ${(err as Error).message}`);
    await sleep(Math.min(5000, 200 * 2 ** failures));
  };
  for (;;) {
    let joined: { session: string; client: number; name: string; model: ModelSpec };
    try {
      const res = await http.request('POST', '/v1/join', JSON.stringify(o.name === undefined ? {} : { name: o.name }));
      if (res.status === 401 || res.status === 409) throw new UserError(`the coordinator refused to let this client join: ${res.body.toString('utf8')}`);
      if (res.status === 410) return { jobs };
      if (res.status !== 200) throw new Error(`join: HTTP ${res.status}`);
      joined = JSON.parse(res.body.toString('utf8')) as typeof joined;
    } catch (err) {
      if (err instanceof UserError) throw err;
      if (isCertificateError(err)) {
        throw new UserError(`${o.server}: the coordinator's certificate is not trusted (${(err as Error).message}); pass its certificate or issuer with --ca FILE`);
      }
      await retry(err);
      continue;
    }
    failures = 0;
    o.log?.(`joined as client ${joined.name} (slot ${joined.client})`);
    template ??= createTemplate(joined.model);
    const session = encodeURIComponent(joined.session);
    for (;;) {
      let res;
      try {
        res = await http.request('GET', `/v1/work?session=${session}`);
      } catch (err) {
        // The coordinator went away: either it finished or it restarts; try to join again.
        if (failures + 1 > (o.maxRetries ?? 30)) return { jobs };
        await retry(err);
        break;
      }
      if (res.status === 204) continue;
      if (res.status === 410) {
        if (res.body.toString('utf8') === 'done') return { jobs };
        break; // dropped or unknown: join again
      }
      if (res.status !== 200) throw new Error(`work: HTTP ${res.status}: ${res.body.toString('utf8')}`);
      const work = decodeWork(res.body, template.dim);
      await o.onWork?.(work);
      const results = work.requests.map((r) => runWork(template!, o.data, r));
      jobs++;
      const posted = await http.request('POST', `/v1/result?session=${session}`, encodeResults(work.job, results, o.encoding ?? 'f32'));
      if (posted.status === 400 || posted.status === 413) o.log?.(`the coordinator rejected results of job ${work.job}: ${posted.body.toString('utf8')}`);
    }
  }
}

function isCertificateError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
