import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactor, PII_KINDS, type PiiKind } from '../../src/corpus/pii/index.js';

/**
 * Linear time on hostile input: every detector alone, and all together, must get through 1 MB
 * strings built to make backtracking regexes quadratic, in well under a second each.
 * (A quadratic scanner would need minutes on these.)
 */

const MB = 1_000_000;
const LIMIT_MS = 1000;

function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

const hostile: Record<string, string> = {
  "'a'": repeatTo('a', MB),
  "'a@'": repeatTo('a@', MB),
  "'a.'": repeatTo('a.', MB),
  "'a.a@'": repeatTo('a.a@', MB),
  "'@a.'": repeatTo('@' + 'a.'.repeat(150), MB),
  "70 chars then '@'": repeatTo('a'.repeat(70) + '@', MB),
  "'@['": repeatTo('a@[', MB),
  "'1.'": repeatTo('1.', MB),
  "'1.1.1.1 '": repeatTo('1.1.1.1 ', MB),
  "':'": repeatTo(':', MB),
  "'1:'": repeatTo('1:', MB),
  "'a::'": repeatTo('a::', MB),
  'digits': repeatTo('1', MB),
  "'1 '": repeatTo('1 ', MB),
  "'0 '": repeatTo('0 ', MB),
  "'1234 '": repeatTo('1234 ', MB),
  "'+1 '": repeatTo('+1 ', MB),
  "'(0)'": repeatTo('(0)', MB),
  "'1-'": repeatTo('1-', MB),
  "'DE89 '": repeatTo('DE89 ', MB),
  "'DE89'": repeatTo('DE89', MB),
  'mixed': repeatTo('x@y.zz 1.2.3.4 DE89 3704 0044 0532 0130 00 +41 44 668 18 00 4111 1111 1111 1111 ::1 a@ 1. : ', MB),
};

function only(kind: PiiKind | 'all'): ReturnType<typeof createRedactor> {
  const on = (k: PiiKind): boolean => kind === 'all' || k === kind;
  return createRedactor({ email: on('email'), ip: on('ip'), iban: on('iban'), phone: on('phone'), card: on('card') });
}

for (const kind of [...PII_KINDS, 'all'] as const) {
  test(`${kind}: linear time on 1 MB hostile strings`, () => {
    const redact = only(kind);
    const timings: string[] = [];
    for (const [name, text] of Object.entries(hostile)) {
      const start = performance.now();
      redact(text);
      const ms = performance.now() - start;
      timings.push(`${name} ${ms.toFixed(0)} ms`);
      assert.ok(ms < LIMIT_MS, `${kind} took ${ms.toFixed(0)} ms on ${name}`);
    }
    console.log(`pii ${kind}: ${timings.join(', ')}`);
  });
}
