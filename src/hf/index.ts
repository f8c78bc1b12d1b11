// Hugging Face formats: safetensors (sharded or not), config.json, model folders.
export { Checkpoint, INDEX_FILE, WEIGHTS_FILE, writeCheckpoint } from './checkpoint.js';
export type { WriteCheckpointOptions } from './checkpoint.js';
export {
  APERTUS_DEFAULT_ROPE, fromHfConfig, HfConfigSchema, readHfConfig, toGenerationConfig, toHfConfig,
  writeGenerationConfig, writeHfConfig,
} from './config.js';
export type { GenerationDefaults, HfConfig, ReadConfig } from './config.js';
export { bf16FromF32Bits, DTYPE_SIZES, f16ToNumber, narrowToBf16, widenBf16, widenF16 } from './dtypes.js';
export type { SafetensorsDtype } from './dtypes.js';
export {
  checkpointEntries, CONFIG_METADATA_KEY, loadHf, loadModel, loadWeights, saveHf, saveModel,
} from './model-io.js';
export type { LoadOptions, SaveHfOptions } from './model-io.js';
export { entryBytes, SafetensorsReader, writeSafetensors } from './safetensors.js';
export type { TensorEntry, TensorInfo } from './safetensors.js';
export { specialTokenStrings, writeTokenizerConfig } from './tokenizer-config.js';
export type { SpecialTokenStrings } from './tokenizer-config.js';
