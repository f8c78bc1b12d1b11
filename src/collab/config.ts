/**
 * `apertus collab simulate|serve config.yaml`: one zod schema is the single source of truth of a
 * collaborative run (data setting, strategies and their hyperparameters, rounds, membership
 * changes, and the coordinator's network settings).
 */
import { z } from 'zod';
import { loadConfig, parseConfig } from '../util/config.js';
import type { ClassificationOptions, LanguageOptions } from './data/settings.js';
import { STRATEGY_NAMES, type StrategyName, type StrategyOptions } from './strategies/index.js';
import type { MembershipEvent } from './simulate.js';

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

const ClassificationSchema = z.strictObject({
  kind: z.enum(['cross_silo', 'cross_device']),
  clients: positiveInt,
  clusters: positiveInt,
  classes: positiveInt.default(100),
  features: positiveInt.default(256),
  train_fraction: z.number().positive().max(1).default(0.06),
  cluster_sizes: z.array(positiveInt).optional(),
  /** characters per text segment (one example) */
  segment_chars: positiveInt.default(80),
  /** standardize every feature with the training pool's mean and standard deviation */
  standardize: z.boolean().default(false),
  hidden: positiveInt.default(64),
  batch: positiveInt.default(32),
  /** evaluate on the test set, or on a validation set held out of the training pool (to choose hyperparameters) */
  evaluate_on: z.enum(['test', 'validation']).default('test'),
});

const LanguagesSchema = z.strictObject({
  kind: z.literal('languages'),
  families: z.array(z.enum(['romance', 'germanic', 'slavic'])).min(1).default(['romance', 'germanic', 'slavic']),
  per_family: positiveInt.max(6).default(3),
  train_bytes: positiveInt.default(3000),
  test_bytes: positiveInt.default(2000),
  seq_len: positiveInt.default(64),
  batch: positiveInt.default(8),
  hidden: positiveInt.optional(),
  layers: positiveInt.optional(),
  /** evaluate on the test text, or on a validation text right after the training text (to choose hyperparameters) */
  evaluate_on: z.enum(['test', 'validation']).default('test'),
});

export const CollabConfigSchema = z.strictObject({
  setting: z.discriminatedUnion('kind', [ClassificationSchema, LanguagesSchema]),
  seed: z.number().int().nonnegative().default(0),
  rounds: positiveInt,
  eval_every: positiveInt.default(50),
  w_every: positiveInt.default(10),
  /** compute threads of the native kernels (1 is fastest for the MLP) */
  threads: positiveInt.optional(),
  strategies: z.array(z.enum(STRATEGY_NAMES)).min(1).default(['local', 'fedavg', 'cobo']),
  training: z.strictObject({
    lr: z.number().positive(),
    /** a learning rate per strategy, where it differs from lr (e.g. each one's best on a validation split) */
    lr_by_strategy: z.partialRecord(z.enum(STRATEGY_NAMES), z.number().positive()).default({}),
    local_steps: positiveInt.default(1),
  }),
  ditto: z.strictObject({ lambda: nonNegative.default(0.1) }).default({ lambda: 0.1 }),
  fedavg_ft: z.strictObject({ finetune_fraction: z.number().min(0).max(1).default(0.2) }).default({ finetune_fraction: 0.2 }),
  ifca: z.strictObject({ k: positiveInt.optional() }).default({}),
  fc: z.strictObject({ momentum: z.number().min(0).max(1).default(0), threshold_steps: positiveInt.default(3), k: positiveInt.optional() })
    .default({ momentum: 0, threshold_steps: 3 }),
  /** defaults: the authors' vision code (github.com/epfml/CoBo, README and grouping.py), see strategies/cobo.ts */
  cobo: z.strictObject({
    rho: nonNegative.default(0.05),
    gamma: nonNegative.default(0.01),
    domain: z.enum(['box', 'simplex']).default('box'),
    /** beta of the exponential gradient average (the authors: 0.9, for Local too) */
    momentum: z.number().min(0).max(1).default(0),
    sampling: z.strictObject({
      schedule: z.enum(['constant', 'decaying', 'mixed', 'sqrt']).default('sqrt'),
      p: z.number().positive().max(1).optional(),
      switch_round: z.number().int().nonnegative().default(800),
      decay_rounds: positiveInt.default(50),
    }).default({ schedule: 'sqrt', switch_round: 800, decay_rounds: 50 }),
  }).default({ rho: 0.05, gamma: 0.01, domain: 'box', momentum: 0, sampling: { schedule: 'sqrt', switch_round: 800, decay_rounds: 50 } }),
  membership: z.array(z.strictObject({
    round: z.number().int().nonnegative(),
    join: z.array(z.number().int().nonnegative()).optional(),
    leave: z.array(z.number().int().nonnegative()).optional(),
    /** given this round's work, results lost (a crash mid-round); away until a later join */
    fail: z.array(z.number().int().nonnegative()).optional(),
  })).default([]),
  /** clients active from round 0 (default all) */
  initially_active: z.array(z.number().int().nonnegative()).optional(),
  server: z.strictObject({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8765),
    /** each client's own token, by client name (Authorization: Bearer TOKEN); or tokens_file */
    tokens: z.record(z.string(), z.string().min(16, 'a token needs at least 16 characters')).optional(),
    /** a YAML file of `client-name: token` lines (written by `apertus collab tokens`), relative to the working directory */
    tokens_file: z.string().optional(),
    /** serve HTTPS with this PEM certificate chain and private key */
    tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
    /** seconds a client has to answer a round's work before it counts as dropped */
    round_timeout_s: z.number().positive().default(120),
    /** wait for this many clients before round 0 (default: all) */
    min_clients: positiveInt.optional(),
    /** seconds to wait for min_clients */
    join_timeout_s: z.number().positive().default(600),
    /** 'f32' (exact) or 'f16' / 'bf16' (half the bytes, lossy) for models on the wire */
    encoding: z.enum(['f32', 'f16', 'bf16']).default('f32'),
  }).refine((s) => (s.tokens === undefined) !== (s.tokens_file === undefined), {
    message: 'give the clients\' tokens either inline (tokens) or in a file (tokens_file), one of the two',
  }).optional(),
});

export type CollabConfig = z.output<typeof CollabConfigSchema>;

/** A tokens file: `client-name: token` per line (YAML). */
export const TokensSchema = z.record(z.string(), z.string().min(16, 'a token needs at least 16 characters'));

export async function loadCollabConfig(file: string): Promise<CollabConfig> {
  return loadConfig(file, CollabConfigSchema);
}

export function parseCollabConfig(text: string, file = 'config'): CollabConfig {
  return parseConfig(text, file, CollabConfigSchema);
}

export function settingOptions(c: CollabConfig): ClassificationOptions | LanguageOptions {
  const s = c.setting;
  if (s.kind === 'languages') {
    return { kind: 'languages', families: s.families, perFamily: s.per_family, trainBytes: s.train_bytes, testBytes: s.test_bytes,
      seqLen: s.seq_len, batch: s.batch, hidden: s.hidden, layers: s.layers, seed: c.seed, evaluateOn: s.evaluate_on };
  }
  return { kind: s.kind, clients: s.clients, clusters: s.clusters, classes: s.classes, features: s.features,
    trainFraction: s.train_fraction, clusterSizes: s.cluster_sizes, segmentChars: s.segment_chars, standardize: s.standardize, hidden: s.hidden, batch: s.batch, seed: c.seed,
    evaluateOn: s.evaluate_on };
}

/** The options of one strategy (its own learning rate where the config gives one). */
export function strategyOptions(c: CollabConfig, name?: StrategyName): StrategyOptions {
  return {
    training: { lr: (name && c.training.lr_by_strategy[name]) ?? c.training.lr, localSteps: c.training.local_steps },
    ditto: { lambda: c.ditto.lambda },
    fedavgFt: { fineTuneFraction: c.fedavg_ft.finetune_fraction },
    ifca: { k: c.ifca.k },
    fc: { momentum: c.fc.momentum, thresholdSteps: c.fc.threshold_steps, k: c.fc.k },
    cobo: {
      rho: c.cobo.rho, gamma: c.cobo.gamma, domain: c.cobo.domain, momentum: c.cobo.momentum,
      sampling: { schedule: c.cobo.sampling.schedule, p: c.cobo.sampling.p, switchRound: c.cobo.sampling.switch_round, decayRounds: c.cobo.sampling.decay_rounds },
    },
  };
}

export function membershipOf(c: CollabConfig): MembershipEvent[] {
  return c.membership;
}
