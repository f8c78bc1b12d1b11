/** The robots.txt opt-out: RFC 9309 rules, snapshots of them, and fetching a snapshot. */
export { APERTUS_AGENTS, parseAgentName, type AgentName } from './agents.js';
export { MAX_ROBOTS_BYTES, RobotsTxt, RuleSet, blockedBy, matchPath, parseGroups, type HostPlan, type RobotsGroup } from './rules.js';
export {
  RobotsSnapshot,
  checkUrl,
  loadSnapshotCached,
  parseSnapshotLine,
  statusBasis,
  type RobotsBasis,
  type RobotsCheck,
  type SnapshotEntry,
  type UrlCheckResult,
} from './snapshot.js';
export { DEFAULT_FETCH_USER_AGENT, fetchRobots, fetchRobotsTxt, type FetchOptions, type FetchProgress } from './fetch.js';
export { partialPath, readHostsFile, writeSnapshot, type WriteSnapshotOptions, type WriteSnapshotResult } from './snapshot-file.js';
