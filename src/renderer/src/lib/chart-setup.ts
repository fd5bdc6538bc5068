/**
 * chart.js with only what the workbench draws: line charts on linear / log / category scales, a filled
 * band, legend, tooltip and the decimation plugin. No animation (live charts redraw often).
 */
import {
  CategoryScale,
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
} from 'chart.js';
import { fmt } from './format';
import type { ChartLine } from './series';

let registered = false;

export function setupCharts(): typeof Chart {
  if (!registered) {
    Chart.register(
      LineController,
      LineElement,
      PointElement,
      LinearScale,
      LogarithmicScale,
      CategoryScale,
      Filler,
      Legend,
      Tooltip,
      Decimation,
    );
    const css = getComputedStyle(document.documentElement);
    const text = css.getPropertyValue('--muted').trim();
    const grid = css.getPropertyValue('--grid').trim();
    if (text) Chart.defaults.color = text;
    if (grid) Chart.defaults.borderColor = grid;
    registered = true;
  }
  return Chart;
}

function translucent(color: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}33` : color;
}

export function lineDataset(line: ChartLine): ChartDataset<'line', { x: number; y: number }[]> {
  return {
    label: line.label,
    data: line.points as { x: number; y: number }[],
    borderColor: line.band ? 'transparent' : line.color,
    backgroundColor: line.band ? translucent(line.color) : line.color,
    borderWidth: line.band ? 0 : 1.5,
    borderDash: line.dashed ? [5, 4] : [],
    pointRadius: 0,
    pointHoverRadius: 3,
    fill: line.fillToNext ? '+1' : false,
    spanGaps: false,
    parsing: false,
    normalized: true,
  };
}

export interface LineChartOptions {
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly logY?: boolean;
}

export function lineConfig(
  lines: readonly ChartLine[],
  opts: LineChartOptions,
): ChartConfiguration<'line', { x: number; y: number }[]> {
  return {
    type: 'line',
    data: { datasets: lines.map(lineDataset) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          ticks: { precision: 0 },
          title: { display: !!opts.xTitle, text: opts.xTitle ?? '' },
        },
        y: {
          type: opts.logY ? 'logarithmic' : 'linear',
          title: { display: !!opts.yTitle, text: opts.yTitle ?? '' },
          ...(opts.logY ? { ticks: { callback: (v: string | number) => fmt(Number(v), 2) } } : {}),
        },
      },
      plugins: {
        decimation: { enabled: true, algorithm: 'lttb', samples: 400, threshold: 800 },
        legend: {
          display: lines.filter((l) => !l.band).length > 1,
          labels: { boxWidth: 12, filter: (item) => !item.text.endsWith('std') },
        },
        tooltip: { enabled: true },
      },
    },
  };
}
