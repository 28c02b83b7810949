// bench/rosenbrock.svg: the gradient's time per call against n for Rosenbrock's function,
// log-log, one line per variant, from the cases of the series `rosenbrock` in
// bench/results.json. Plain SVG written by hand: no plotting dependency.
import { time } from './report.mjs';

const LINES = [
  { key: 'tapeless', label: 'tapeless grad(f)', color: '#d62728', dash: '' },
  { key: 'handWritten', label: 'hand-written gradient', color: '#1f77b4', dash: '6 3' },
  { key: 'tfjs', label: 'TensorFlow.js tf.grads (CPU, float32)', color: '#ff7f0e', dash: '' },
  { key: 'jax', label: 'jax-js jit(grad) (wasm, float64)', color: '#2ca02c', dash: '' },
  { key: 'finiteDifference', label: 'central differences', color: '#9467bd', dash: '2 3' },
  { key: 'primal', label: 'primal f (no gradient)', color: '#7f7f7f', dash: '4 4' },
];

const [WIDTH, HEIGHT] = [800, 460];
const MARGIN = { left: 84, right: 270, top: 40, bottom: 50 };

export function rosenbrockPlot(results) {
  const points = Object.values(results.cases)
    .filter((result) => result.series?.name === 'rosenbrock')
    .sort((a, b) => a.series.n - b.series.n);
  const lines = LINES.map((line) => ({
    ...line,
    points: points.filter((result) => result.timings[line.key]).map((result) => [result.series.n, result.timings[line.key].nsPerCall]),
  })).filter((line) => line.points.length > 0);
  const all = lines.flatMap((line) => line.points);
  if (all.length === 0) return svg(['<text x="20" y="40">No Rosenbrock results yet: run npm run bench.</text>']);
  const [xLow, xHigh] = decades(all.map(([n]) => n));
  const [yLow, yHigh] = decades(all.map(([, ns]) => ns));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (n) => MARGIN.left + ((Math.log10(n) - xLow) / (xHigh - xLow)) * plotWidth;
  const y = (ns) => MARGIN.top + plotHeight - ((Math.log10(ns) - yLow) / (yHigh - yLow)) * plotHeight;
  const body = [
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">Rosenbrock's function in n dimensions: time per gradient call</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#444"/>`,
  ];
  for (let e = xLow; e <= xHigh; e++) {
    body.push(`<line x1="${x(10 ** e)}" y1="${MARGIN.top}" x2="${x(10 ** e)}" y2="${MARGIN.top + plotHeight}" stroke="#ddd"/>`);
    body.push(`<text x="${x(10 ** e)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">10<tspan dy="-6" font-size="9">${e}</tspan></text>`);
  }
  for (let e = yLow; e <= yHigh; e++) {
    body.push(`<line x1="${MARGIN.left}" y1="${y(10 ** e)}" x2="${MARGIN.left + plotWidth}" y2="${y(10 ** e)}" stroke="#ddd"/>`);
    body.push(`<text x="${MARGIN.left - 6}" y="${y(10 ** e) + 4}" text-anchor="end">${time(10 ** e)}</text>`);
  }
  body.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 10}" text-anchor="middle">n (dimensions of x), log scale</text>`);
  body.push(`<text transform="translate(14 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">time per call, log scale</text>`);
  lines.forEach((line, i) => {
    const path = line.points.map(([n, ns]) => `${x(n).toFixed(1)},${y(ns).toFixed(1)}`).join(' ');
    body.push(`<polyline points="${path}" fill="none" stroke="${line.color}" stroke-width="2" stroke-dasharray="${line.dash}"/>`);
    for (const [n, ns] of line.points)
      body.push(
        `<circle cx="${x(n).toFixed(1)}" cy="${y(ns).toFixed(1)}" r="3" fill="${line.color}"><title>${line.label}, n = ${n}: ${time(ns)}</title></circle>`,
      );
    const legendY = MARGIN.top + 10 + i * 20;
    const legendX = MARGIN.left + plotWidth + 14;
    body.push(
      `<line x1="${legendX}" y1="${legendY}" x2="${legendX + 24}" y2="${legendY}" stroke="${line.color}" stroke-width="2" stroke-dasharray="${line.dash}"/>`,
    );
    body.push(`<text x="${legendX + 30}" y="${legendY + 4}">${line.label}</text>`);
  });
  const date = points
    .map((result) => result.machine?.date)
    .sort()
    .at(-1);
  body.push(
    `<text x="${MARGIN.left + plotWidth + 14}" y="${HEIGHT - MARGIN.bottom}" font-size="10" fill="#666">npm run bench, ${date?.slice(0, 10) ?? ''}</text>`,
  );
  return svg(body);
}

/** The whole decades (powers of 10) that enclose `values`, as exponents. */
function decades(values) {
  return [Math.floor(Math.log10(Math.min(...values))), Math.ceil(Math.log10(Math.max(...values)))];
}

function svg(body) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    ...body.map((line) => `  ${line}`),
    '</svg>',
    '',
  ].join('\n');
}
