/**
 * Charts, drawn by Apache ECharts: as SVG files rendered here in Node (server-side rendering, no
 * DOM), or as options an HTML page renders with the ECharts bundle inlined. One chart vocabulary
 * for experiment plots and the report: build an ECharts option, then `renderSvg(option)`.
 */
import { init, type EChartsOption } from 'echarts';
import { writeFileAtomic } from '../util/fs.js';

export type { EChartsOption } from 'echarts';

export interface SvgSize {
  width?: number;
  height?: number;
}

/** The chart as a standalone SVG document (no animation, white background). */
export function renderSvg(option: EChartsOption, size: SvgSize = {}): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: size.width ?? 640, height: size.height ?? 400 });
  try {
    chart.setOption({ animation: false, backgroundColor: '#fff', ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export async function writeSvg(file: string, option: EChartsOption, size: SvgSize = {}): Promise<void> {
  await writeFileAtomic(file, renderSvg(option, size));
}

export interface Series {
  name: string;
  /** y per x category (same length as the categories), null for a gap */
  values: (number | null)[];
}

/** Bars over categories, grouped (e.g. memorization by repetition count, one bar per model) or
 * stacked (e.g. removals per step, one segment per reason). Long category lists are rotated. */
export function barChart(title: string, categories: readonly string[], series: readonly Series[],
  axes: { x?: string; y?: string; yMax?: number; stack?: boolean } = {}): EChartsOption {
  const rotate = categories.length > 8 || categories.some((c) => c.length > 14);
  const legendRows = Math.ceil(series.reduce((n, s) => n + s.name.length + 6, 0) / 140);
  return {
    title: { text: title, left: 'center' },
    legend: { top: 28, type: legendRows > 3 ? 'scroll' : 'plain' },
    grid: { top: 60 + 22 * Math.min(legendRows, 3), left: 60, right: 20, bottom: rotate ? 110 : 50 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: [...categories], name: rotate ? undefined : axes.x, nameLocation: 'middle', nameGap: 30,
      axisLabel: { interval: 0, rotate: rotate ? 35 : 0 } },
    yAxis: { type: 'value', name: axes.y, max: axes.yMax },
    series: series.map((s) => ({ type: 'bar', name: s.name, data: s.values, ...(axes.stack ? { stack: 'total' } : {}) })),
  };
}

/** Lines over a numeric x (e.g. loss by step), one per series of [x, y] points. */
export function lineChart(title: string, series: readonly { name: string; points: readonly [number, number][] }[],
  axes: { x?: string; y?: string; logY?: boolean } = {}): EChartsOption {
  return {
    title: { text: title, left: 'center' },
    legend: { top: 28 },
    grid: { top: 70, left: 60, right: 20, bottom: 50 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: axes.x, nameLocation: 'middle', nameGap: 30, min: 'dataMin', max: 'dataMax' },
    yAxis: { type: axes.logY ? 'log' : 'value', name: axes.y, scale: true },
    series: series.map((s) => ({ type: 'line', name: s.name, showSymbol: false, data: s.points.map((p) => [...p]) })),
  };
}

/** A matrix as a heatmap (e.g. CoBo's collaboration weights W), values in [min, max]. */
export function heatmap(title: string, matrix: readonly (readonly number[])[], labels: readonly string[],
  range: { min?: number; max?: number } = {}): EChartsOption {
  const data = matrix.flatMap((row, i) => row.map((v, j) => [j, i, v]));
  return {
    title: { text: title, left: 'center' },
    grid: { top: 50, left: 60, right: 20, bottom: 80 },
    tooltip: {},
    xAxis: { type: 'category', data: [...labels], splitArea: { show: true } },
    yAxis: { type: 'category', data: [...labels], inverse: true, splitArea: { show: true } },
    visualMap: { min: range.min ?? 0, max: range.max ?? 1, calculable: false, orient: 'horizontal', left: 'center', bottom: 10 },
    series: [{ type: 'heatmap', data }],
  };
}
