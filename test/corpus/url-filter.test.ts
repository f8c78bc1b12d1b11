import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Document } from '../../src/corpus/document.js';
import { createUrlFilterStep } from '../../src/corpus/steps/url-filter.js';
import { tempDir } from '../helpers/corpus.js';

const doc = (url?: string): Document => ({ id: 'x', text: 't', ...(url ? { url } : {}), metadata: {} });

test('url_filter matches the registered domain (public suffix list) and the full host', async () => {
  const dir = await tempDir('url-filter');
  const list = join(dir, 'domains.txt');
  await writeFile(list, '# adult\nbad-site.co.uk\nblog.mixed.org  # one subdomain only\n\n');
  const step = createUrlFilterStep({ domain_files: [list], url_substrings: ['/casino/'] });
  const verdict = (url?: string) => step.apply(doc(url), {});
  assert.deepEqual(verdict('https://news.bad-site.co.uk/a'), { keep: false, reason: 'url_domain_blocklisted', detail: 'bad-site.co.uk' });
  assert.deepEqual(verdict('https://BAD-SITE.co.uk/'), { keep: false, reason: 'url_domain_blocklisted', detail: 'bad-site.co.uk' });
  assert.deepEqual(verdict('https://blog.mixed.org/x'), { keep: false, reason: 'url_domain_blocklisted', detail: 'blog.mixed.org' });
  assert.equal(verdict('https://www.mixed.org/x').keep, true);
  // co.uk is a public suffix: another site under it is not blocked.
  assert.equal(verdict('https://good-site.co.uk/').keep, true);
  assert.deepEqual(verdict('https://ok.example/Casino/win'), { keep: false, reason: 'url_substring_blocklisted', detail: '/casino/' });
  assert.equal(verdict(undefined).keep, true);
  assert.equal(verdict('not a url').keep, true);
  const strict = createUrlFilterStep({ missing_url: 'remove' });
  assert.deepEqual(strict.apply(doc(undefined), {}), { keep: false, reason: 'url_missing' });
});
