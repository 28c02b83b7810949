// The run panel's charts (Chart.js): curves over the domain, lines by step, x–y paths.
import { CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, Tooltip } from 'chart.js';
import type { RunResult, Series } from './protocol';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Legend, Tooltip);

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

/** One chart per kind of export, shown where the run produced that kind. */
export function createPlots(figures: Record<'curves' | 'steps' | 'paths', HTMLCanvasElement>): (result: RunResult) => void {
  const charts = new Map<HTMLCanvasElement, Chart>();
  const draw = (canvas: HTMLCanvasElement, series: readonly Series[], x: string, logY: boolean) => {
    charts.get(canvas)?.destroy();
    charts.delete(canvas);
    canvas.parentElement!.hidden = series.length === 0;
    canvas.dataset.series = series.map(({ name }) => name).join(',');
    canvas.dataset.points = String(series.reduce((count, { points }) => count + points.length, 0));
    if (series.length === 0) return;
    const datasets = series.map(({ name, points }, i) => ({
      label: name,
      data: points.map(([px, py]) => ({ x: px, y: py })),
      borderColor: COLORS[i % COLORS.length],
      backgroundColor: COLORS[i % COLORS.length],
      borderWidth: 1.5,
      // A few points (a Newton path, a marked minimum) are drawn as dots too.
      pointRadius: points.length <= 40 ? 3 : 0,
      spanGaps: false,
    }));
    const chart = new Chart(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          // A path's ends (a start, a minimum) should not sit on the frame.
          x: { type: 'linear', title: { display: true, text: x }, grace: canvas === figures.paths ? '4%' : 0 },
          y: logY ? { type: 'logarithmic', ticks: { callback: powerOfTen } } : { type: 'linear', grace: '4%' },
        },
        plugins: { legend: { labels: { boxWidth: 12 } } },
      },
    });
    charts.set(canvas, chart);
  };
  return (result) => {
    draw(figures.curves, result.curves, 'x', false);
    const logY = spansDecades(result.steps);
    // On a log axis a loss that reached 0 ends the line there.
    const steps = logY
      ? result.steps.map(({ name, points }) => ({ name, points: points.map(([x, y]): [number, number | null] => [x, y !== null && y > 0 ? y : null]) }))
      : result.steps;
    draw(figures.steps, steps, 'step', logY);
    draw(figures.paths, result.paths, 'x', false);
  };
}

/** A loss falling over decades (to 0, possibly) reads best on a log scale. */
function spansDecades(series: readonly Series[]): boolean {
  const values = series.flatMap(({ points }) => points.map(([, y]) => y)).filter((y): y is number => y !== null);
  const positive = values.filter((y) => y > 0);
  return positive.length > 1 && values.every((y) => y >= 0) && Math.max(...positive) / Math.min(...positive) > 100;
}

/** A log axis labels its powers of ten only, as 1e-6. */
function powerOfTen(value: number | string): string {
  const exponent = Math.log10(Number(value));
  return Math.abs(exponent - Math.round(exponent)) < 1e-9 ? `1e${Math.round(exponent)}` : '';
}
