import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Document } from '../../src/corpus/document.js';
import { DEFAULT_LANGUAGE_MODEL, loadLanguageModel, predictionText } from '../../src/corpus/lid/fasttext.js';
import { FastTextClassifier } from '../../src/corpus/lid/classifier.js';
import { readFastTextModel } from '../../src/corpus/lid/model-file.js';
import { createLanguageStep } from '../../src/corpus/steps/language.js';
import { UserError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/corpus.js';

const GERMAN = 'Die Sitzung des Gemeinderats wurde am Dienstagabend wegen eines Stromausfalls vertagt. ';
const ENGLISH = 'The council meeting was postponed on Tuesday evening because of a power cut. ';

test('the model loads once per file and labels come without the __label__ prefix', async () => {
  const model = await loadLanguageModel();
  assert.equal(await loadLanguageModel(DEFAULT_LANGUAGE_MODEL), model);
  assert.equal(model.labels.length, 176);
  assert.ok(model.labels.includes('de') && !model.labels.some((l) => l.startsWith('__label__')));
  const top = model.predict(GERMAN, 3);
  assert.equal(top.length, 3);
  assert.equal(top[0]!.label, 'de');
  assert.ok(top[0]!.score >= top[1]!.score && top[1]!.score >= top[2]!.score);
  // At most k: hierarchical softmax (lid.176) prunes labels whose probability underflows.
  const all = model.predict(GERMAN, 1000);
  assert.ok(all.length >= 3 && all.length <= 176);
  assert.deepEqual(model.predict(' \n\t'), []);
});

test('one label\'s probability: the predicted score, 0 for empty text, any label of the model', async () => {
  const model = await loadLanguageModel();
  assert.deepEqual(model.fileLabels.length, model.labels.length);
  assert.equal(model.fileLabels[model.labels.indexOf('de')], '__label__de');
  for (const [text, k] of [[GERMAN, 3], [ENGLISH, 2]] as const) {
    for (const { label, score } of model.predict(text, k)) assert.equal(model.probability(text, model.labels.indexOf(label)), score);
  }
  const unlikely = model.probability(GERMAN, model.labels.indexOf('ja'));
  assert.ok(unlikely >= 0 && unlikely < 1e-3, String(unlikely));
  assert.equal(model.probability(' \n ', 0), 0);
  assert.throws(() => model.probability(GERMAN, model.labels.length), RangeError);
});

test('a model read without spare bytes to align its rows in place (copied rows) predicts the same', async () => {
  const model = await loadLanguageModel();
  const copied = new FastTextClassifier(readFastTextModel(new Uint8Array(await readFile(DEFAULT_LANGUAGE_MODEL))));
  for (const text of [GERMAN, ENGLISH, 'Ceci est une phrase en français.']) {
    const [best] = copied.predict(predictionText(text)!, 1);
    assert.equal(model.labels[best!.index], model.predict(text)[0]!.label);
    assert.equal(Math.min(1, best!.probability), model.predict(text)[0]!.score);
  }
});

test('newlines do not cut the text short: fastText sees one line', async () => {
  const model = await loadLanguageModel();
  // Without the newline replacement fastText would read only the English first line.
  const text = `${ENGLISH}\n${GERMAN}\n${GERMAN}\n${GERMAN}`;
  assert.equal(model.predict(text)[0]!.label, 'de');
  assert.equal(predictionText('a\nb\nc'), 'a b c');
  assert.equal(predictionText(' \n '), undefined);
});

test('a 5 MB document is labelled in well under a second, judged on samples across all of it', async () => {
  const model = await loadLanguageModel();
  const half = 2_500_000;
  const text = ENGLISH.repeat(Math.ceil(half / ENGLISH.length)) + GERMAN.repeat(Math.ceil(half / GERMAN.length));
  assert.ok(text.length >= 5_000_000);
  const started = performance.now();
  const [best, second] = model.predict(text, 2);
  const ms = performance.now() - started;
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
  assert.deepEqual(new Set([best!.label, second!.label]), new Set(['en', 'de']), 'both halves are seen');
  const sample = predictionText(text, 20_000)!;
  assert.ok(sample.length <= 20_003 && sample.startsWith(ENGLISH) && sample.endsWith(GERMAN.slice(-20)));
  // One 5 MB "word" (no spaces at all) must not crash or hang either.
  const step = createLanguageStep({});
  await step.open?.({ index: 0, inputFile: '' });
  const blob: Document = { id: 'x', text: 'x'.repeat(5_000_000), metadata: {} };
  step.apply(blob, {});
  assert.equal(typeof blob.metadata.language, 'string');
});

test('mixed scripts, emoji, control characters and broken surrogates give a label, never a crash', async () => {
  const model = await loadLanguageModel();
  const texts = [
    '東京タワーは1958年に完成した電波塔で、高さは333メートルです。Tokyo Tower is a landmark.',
    'Москва — столица России. Moscow is the capital. Москва является крупнейшим городом страны.',
    '🙂🙂🙂 👍 ❤️ 🎉🎉',
    'null\u0000byte and bell\u0007 and form\ffeed',
    'lone surrogates \ud800 and \udfff in text',
    'مرحبا بكم في موقعنا. Welcome to our site. 欢迎光临本站。',
  ];
  for (const text of texts) {
    const [best] = model.predict(text);
    assert.ok(best && best.label.length > 0 && best.score >= 0 && best.score <= 1, JSON.stringify({ text, best }));
  }
  assert.equal(model.predict(texts[0]!)[0]!.label, 'ja');
  assert.equal(model.predict(texts[1]!)[0]!.label, 'ru');
});

test('invalid model files fail with a UserError that names the file and the problem', async () => {
  const dir = await tempDir('lid');
  const text = join(dir, 'not-a-model.bin');
  await writeFile(text, 'this is a text file, not a model\n');
  const truncated = join(dir, 'truncated.ftz');
  const whole = await readFile(DEFAULT_LANGUAGE_MODEL);
  await writeFile(truncated, whole.subarray(0, 900_000));
  const padded = join(dir, 'padded.ftz');
  await writeFile(padded, Buffer.concat([whole, Buffer.from('junk')]));
  // The args header starts at byte 8: dim ws epoch minCount neg wordNgrams loss model ... (int32 each).
  const wordVectors = join(dir, 'cbow.bin');
  const cbow = Buffer.from(whole);
  cbow.writeInt32LE(1, 8 + 7 * 4);
  await writeFile(wordVectors, cbow);
  const future = join(dir, 'version-13.bin');
  const newer = Buffer.from(whole);
  newer.writeInt32LE(13, 4);
  await writeFile(future, newer);
  const expectations: [string, RegExp][] = [
    [wordVectors, /word-vector model .* not a classifier/],
    [future, /version 13 is not supported/],
    [text, /not a fastText model file/],
    [truncated, /truncated/],
    [padded, /unexpected bytes after/],
    [join(dir, 'missing.bin'), /fastText model file not found/],
    [dir, /cannot read the fastText model file/],
  ];
  for (const [file, problem] of expectations) {
    await assert.rejects(loadLanguageModel(file), (err: unknown) => {
      assert.ok(err instanceof UserError, String(err));
      assert.ok(err.message.includes(file) && problem.test(err.message), err.message);
      return true;
    });
  }
  // Through the step, at open(); and a failed load is not cached once the file is fixed.
  await assert.rejects(createLanguageStep({ model: truncated }).open!({ index: 0, inputFile: '' }), UserError);
  await copyFile(DEFAULT_LANGUAGE_MODEL, truncated);
  const fixed = await loadLanguageModel(truncated);
  assert.equal(fixed.predict(GERMAN)[0]!.label, 'de');
});
