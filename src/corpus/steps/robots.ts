import type { Document } from '../document.js';
import { APERTUS_AGENTS } from '../robots/agents.js';
import { loadSnapshotCached, type RobotsSnapshot } from '../robots/snapshot.js';
import { KEEP, remove, type ExtraCounters, type Step, type Verdict } from '../step.js';

export interface RobotsStepOptions {
  name?: string;
  /** Snapshot file (JSONL, .jsonl.gz or .jsonl.zst), one line per host. */
  snapshot: string;
  /** Crawlers whose opt-out is honoured; a URL any of them may not fetch is removed. */
  agents?: string[];
}

/**
 * Retroactive robots.txt opt-out (Apertus): a document is removed when its URL is disallowed,
 * by its host's robots.txt as of the snapshot, for any listed agent.
 *
 * Removal reasons:
 *   robots_disallowed   the rules disallow the URL; detail names the agents
 *   robots_unavailable  the host's robots.txt answered 5xx / 429 or not at all: RFC 9309 says
 *                       assume everything disallowed; kept apart so the audit shows how much
 *                       was removed for want of an answer rather than by the site's choice
 * Extra counters:
 *   robots_no_url       documents without a usable URL (kept: nothing to check)
 *   robots_host_absent  documents whose host is not in the snapshot (kept): the snapshot's
 *                       coverage of the corpus
 */
export function createRobotsStep(options: RobotsStepOptions): Step {
  const agents = [...(options.agents ?? APERTUS_AGENTS)];
  let snapshot: RobotsSnapshot | undefined;

  return {
    kind: 'robots',
    name: options.name ?? 'robots',
    async open(): Promise<void> {
      snapshot = await loadSnapshotCached(options.snapshot);
    },
    apply(doc: Document, extra: ExtraCounters): Verdict {
      if (!snapshot) throw new Error('robots step used before open()');
      const url = parseUrl(doc.url);
      if (!url) return count(extra, 'robots_no_url');
      const result = snapshot.check(url, agents);
      if (result.allowed) return result.basis === 'absent' ? count(extra, 'robots_host_absent') : KEEP;
      if (result.basis === 'unreachable') {
        return remove('robots_unavailable', `robots.txt of ${result.host} unreachable (${describeStatus(snapshot, result.host)})`);
      }
      return remove('robots_disallowed', `blocked for ${result.blockedBy.join(', ')}`);
    },
  };
}

function parseUrl(url: string | undefined): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function count(extra: ExtraCounters, key: string): Verdict {
  extra[key] = (extra[key] ?? 0) + 1;
  return KEEP;
}

function describeStatus(snapshot: RobotsSnapshot, host: string): string {
  const state = snapshot.hostStatus(host);
  if (!state) return 'no status';
  return state.error ? `status ${state.status}: ${state.error}` : `status ${state.status}`;
}
