import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { UserError } from '../util/errors.js';

interface TokenizerFlags {
  tokenizer: string;
}

interface EncodeFlags extends TokenizerFlags {
  addSpecial?: boolean;
  allowSpecial?: boolean;
}

interface DecodeFlags extends TokenizerFlags {
  skipSpecial?: boolean;
}

/**
 * Lines of a byte stream, without their `\n` (a `\r` before it stays: it is part of the text).
 * Bytes, not strings: a line that is not valid UTF-8 must reach the encoder unchanged.
 */
export async function* byteLines(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer[]> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of input) {
    const data = pending.length > 0 ? Buffer.concat([pending, Buffer.from(chunk)]) : Buffer.from(chunk);
    const lines: Buffer[] = [];
    let start = 0;
    for (let end = data.indexOf(10); end >= 0; end = data.indexOf(10, start)) {
      lines.push(data.subarray(start, end));
      start = end + 1;
    }
    pending = data.subarray(start);
    // One batch per input chunk: the caller writes a batch at a time and waits on back-pressure.
    if (lines.length > 0) yield lines;
  }
  if (pending.length > 0) yield [pending];
}

async function write(output: Writable, data: string | Uint8Array): Promise<void> {
  if (!output.write(data)) await once(output, 'drain');
}

/** Text lines in, one JSON array of ids per line out. Returns the number of lines. */
export async function encodeLines(tokenizer: Tokenizer, input: AsyncIterable<Uint8Array | string>, output: Writable, flags: Omit<EncodeFlags, 'tokenizer'> = {}): Promise<number> {
  let count = 0;
  const options = { addSpecial: flags.addSpecial ?? false, allowSpecial: flags.allowSpecial ?? false };
  for await (const lines of byteLines(input)) {
    let out = '';
    for (const line of lines) out += `[${tokenizer.encodeBytes(line, options).join(',')}]\n`;
    count += lines.length;
    await write(output, out);
  }
  return count;
}

/** JSON arrays of ids in, one text line out each (the exact bytes, even when not valid UTF-8). */
export async function decodeLines(tokenizer: Tokenizer, input: AsyncIterable<Uint8Array | string>, output: Writable, flags: Omit<DecodeFlags, 'tokenizer'> = {}): Promise<number> {
  let count = 0;
  const newline = Buffer.from('\n');
  for await (const lines of byteLines(input)) {
    const parts: Uint8Array[] = [];
    for (const line of lines) {
      count++;
      const ids = parseIds(line.toString('utf8'), count);
      try {
        parts.push(tokenizer.decodeBytes(ids, { skipSpecial: flags.skipSpecial ?? false }), newline);
      } catch (err) {
        throw new UserError(`stdin:${count}: ${(err as Error).message}`);
      }
    }
    await write(output, Buffer.concat(parts));
  }
  return count;
}

function parseIds(text: string, line: number): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`stdin:${line}: expected a JSON array of token ids, got ${JSON.stringify(text.slice(0, 60))}`);
  }
  if (!Array.isArray(value) || !value.every((id) => Number.isInteger(id))) throw new UserError(`stdin:${line}: expected a JSON array of whole numbers (token ids)`);
  return value as number[];
}

/** What a tokenizer file holds, for `tokenizer info`. */
export function describeTokenizer(file: string, tokenizer: Tokenizer): string {
  const { model, options } = tokenizer;
  const specials = [...model.specialTokens].sort((a, b) => a.id - b.id).map((s) => `${s.content}=${s.id}${s.special ? '' : ' (not special)'}`);
  const name = (id: number) => tokenizer.idToToken(id) ?? String(id);
  const template = tokenizer.encode('', { addSpecial: true }).map(name);
  const lines = [
    `tokenizer: ${file}`,
    `vocabulary: ${tokenizer.vocabSize} ids (${model.vocab.size} BPE tokens, ${model.merges.length} merges, ${model.specialTokens.length} added tokens)`,
    `special tokens: ${specials.join(' ') || 'none'}`,
    `--add-special adds: ${template.join(' ') || 'nothing'}`,
    `pattern: ${model.pattern === '' ? '(none: each text is one pre-token)' : model.pattern}`,
    ...(options.extraPatterns ?? []).map((p, i) => `pattern ${i + 2}: ${p}`),
  ];
  if (options.normalization?.length) lines.push(`normalization: ${options.normalization.join(', ')}`);
  const flags = [options.ignoreMerges && 'ignore_merges', options.byteFallback && 'byte_fallback', options.addPrefixSpace && 'add_prefix_space', options.unknownToken && `unk_token ${options.unknownToken}`];
  if (flags.some(Boolean)) lines.push(`options: ${flags.filter(Boolean).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

async function load(file: string): Promise<Tokenizer> {
  // Loaded on demand, as other command groups do with their libraries.
  const { loadTokenizer } = await import('../tokenizer/tokenizer-json.js');
  return loadTokenizer(file);
}

/** A closed stdout (`... | head`) ends the command quietly instead of with EPIPE. */
async function streaming(work: () => Promise<unknown>): Promise<void> {
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(`apertus: cannot write to stdout: ${err.message}\n`);
    process.exit(err.code === 'EPIPE' ? 0 : 1);
  };
  process.stdout.on('error', onError);
  try {
    await work();
  } finally {
    process.stdout.off('error', onError);
  }
}

/**
 * Adds `apertus tokenizer encode | decode | info` and returns the `tokenizer` command group, to
 * which `train` (written with the trainer) is attached.
 */
export function registerTokenizerCommands(program: Command): Command {
  const group = program.command('tokenizer').description('byte-level BPE tokenizers (Hugging Face tokenizer.json): train, encode, decode');
  group
    .command('encode')
    .description('read text lines on stdin, write one JSON array of token ids per line on stdout')
    .requiredOption('--tokenizer <file>', 'tokenizer.json (ours or a Hugging Face byte-level BPE one)')
    .option('--add-special', "add the tokenizer's special tokens around each line (BOS <s> in front)")
    .option('--allow-special', 'read special-token strings in the text (<s>, </s>, ...) as those tokens, not as plain text')
    .addHelpText('after', '\nLines are bytes: text that is not valid UTF-8 is kept byte for byte (such bytes become byte tokens).\nA line is everything up to "\\n"; a "\\r" before it is part of the line.')
    .action(async (flags: EncodeFlags) => {
      const tokenizer = await load(flags.tokenizer);
      await streaming(() => encodeLines(tokenizer, process.stdin, process.stdout, flags));
    });
  group
    .command('decode')
    .description('read one JSON array of token ids per line on stdin, write each as a line of text on stdout')
    .requiredOption('--tokenizer <file>', 'tokenizer.json')
    .option('--skip-special', 'leave special tokens out of the text')
    .addHelpText('after', '\nThe bytes are written as they are: decode(encode(lines)) gives the input back exactly\n(a last line without "\\n" gets one).')
    .action(async (flags: DecodeFlags) => {
      const tokenizer = await load(flags.tokenizer);
      await streaming(() => decodeLines(tokenizer, process.stdin, process.stdout, flags));
    });
  group
    .command('info')
    .description('print the vocabulary size, special tokens and pre-tokenization pattern of a tokenizer')
    .requiredOption('--tokenizer <file>', 'tokenizer.json')
    .action(async (flags: TokenizerFlags) => {
      process.stdout.write(describeTokenizer(flags.tokenizer, await load(flags.tokenizer)));
    });
  // The trainer's `train` subcommand is added to the returned group (see src/tokenizer/README.md).
  return group;
}
