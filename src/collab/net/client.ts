/**
 * A client in its own process (`apertus collab join`): joins the coordinator with the token,
 * long-polls for work, computes it on its private data with the same `runWork` as the
 * simulation, and posts the results. Network errors are retried with backoff; when the
 * coordinator forgets the session (it timed the client out) the client joins again.
 */
import { createTemplate, type ClientData, type ModelSpec } from '../tasks/index.js';
import { runWork } from '../work.js';
import { decodeWork, encodeResults, type WireDType } from './wire.js';

export interface JoinOptions {
  server: string;
  token: string;
  data: ClientData;
  name?: string;
  encoding?: WireDType;
  log?: (line: string) => void;
  /** give up after this many consecutive failed connection attempts */
  maxRetries?: number;
}

export async function joinCoordinator(o: JoinOptions): Promise<{ jobs: number }> {
  const headers = { authorization: `Bearer ${o.token}` };
  let jobs = 0, failures = 0;
  let template: ReturnType<typeof createTemplate> | null = null;
  for (;;) {
    let joined: { session: string; client: number; name: string; model: ModelSpec };
    try {
      const res = await fetch(`${o.server}/v1/join`, { method: 'POST', headers, body: JSON.stringify(o.name === undefined ? {} : { name: o.name }) });
      if (res.status === 401 || res.status === 409) throw new FatalError(`the coordinator refused to let this client join: ${await res.text()}`);
      if (res.status === 410) return { jobs };
      if (!res.ok) throw new Error(`join: HTTP ${res.status}`);
      joined = await res.json() as typeof joined;
    } catch (err) {
      if (err instanceof FatalError) throw err;
      if (++failures > (o.maxRetries ?? 30)) throw new Error(`cannot reach the coordinator at ${o.server}: ${(err as Error).message}`);
      await sleep(Math.min(5000, 200 * 2 ** failures));
      continue;
    }
    failures = 0;
    o.log?.(`joined as client ${joined.name} (slot ${joined.client})`);
    template ??= createTemplate(joined.model);
    const session = encodeURIComponent(joined.session);
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`${o.server}/v1/work?session=${session}`, { headers });
      } catch {
        // The coordinator went away: either it finished or it restarts; try to join again.
        if (++failures > (o.maxRetries ?? 30)) return { jobs };
        await sleep(Math.min(5000, 200 * 2 ** failures));
        break;
      }
      if (res.status === 204) continue;
      if (res.status === 410) {
        const why = await res.text();
        if (why === 'done') return { jobs };
        break; // dropped or unknown: join again
      }
      if (!res.ok) throw new Error(`work: HTTP ${res.status}: ${await res.text()}`);
      const { job, requests } = decodeWork(Buffer.from(await res.arrayBuffer()));
      const results = requests.map((r) => runWork(template!, o.data, r));
      jobs++;
      await fetch(`${o.server}/v1/result?session=${session}`, { method: 'POST', headers, body: encodeResults(job, results, o.encoding ?? 'f32') });
    }
  }
}

class FatalError extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
