/**
 * A self-contained HTML report: one file that opens offline, with the ECharts bundle inlined and
 * every chart drawn from its option in the browser. A report is data (sections of blocks: text,
 * tables, charts, code), so what the demo found and how the page looks stay apart.
 *
 * For checks, the page sets `window.apertusReport = {charts, rendered, errors}` once every chart
 * has rendered (or failed, with the message).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { writeFileAtomic } from '../util/fs.js';
import type { EChartsOption } from './charts.js';

export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'table'; columns: string[]; rows: (string | number)[][]; caption?: string }
  | { kind: 'chart'; option: EChartsOption; height?: number; caption?: string }
  | { kind: 'code'; text: string; caption?: string }
  /** removed-document examples and similar: a label, then preformatted lines */
  | { kind: 'examples'; items: { label: string; text: string }[]; caption?: string };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface Report {
  title: string;
  subtitle?: string;
  sections: Section[];
}

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const cell = (value: string | number): string =>
  typeof value === 'number' ? `<td class="num">${Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(4)}</td>` : `<td>${escape(value)}</td>`;

function renderBlock(block: Block, charts: EChartsOption[]): string {
  const caption = 'caption' in block && block.caption ? `<p class="caption">${escape(block.caption)}</p>` : '';
  switch (block.kind) {
    case 'text':
      return block.text.split(/\n{2,}/).map((p) => `<p>${escape(p)}</p>`).join('\n');
    case 'table':
      return `<table><thead><tr>${block.columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr></thead><tbody>` +
        `${block.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n')}</tbody></table>${caption}`;
    case 'chart':
      charts.push(block.option);
      return `<div class="chart" data-chart="${charts.length - 1}" style="height:${block.height ?? 360}px"></div>${caption}`;
    case 'code':
      return `<pre><code>${escape(block.text)}</code></pre>${caption}`;
    case 'examples':
      return `<div class="examples">${block.items.map((i) => `<details><summary>${escape(i.label)}</summary><pre>${escape(i.text)}</pre></details>`).join('\n')}</div>${caption}`;
  }
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:24px 40px}header h1{margin:0 0 4px;font-size:26px}header p{margin:0;opacity:.8}
nav{padding:10px 40px;background:#fff;border-bottom:1px solid #dde1e7;position:sticky;top:0}nav a{margin-right:18px;color:#2451b3;text-decoration:none}
main{max-width:1100px;margin:0 auto;padding:10px 40px 60px}section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:8px 24px 20px;margin:22px 0}
h2{border-bottom:2px solid #eef0f4;padding-bottom:6px}table{border-collapse:collapse;margin:10px 0;font-size:14px}th,td{border-bottom:1px solid #e6e8ec;padding:4px 10px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f1f3f6}.chart{width:100%;margin:12px 0}.caption{color:#5a6272;font-size:13px;margin-top:2px}
pre{background:#f4f5f7;padding:10px;overflow:auto;font-size:13px;border-radius:4px;white-space:pre-wrap}details{margin:4px 0}summary{cursor:pointer;color:#2451b3}`;

/** The report as one HTML document (the ECharts bundle `echarts` inlined). */
export function renderHtml(report: Report, echarts: string): string {
  const charts: EChartsOption[] = [];
  const sections = report.sections.map((s) =>
    `<section id="${escape(s.id)}"><h2>${escape(s.title)}</h2>\n${s.blocks.map((b) => renderBlock(b, charts)).join('\n')}</section>`).join('\n');
  // JSON inside <script>: "<" escaped so no "</script>" can end it early
  const options = JSON.stringify(charts).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(report.title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escape(report.title)}</h1>${report.subtitle ? `<p>${escape(report.subtitle)}</p>` : ''}</header>
<nav>${report.sections.map((s) => `<a href="#${escape(s.id)}">${escape(s.title)}</a>`).join('')}</nav>
<main>
${sections}
</main>
<script>${echarts.replace(/<\/script/gi, '<\\/script')}</script>
<script>
(function () {
  var options = ${options}, state = { charts: options.length, rendered: 0, errors: [] };
  document.querySelectorAll('.chart').forEach(function (el) {
    try {
      var chart = echarts.init(el, null, { renderer: 'svg' });
      chart.setOption(Object.assign({ animation: false }, options[Number(el.dataset.chart)]));
      window.addEventListener('resize', function () { chart.resize(); });
      state.rendered++;
    } catch (err) {
      state.errors.push(String(err && err.message || err));
      console.error('chart ' + el.dataset.chart + ': ' + err);
    }
  });
  window.apertusReport = state;
})();
</script>
</body></html>
`;
}

let bundle: string | undefined;

/** The ECharts browser bundle shipped by the npm package. */
export async function echartsBundle(): Promise<string> {
  bundle ??= await readFile(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'), 'utf8');
  return bundle;
}

export async function writeReport(file: string, report: Report): Promise<void> {
  await writeFileAtomic(file, renderHtml(report, await echartsBundle()));
}
