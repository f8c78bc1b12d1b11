/**
 * Multiple choice by log-likelihood, scored as lm-evaluation-harness scores its multiple-choice
 * tasks. A task is JSONL, one item per line:
 *
 *   {"context": "Article 3. Everyone has the right to life,", "choices": [" liberty ...", " ..."], "gold": 0}
 *
 * (`query` is read as `context`, as in the harness's MultipleChoiceTask). Each choice is the
 * continuation string as given (put the separating space in the choice, as the harness's target
 * delimiter does). For each choice: loglikelihood = sum of log p(continuation tokens | context),
 * tokenized as the harness's `_encode_pair`: trailing whitespace of the context moves to the
 * continuation, the whole string is encoded, and the continuation is what follows the encoded
 * context; an empty context is the EOS token. Contexts too long for the model lose tokens at the
 * left. Metrics: acc = argmax loglikelihood is gold; acc_norm = argmax loglikelihood / (characters
 * of the choice) is gold (the harness divides by `len(choice)`, Unicode code points).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Apertus } from '../model/index.js';
import type { TextTokenizer } from '../tokenizer/types.js';
import { UserError } from '../util/errors.js';
import { parseJsonLines } from '../util/jsonl.js';
import { tokenLogProbs } from './loglikelihood.js';

export const TaskItemSchema = z
  .object({
    context: z.string().optional(),
    query: z.string().optional(),
    choices: z.array(z.string().min(1)).min(2),
    gold: z.number().int().min(0),
  })
  .loose()
  .refine((i) => i.context !== undefined || i.query !== undefined, { message: 'needs "context" (or "query")' })
  .refine((i) => i.gold < i.choices.length, { message: '"gold" is not an index of "choices"' });

export interface TaskItem {
  context: string;
  choices: string[];
  gold: number;
}

export function parseTask(text: string, file: string): TaskItem[] {
  const items = parseJsonLines(text, file, TaskItemSchema, 'item')
    .map(({ value }) => ({ context: value.context ?? value.query!, choices: value.choices, gold: value.gold }));
  if (items.length === 0) throw new UserError(`${file}: no items`);
  return items;
}

export async function readTask(file: string): Promise<TaskItem[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${file}: cannot read the task (${err.code ?? err.message})`);
  });
  return parseTask(text, file);
}

/** A context and a continuation as token ids. */
export interface Request {
  context: number[];
  continuation: number[];
}

/** The harness's `loglikelihood` tokenization of one (context, continuation) pair. */
export function encodePair(tokenizer: TextTokenizer, context: string, continuation: string, prefixId: number): Request {
  if (context === '') return { context: [prefixId], continuation: tokenizer.encode(continuation) };
  const spaces = context.length - context.trimEnd().length;
  if (spaces > 0) {
    continuation = context.slice(context.length - spaces) + continuation;
    context = context.slice(0, context.length - spaces);
  }
  const whole = tokenizer.encode(context + continuation);
  const contextIds = tokenizer.encode(context);
  return { context: contextIds, continuation: whole.slice(contextIds.length) };
}

/** Log-likelihoods of requests: a model, or anything that scores them (tests use stubs). */
export type LogLikelihood = (requests: Request[]) => number[];

/** Sum of the continuation's log-probs under `model`, batched; contexts cut at the left to fit. */
export function modelLogLikelihood(model: Apertus, options: { batchSize?: number } = {}): LogLikelihood {
  const max = model.config.maxPositions;
  return (requests) => {
    const sequences = requests.map((r) => {
      if (r.continuation.length === 0) throw new Error('modelLogLikelihood: empty continuation');
      if (r.continuation.length >= max) {
        throw new UserError(`a choice of ${r.continuation.length} tokens does not fit the model's ${max} positions with any context; use shorter choices (make-task --max-words)`);
      }
      return [...r.context, ...r.continuation].slice(-max);
    });
    const logProbs = tokenLogProbs(model, sequences, options);
    return requests.map((r, i) => {
      const lp = logProbs[i]!;
      let sum = 0;
      for (let t = lp.length - r.continuation.length; t < lp.length; t++) sum += lp[t]!;
      return sum;
    });
  };
}

export interface ItemScore {
  loglikelihoods: number[];
  prediction: number;
  prediction_norm: number;
  gold: number;
}

export interface MultipleChoiceReport {
  items: number;
  acc: number;
  acc_norm: number;
  /** standard errors (sample standard deviation / sqrt(n), as the harness reports) */
  acc_stderr: number;
  acc_norm_stderr: number;
  /** accuracy of picking uniformly at random */
  chance: number;
  scores: ItemScore[];
}

const argmax = (values: number[]) => values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);

/** Scores already-encoded items (`requests[i][c]`: item i, choice c). */
export function scoreRequests(items: readonly TaskItem[], requests: Request[][], loglikelihood: LogLikelihood): MultipleChoiceReport {
  const flat = requests.flat();
  const lls = loglikelihood(flat);
  let k = 0;
  const scores = items.map((item, i) => {
    const ll = requests[i]!.map(() => lls[k++]!);
    const lengths = item.choices.map((c) => [...c].length);
    return { loglikelihoods: ll, prediction: argmax(ll), prediction_norm: argmax(ll.map((v, c) => v / lengths[c]!)), gold: item.gold };
  });
  const n = scores.length;
  const mean = (f: (s: ItemScore) => number) => scores.reduce((sum, s) => sum + f(s), 0) / n;
  const stderr = (p: number) => (n > 1 ? Math.sqrt((p * (1 - p) * n) / (n - 1) / n) : 0);
  const acc = mean((s) => Number(s.prediction === s.gold));
  const accNorm = mean((s) => Number(s.prediction_norm === s.gold));
  return {
    items: n, acc, acc_norm: accNorm, acc_stderr: stderr(acc), acc_norm_stderr: stderr(accNorm),
    chance: mean((s) => 1 / s.loglikelihoods.length), scores,
  };
}

/** Encodes with `tokenizer` (empty context: `prefixId`, the EOS) and scores. */
export function scoreTask(items: readonly TaskItem[], tokenizer: TextTokenizer, loglikelihood: LogLikelihood, prefixId: number): MultipleChoiceReport {
  const requests = items.map((item) => item.choices.map((choice) => encodePair(tokenizer, item.context, choice, prefixId)));
  return scoreRequests(items, requests, loglikelihood);
}
