export { DTYPES, HEADER_BYTES, INDEX_MAGIC, decodeIndex, dtypeForVocab, encodeIndex, shardPaths } from './megatron.js';
export type { MegatronIndex, TokenArray, TokenDtype } from './megatron.js';
export { IndexedDataset } from './reader.js';
export { ShardWriter, type ShardSummary } from './writer.js';
export { mergeShards } from './merge.js';
