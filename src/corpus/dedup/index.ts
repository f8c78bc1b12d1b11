export { createExactDedupStep, exactDedupOptions, EXACT_COUNT_FIELD, EXACT_REASON, type ExactDedupOptions } from './exact-step.js';
export { createMinhashStep, minhashOptions, MINHASH_CLUSTER_FIELD, MINHASH_REASON, type MinhashOptions } from './minhash-step.js';
export { MINHASH_DEFAULTS, MinhashSigner, minhashParameters, type MinhashConfig } from './minhash.js';
export { normaliseText, normaliseWhitespace } from './normalise.js';
