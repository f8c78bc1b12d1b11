/**
 * Probe files: the passages whose memorization is measured (R7). JSONL, one probe per line:
 *
 *   {"id": "eng-07", "bucket": 16, "ids": [812, 90, ...]}            token ids, or
 *   {"id": "eng-07", "bucket": 16, "text": "Everyone has the right ..."}   text (needs a tokenizer)
 *
 * `bucket` is how many times the probe was put into the training data (0 = the unexposed control
 * bucket). `data inject-probes` writes this format as its manifest, with `ids` filled in and
 * `documents`: the document number of every copy in the shard it wrote.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { TextTokenizer } from '../tokenizer/types.js';
import { UserError } from '../util/errors.js';
import { parseJsonLines } from '../util/jsonl.js';
import { writeFileAtomic } from '../util/fs.js';

export const ProbeSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    bucket: z.number().int().min(0).optional(),
    ids: z.array(z.number().int().min(0)).optional(),
    text: z.string().optional(),
    language: z.string().optional(),
    /** document numbers of the copies in the injected shard (manifest only) */
    documents: z.array(z.number().int().min(0)).optional(),
  })
  .loose()
  .refine((p) => p.ids !== undefined || p.text !== undefined, { message: 'needs "ids" or "text"' });

export type ProbeInput = z.output<typeof ProbeSchema>;

/** A probe with its token ids and bucket settled. */
export interface Probe {
  id: string;
  bucket: number;
  ids: number[];
  text?: string;
  language?: string;
  documents?: number[];
}

/** Parses a probe file's lines; errors name the file and line. */
export function parseProbes(text: string, file: string): ProbeInput[] {
  const probes: ProbeInput[] = [];
  const seen = new Set<string>();
  for (const { line, value } of parseJsonLines(text, file, ProbeSchema, 'probe')) {
    if (seen.has(value.id)) throw new UserError(`${file}:${line}: a second probe with id ${value.id}`);
    seen.add(value.id);
    probes.push(value);
  }
  if (probes.length === 0) throw new UserError(`${file}: no probes`);
  return probes;
}

export async function readProbeInputs(file: string): Promise<ProbeInput[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${file}: cannot read the probe file (${err.code ?? err.message})`);
  });
  return parseProbes(text, file);
}

/**
 * Settles ids (text through `tokenizer`, without BOS or EOS: a probe is a document's tokens) and
 * buckets: probes without one are dealt over `buckets` in turn (the i-th to buckets[i % n]).
 */
export function resolveProbes(inputs: ProbeInput[], options: { tokenizer?: TextTokenizer; buckets?: number[]; source?: string } = {}): Probe[] {
  const source = options.source ?? 'probes';
  let dealt = 0;
  return inputs.map((p) => {
    let ids = p.ids;
    if (ids === undefined) {
      if (!options.tokenizer) throw new UserError(`${source}: probe ${p.id} has text but no ids; give a tokenizer (--tokenizer, or a model folder with tokenizer.json)`);
      ids = options.tokenizer.encode(p.text!);
    }
    let bucket = p.bucket;
    if (bucket === undefined) {
      if (!options.buckets || options.buckets.length === 0) throw new UserError(`${source}: probe ${p.id} has no "bucket"; give --buckets to deal them out`);
      bucket = options.buckets[dealt++ % options.buckets.length]!;
    }
    return {
      id: p.id, bucket, ids,
      ...(p.text !== undefined ? { text: p.text } : {}),
      ...(p.language !== undefined ? { language: p.language } : {}),
      ...(p.documents !== undefined ? { documents: p.documents } : {}),
    };
  });
}

/** Reads and resolves a probe file. */
export async function readProbes(file: string, options: { tokenizer?: TextTokenizer; buckets?: number[] } = {}): Promise<Probe[]> {
  return resolveProbes(await readProbeInputs(file), { ...options, source: file });
}

export async function writeProbes(file: string, probes: readonly Probe[]): Promise<void> {
  await writeFileAtomic(file, probes.map((p) => `${JSON.stringify(p)}\n`).join(''));
}
