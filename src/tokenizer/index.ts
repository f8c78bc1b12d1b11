/** The tokenizer library: byte-level BPE encoding and decoding, Hugging Face tokenizer.json. */
export { APERTUS_SPECIAL_TOKENS, DEFAULT_PATTERN, type BpeModel, type SpecialToken, type TextTokenizer } from './types.js';
export { BYTE_TO_CHAR, byteLevelToBytes, bytesToByteLevel } from './bytes.js';
export { compilePattern, GPT2_PATTERN, translatePattern } from './pattern.js';
export { PreTokenizer } from './pretokenize.js';
export { Tokenizer, type EncodeOptions, type TokenizerOptions, type UnicodeForm } from './tokenizer.js';
export { loadTokenizer, parseTokenizerJson, readTokenizerJson, type TokenizerFile } from './tokenizer-json.js';
export { tokenizerJsonText, toTokenizerJson, writeTokenizerJson } from './tokenizer-json-write.js';
