import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Document } from '../../src/corpus/document.js';
import { KEEP, KEEP_MODIFIED, type ExtraCounters } from '../../src/corpus/step.js';
import { createPiiStep, DEFAULT_PII_OPTIONS } from '../../src/corpus/steps/pii.js';

function doc(text: string): Document {
  return { id: 'd', text, metadata: {} };
}

test('the pii step redacts, counts per kind and records per-document counts', () => {
  const step = createPiiStep({});
  assert.equal(step.kind, 'pii');
  assert.equal(step.name, 'pii');
  const extra: ExtraCounters = {};
  const first = doc('Mail anna@example.ch or bob@example.ch from 8.8.8.8, IBAN DE89370400440532013000.');
  assert.deepEqual(step.apply(first, extra), KEEP_MODIFIED);
  assert.equal(first.text, 'Mail <email-pii> or <email-pii> from <ip-pii>, IBAN <iban-pii>.');
  assert.deepEqual(first.metadata.pii, { email: 2, ip: 1, iban: 1 });
  const second = doc('Write to carl@example.org.');
  assert.deepEqual(step.apply(second, extra), KEEP_MODIFIED);
  assert.deepEqual(second.metadata.pii, { email: 1 });
  assert.deepEqual(extra, { pii_email: 3, pii_ip: 1, pii_iban: 1 });
});

test('a document without PII is kept as it is, with no metadata and no counters', () => {
  const step = createPiiStep({ name: 'pii-strict', phone: true, card: true });
  assert.equal(step.name, 'pii-strict');
  const extra: ExtraCounters = {};
  const clean = doc('Version 1.2.3.4.5 vom 02.01.2024, Preis 1.234,50 €.');
  assert.equal(step.apply(clean, extra), KEEP);
  assert.equal(clean.text, 'Version 1.2.3.4.5 vom 02.01.2024, Preis 1.234,50 €.');
  assert.equal('pii' in clean.metadata, false);
  assert.deepEqual(extra, {});
});

test('options reach the redactor: public_ip_only, optional kinds, replacements', () => {
  assert.deepEqual(
    { ...DEFAULT_PII_OPTIONS, replacements: {} },
    { email: true, ip: true, iban: true, phone: false, card: false, public_ip_only: false, replacements: {} },
  );
  const step = createPiiStep({ ...DEFAULT_PII_OPTIONS, public_ip_only: true, phone: true, replacements: { phone: '[TEL]' } });
  const extra: ExtraCounters = {};
  const d = doc('LAN 192.168.1.1, WAN 8.8.8.8, Tel. +41 44 668 18 00');
  assert.deepEqual(step.apply(d, extra), KEEP_MODIFIED);
  assert.equal(d.text, 'LAN 192.168.1.1, WAN <ip-pii>, Tel. [TEL]');
  assert.deepEqual(extra, { pii_ip: 1, pii_phone: 1 });
  // An option passed as undefined (as a config layer may) keeps its default.
  const fromConfig = createPiiStep({ email: undefined, replacements: undefined });
  const e = doc('a@b.org');
  assert.deepEqual(fromConfig.apply(e, {}), KEEP_MODIFIED);
  assert.equal(e.text, '<email-pii>');
});
