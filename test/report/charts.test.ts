// Charts render to SVG in Node with the data in them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChart, heatmap, lineChart, renderSvg } from '../../src/report/charts.js';

test('bar, line and heatmap charts render to SVG documents that show their titles and categories', () => {
  const bar = renderSvg(barChart('Memorization', ['1', '4', '16'], [{ name: 'standard', values: [0.1, 0.5, 0.9] }, { name: 'goldfish', values: [0, 0, null] }]));
  assert.match(bar, /^<svg[^>]*width="640"/);
  assert.match(bar, /Memorization/);
  assert.match(bar, />16</);
  assert.match(bar, />goldfish</);
  const line = renderSvg(lineChart('Loss', [{ name: 'train', points: [[1, 5], [2, 4], [3, 3.5]] }], { x: 'step' }), { width: 300, height: 200 });
  assert.match(line, /^<svg[^>]*width="300" height="200"/);
  assert.match(line, /<path[^>]*d="M/);
  const heat = renderSvg(heatmap('W', [[1, 0.2], [0.2, 1]], ['c0', 'c1']));
  assert.match(heat, />c1</);
});
