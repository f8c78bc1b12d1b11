// The Apertus model: config and presets, the transformer, generation, memory estimates.
export { Apertus } from './apertus.js';
export type { ApertusLayer, ForwardOptions, LossOptions, Mlp, ModelOptions, ModelParameter, SelfAttention } from './apertus.js';
export {
  formatIssues, Llama3ScalingSchema, modelConfig, ModelConfigSchema, parameterCount, preset, PRESETS, ropeConfig,
} from './config.js';
export type { ModelConfig, ModelConfigInput, PresetName } from './config.js';
export { argmax, forwardCached, generate, KVCache, sample } from './generate.js';
export type { GenerateOptions } from './generate.js';
export { activationElementsPerToken, activationGradientElementsPerToken, formatBytes, trainingMemory } from './memory.js';
export type { MemoryEstimate, MemoryOptions } from './memory.js';
export { normal, uniform } from './random.js';
