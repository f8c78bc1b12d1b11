/**
 * The language label of every document of a token shard, for perplexity per language. Shards
 * carry no labels; they are found, in this order:
 *
 * 1. `PREFIX.docs.jsonl`: one JSON object per document, `{"language": "de"}` (any tool can write it);
 * 2. `PREFIX.stats.json` from `data tokenize`: its `inputs` are the document files in shard order,
 *    with their document counts. Reading those files again (documents with empty text skipped, as
 *    the tokenizer skips them) gives each document's `metadata.language`. Used only when every
 *    file is still there and gives exactly the counted documents; otherwise no labels.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DEFAULT_FIELDS, openReader } from '../corpus/io/index.js';
import { IndexedDataset, shardPaths } from '../tokenizer/shards/index.js';
import { UserError } from '../util/errors.js';
import type { ScoredDocument } from './perplexity.js';

export interface ShardLanguages {
  /** per document; undefined where a document has none */
  languages?: (string | undefined)[];
  /** where they came from, or why there are none */
  source: string;
}

const labelOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export async function shardLanguages(prefixOrPath: string, documentCount: number, textField = 'text'): Promise<ShardLanguages> {
  const prefix = shardPaths(prefixOrPath).prefix;
  const sidecar = `${prefix}.docs.jsonl`;
  if (existsSync(sidecar)) {
    const lines = (await readFile(sidecar, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    if (lines.length !== documentCount) throw new UserError(`${sidecar} has ${lines.length} lines for ${documentCount} documents in ${prefix}`);
    return { languages: lines.map((l) => labelOf((JSON.parse(l) as { language?: unknown }).language)), source: sidecar };
  }
  const statsFile = `${prefix}.stats.json`;
  if (!existsSync(statsFile)) return { source: `no ${sidecar} and no ${statsFile}` };
  const stats = JSON.parse(await readFile(statsFile, 'utf8')) as { inputs?: { file: string; documents: number }[] };
  const inputs = stats.inputs ?? [];
  const missing = inputs.find((i) => !existsSync(i.file));
  if (inputs.length === 0 || missing) return { source: missing ? `${missing.file} (listed in ${statsFile}) is gone` : `${statsFile} lists no inputs` };
  const languages: (string | undefined)[] = [];
  for (const input of inputs) {
    let count = 0;
    const reader = openReader(input.file, { fields: { ...DEFAULT_FIELDS, text: textField }, onBadRecord: () => undefined });
    for await (const doc of reader) {
      if (doc.text.length === 0) continue;
      languages.push(labelOf(doc.metadata.language));
      count++;
    }
    if (count !== input.documents) return { source: `${input.file} has ${count} documents now, ${input.documents} when tokenized` };
  }
  if (languages.length !== documentCount) return { source: `${statsFile} counts ${languages.length} documents, the shard has ${documentCount}` };
  return { languages, source: `the documents listed in ${statsFile}` };
}

/** The documents of token shards, with their language when `shardLanguages` finds one. */
export async function* shardDocuments(prefixes: string[], onLabels?: (prefix: string, labels: ShardLanguages) => void): AsyncGenerator<ScoredDocument> {
  for (const path of prefixes) {
    const dataset = await IndexedDataset.open(path);
    try {
      const labels = await shardLanguages(dataset.prefix, dataset.documentCount);
      onLabels?.(dataset.prefix, labels);
      let i = 0;
      for (const ids of dataset.documents()) {
        const language = labels.languages?.[i++];
        yield language === undefined ? { ids } : { ids, language };
      }
    } finally {
      dataset.close();
    }
  }
}
