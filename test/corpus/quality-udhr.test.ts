import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Step } from '../../src/corpus/step.js';
import { createC4QualityStep } from '../../src/corpus/steps/c4-quality.js';
import { createFinewebQualityStep } from '../../src/corpus/steps/fineweb-quality.js';
import { createGopherQualityStep } from '../../src/corpus/steps/gopher-quality.js';
import { createGopherRepetitionStep } from '../../src/corpus/steps/gopher-repetition.js';
import { declaration, mulberry32 } from '../../tools/udhr.js';
import { doc, UDHR_LANGUAGES, udhrText } from './quality-fixtures.js';

const STEPS: Step[] = [createGopherRepetitionStep(), createGopherQualityStep(), createC4QualityStep(), createFinewebQualityStep()];

test('real text: ~300-word UDHR documents in 10 languages mostly pass gopher_quality', async (t) => {
  const random = mulberry32(3);
  const passed: Record<string, number[]> = {};
  let total = 0;
  let kept = 0;
  for (const [code, language] of Object.entries(UDHR_LANGUAGES)) {
    const articles = (await declaration(code)).length;
    const counts = STEPS.map(() => 0);
    const docs = 20;
    for (let i = 0; i < docs; i++) {
      // Any start, the preamble included.
      const text = await udhrText(code, 300, Math.floor(random() * articles));
      STEPS.forEach((step, s) => {
        if (step.apply(doc(text, language), {}).keep) counts[s]!++;
      });
    }
    passed[language] = counts.map((c) => c / docs);
    total += docs;
    kept += counts[1]!;
    assert.ok(counts[1]! / docs >= 0.8, `${code}: gopher_quality kept ${counts[1]} of ${docs}`);
  }
  const rate = kept / total;
  t.diagnostic(`gopher_quality pass rate ${(rate * 100).toFixed(1)}% of ${total} documents`);
  for (const [language, rates] of Object.entries(passed)) {
    t.diagnostic(`${language}: ${STEPS.map((s, i) => `${s.kind} ${(rates[i]! * 100).toFixed(0)}%`).join(', ')}`);
  }
  assert.ok(rate >= 0.95, `pass rate ${rate}`);
});

/** Milliseconds for the four steps to judge `text`, each seeing it whole (as if the others kept it). */
function timeAll(text: string, language?: string): number {
  const started = performance.now();
  const shared = doc(text, language);
  for (const step of STEPS) {
    shared.text = text;
    const verdict = step.apply(shared, {});
    assert.equal(typeof verdict.keep, 'boolean');
  }
  return performance.now() - started;
}

test('several-MB documents finish fast, whatever their shape', async () => {
  const english = (await declaration('eng')).flat().join('\n');
  let prose = '';
  while (prose.length < 3_000_000) prose += `${english}\n`;
  const shapes: Array<[string, string, string | undefined, number]> = [
    ['3 MB of prose', prose, 'en', 3000],
    ['3 MB of one word', 'a'.repeat(3_000_000), 'en', 3000],
    ['3 MB of alternating punctuation', '.!'.repeat(1_500_000), 'en', 3000],
    ['3 MB of distinct words', Array.from({ length: 300_000 }, (_, i) => `w${i.toString(36)} and`).join(' '), 'en', 3000],
    ['3 MB of short lines', 'Home\n'.repeat(600_000), 'en', 3000],
    ['3 MB of whitespace', ' \n'.repeat(1_500_000), 'en', 3000],
    // Hostile to backtracking regexes: long runs of full stops or quotes before a letter.
    ['3 MB of full stops, then a letter', `${'.'.repeat(3_000_000)}x`, 'en', 3000],
    ['3 MB of quotes after a full stop', `${`.${'"'.repeat(10_000)}x\n`.repeat(300)}`, 'en', 3000],
    ['3 MB of citations', '[123456789'.repeat(300_000), 'en', 3000],
  ];
  const chinese = (await declaration('cmn_hans')).flat().join('\n');
  let hanzi = '';
  while (hanzi.length < 1_000_000) hanzi += `${chinese}\n`;
  shapes.push(['1 M characters of Chinese', hanzi, 'zh', 8000]);
  for (const [name, text, language, limit] of shapes) {
    const elapsed = timeAll(text, language);
    assert.ok(elapsed < limit, `${name}: ${elapsed.toFixed(0)} ms`);
  }
});
