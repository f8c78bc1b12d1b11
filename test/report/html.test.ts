// The HTML report opens offline in headless Chromium, draws every chart and logs no errors; its
// text is escaped. A screenshot goes to artifacts/ (kept by CI).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { barChart, heatmap, lineChart } from '../../src/report/charts.js';
import { renderHtml, writeReport, type Report } from '../../src/report/html.js';
import { checkReport, launchChromium } from '../helpers/browser.js';
import { tempDir } from '../helpers/corpus.js';

const REPORT: Report = {
  title: 'A <test> report',
  subtitle: 'three charts, a table and examples',
  sections: [
    { id: 'data', title: 'Data', blocks: [
      { kind: 'text', text: 'First paragraph with <b>markup</b> that must stay text.\n\nSecond.' },
      { kind: 'table', columns: ['step', 'removed'], rows: [['robots', 21], ['toxicity', 0.5]] },
      { kind: 'chart', option: barChart('Removed per step', ['robots', 'pii'], [{ name: 'documents', values: [21, 3] }]) },
      { kind: 'examples', items: [{ label: 'robots: robots_disallowed', text: 'https://example.com/a </script><script>alert(1)</script>' }] },
    ] },
    { id: 'training', title: 'Training', blocks: [
      { kind: 'chart', option: lineChart('Loss', [{ name: 'train', points: [[1, 5], [2, 4]] }]) },
      { kind: 'chart', option: heatmap('W', [[1, 0], [0, 1]], ['a', 'b']) },
      { kind: 'code', text: 'apertus demo --out runs/demo' },
    ] },
  ],
};

test('the report escapes its text and inlines charts as data', () => {
  const html = renderHtml(REPORT, '/* echarts */');
  assert.match(html, /&lt;b&gt;markup&lt;\/b&gt;/);
  assert.doesNotMatch(html, /<script>alert/);
  assert.equal(html.match(/class="chart"/g)?.length, 3);
  assert.match(html, /<title>A &lt;test&gt; report<\/title>/);
});

test('in headless Chromium every chart renders and nothing is logged as an error', async () => {
  const browser = await launchChromium();
  assert.ok(browser, 'Chromium is needed for this test (Debian package chromium)');
  try {
    const dir = await tempDir('report');
    const file = join(dir, 'report.html');
    await writeReport(file, REPORT);
    const artifacts = resolve('artifacts');
    await mkdir(artifacts, { recursive: true });
    const check = await checkReport(browser, file, join(artifacts, 'report-test.png'));
    assert.deepEqual(check.errors, []);
    assert.deepEqual(check.logged, []);
    assert.equal(check.charts, 3);
    assert.equal(check.rendered, 3);
    assert.equal(check.drawn, 3);
  } finally {
    await browser.close();
  }
});
