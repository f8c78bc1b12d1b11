import type { Command } from 'commander';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { loadLanguageModel, roundScore, UNDETERMINED, type LanguageModel } from '../corpus/lid/fasttext.js';
import { positiveInt } from './options.js';

export interface LidOptions {
  /** fastText classifier file; default the shipped lid.176. */
  model?: string;
  /** How many labels to report per line; with more than 1, a `top` list is added. */
  k?: number;
}

interface LidRecord {
  language: string;
  score: number;
  top?: { language: string; score: number }[];
}

/**
 * Reads text lines from `input` and writes one JSON object per line to `output`, in order:
 * `{"language":"de","score":0.98}` (plus `top` when k > 1; `und` with score 0 for a blank line).
 * Streams a chunk at a time, waiting for `output` to drain, so memory stays at one chunk plus
 * the longest line. Returns the number of lines labelled.
 */
export async function lidStream(input: Readable, output: Writable, options: LidOptions = {}): Promise<number> {
  const model = await loadLanguageModel(options.model);
  const k = options.k ?? 1;
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let count = 0;
  const labelLines = async (text: string) => {
    const lines = text.split('\n');
    let out = '';
    for (const line of lines) out += `${JSON.stringify(lidRecord(model, line, k))}\n`;
    count += lines.length;
    if (!output.write(out)) await once(output, 'drain');
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    // Search only the new chunk, so that a very long line costs linear time.
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      pending += text;
      continue;
    }
    await labelLines(pending + text.slice(0, cut));
    pending = text.slice(cut + 1);
  }
  pending += decoder.end();
  if (pending) await labelLines(pending);
  return count;
}

function lidRecord(model: LanguageModel, line: string, k: number): LidRecord {
  const top = model.predict(line, k);
  const best = top[0];
  const record: LidRecord = { language: best?.label ?? UNDETERMINED, score: best ? roundScore(best.score) : 0 };
  if (k > 1) record.top = top.map((p) => ({ language: p.label, score: roundScore(p.score) }));
  return record;
}

export function registerLidCommand(program: Command): void {
  program
    .command('lid')
    .description('language identification: read text lines on stdin, print one JSON object per line ({"language": "de", "score": 0.98})')
    .option('--model <file>', 'fastText classifier (.bin or .ftz), e.g. GlotLID (default: the shipped lid.176)')
    .option('-k, --top <n>', 'also list the N most likely labels as "top"', positiveInt, 1)
    .action(async (flags: { model?: string; top: number }) => {
      // `apertus lid < big.txt | head` closes the pipe early: that is the reader's choice, not an error.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
        process.exit(0);
      });
      await lidStream(process.stdin, process.stdout, { model: flags.model, k: flags.top });
    });
}
