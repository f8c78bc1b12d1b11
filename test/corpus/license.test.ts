import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document } from '../../src/corpus/document.js';
import { createLicenseStep, licenseChecker, PERMISSIVE_LICENSES } from '../../src/corpus/steps/license.js';
import type { Verdict } from '../../src/corpus/step.js';

const doc = (metadata: Record<string, unknown>): Document => ({ id: 'x', text: 'int main() {}', metadata });
const verdict = (license: unknown, options: Parameters<typeof createLicenseStep>[0] = {}): Verdict =>
  createLicenseStep(options).apply(doc(license === undefined ? {} : { license }), {});

describe('SPDX expressions', () => {
  const allowed = licenseChecker(PERMISSIVE_LICENSES);

  it('accepts allowed identifiers, case-insensitively', () => {
    for (const id of ['MIT', 'Apache-2.0', 'apache-2.0', 'BSD-3-Clause', 'bsd-2-clause', 'ISC', 'Unlicense', 'CC0-1.0', '0BSD', 'Zlib', 'BSL-1.0', 'MIT-0', 'CC-BY-4.0', 'PSF-2.0']) {
      assert.ok(allowed(id), id);
    }
    for (const id of ['GPL-3.0-only', 'AGPL-3.0', 'LGPL-2.1-or-later', 'CC-BY-NC-4.0', 'LicenseRef-Proprietary', 'other']) assert.ok(!allowed(id), id);
  });

  it('keeps an expression that allowed licences can satisfy', () => {
    assert.ok(allowed('MIT OR Apache-2.0'));
    assert.ok(allowed('GPL-3.0-only OR MIT'));
    assert.ok(allowed('MIT AND Zlib'));
    assert.ok(!allowed('MIT AND GPL-3.0-only'));
    assert.ok(allowed('(MIT AND Zlib) OR GPL-2.0'));
    assert.ok(!allowed('(MIT OR GPL-2.0) AND AGPL-3.0'));
    assert.ok(allowed('Apache-2.0 WITH LLVM-exception'));
    assert.ok(!allowed('GPL-2.0-only WITH Classpath-exception-2.0'));
    assert.ok(allowed('mit or apache-2.0'));
    assert.ok(allowed('MIT/Apache-2.0'));
  });

  it('binds AND tighter than OR', () => {
    // GPL OR (MIT AND Zlib): satisfiable; (GPL OR MIT) AND AGPL would not be.
    assert.ok(allowed('GPL-2.0 OR MIT AND Zlib'));
    assert.ok(!allowed('MIT AND GPL-2.0 OR AGPL-3.0'));
  });

  it('reads X+ as "X or later"', () => {
    assert.ok(licenseChecker(['LGPL-2.1'])('LGPL-2.1+'));
    assert.ok(!allowed('GPL-2.0+'));
  });

  it('refuses what does not parse', () => {
    for (const bad of ['MIT OR', '(MIT', 'MIT)', 'AND MIT', 'MIT Apache-2.0', 'MIT WITH', 'MIT, Apache-2.0', '()']) assert.ok(!allowed(bad), bad);
  });
});

describe('license step', () => {
  it('keeps permissive licences and says which licence was refused', () => {
    assert.deepEqual(verdict('MIT'), { keep: true });
    assert.deepEqual(verdict('GPL-3.0-only'), { keep: false, reason: 'license_not_allowed', detail: 'GPL-3.0-only' });
  });

  it('requires every licence of an array', () => {
    assert.deepEqual(verdict(['MIT', 'Apache-2.0']), { keep: true });
    assert.deepEqual(verdict(['MIT', 'GPL-2.0']), { keep: false, reason: 'license_not_allowed', detail: 'GPL-2.0' });
    assert.deepEqual(verdict(['MIT', null, '']), { keep: true });
  });

  it('treats absent, empty, NONE and NOASSERTION as missing: removed by default, kept on request', () => {
    for (const missing of [undefined, null, '', '  ', [], 'NONE', 'NOASSERTION']) {
      assert.deepEqual(verdict(missing), { keep: false, reason: 'license_missing' }, String(missing));
      assert.deepEqual(verdict(missing, { missing: 'keep' }), { keep: true });
    }
  });

  it('refuses a value that is not a licence expression', () => {
    assert.equal((verdict({ spdx: 'MIT' }) as { reason: string }).reason, 'license_not_allowed');
    assert.equal((verdict(42) as { reason: string }).reason, 'license_not_allowed');
  });

  it('reads another field, also a dotted path, and a custom allowlist', () => {
    const step = createLicenseStep({ field: 'repo.licenses', allow: ['GPL-3.0-only'] });
    assert.deepEqual(step.apply(doc({ repo: { licenses: ['GPL-3.0-only'] } }), {}), { keep: true });
    assert.equal(step.apply(doc({ repo: { licenses: ['MIT'] } }), {}).keep, false);
    const flat = createLicenseStep({ field: 'max_stars_repo_licenses' });
    assert.deepEqual(flat.apply(doc({ max_stars_repo_licenses: ['MIT'] }), {}), { keep: true });
  });

  it('validates its options', () => {
    assert.throws(() => createLicenseStep({ allow: [] }), /license: allow: /);
    assert.throws(() => createLicenseStep({ missing: 'maybe' as 'keep' }), /license: missing: /);
  });
});
