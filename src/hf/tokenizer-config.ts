/**
 * tokenizer_config.json and special_tokens_map.json beside a tokenizer.json, so that
 * `AutoTokenizer.from_pretrained(dir)` loads the tokenizer of an exported model with its BOS,
 * EOS and PAD tokens (transformers reads the special tokens from here, not from tokenizer.json).
 */
import { join } from 'node:path';
import type { ModelConfig } from '../model/index.js';
import { writeFileAtomic } from '../util/fs.js';

/** The special tokens' strings; an id the tokenizer lacks is left out. */
export interface SpecialTokenStrings {
  bos?: string;
  eos?: string;
  pad?: string;
  unk?: string;
}

/** The strings of a model's BOS, EOS and PAD ids in its tokenizer. */
export function specialTokenStrings(config: ModelConfig, tokenizer: { idToToken(id: number): string | undefined }): SpecialTokenStrings {
  return { bos: tokenizer.idToToken(config.bosId), eos: tokenizer.idToToken(config.eosId), pad: tokenizer.idToToken(config.padId) };
}

/** Writes both files into `dir`; returns the path of tokenizer_config.json. */
export async function writeTokenizerConfig(dir: string, config: ModelConfig, tokens: SpecialTokenStrings): Promise<string> {
  const map = Object.fromEntries(Object.entries({
    bos_token: tokens.bos, eos_token: tokens.eos, pad_token: tokens.pad, unk_token: tokens.unk,
  }).filter(([, v]) => v !== undefined));
  const file = join(dir, 'tokenizer_config.json');
  await writeFileAtomic(file, `${JSON.stringify({
    tokenizer_class: 'PreTrainedTokenizerFast',
    ...map,
    add_bos_token: tokens.bos !== undefined,
    add_eos_token: false,
    model_max_length: config.maxPositions,
    clean_up_tokenization_spaces: false,
  }, null, 2)}\n`);
  await writeFileAtomic(join(dir, 'special_tokens_map.json'), `${JSON.stringify(map, null, 2)}\n`);
  return file;
}
