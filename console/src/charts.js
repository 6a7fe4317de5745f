// Small SVG charts drawn from data (no library, no inline styles: colours come from classes in
// app.css). Every chart has a text alternative next to it or in its <title>.

import { html } from './ui.js';

/** A horizontal bar per row: `rows` = [{label, value, className, href}]. */
export function BarChart({ rows, label }) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  const rowHeight = 26;
  const labelWidth = 90;
  const width = 360;
  const barSpace = width - labelWidth - 50;
  return html`
    <svg class="chart" viewBox=${`0 0 ${width} ${rows.length * rowHeight}`} role="img" aria-label=${label}>
      <title>${label}: ${rows.map((row) => `${row.label} ${row.value}`).join(', ')}</title>
      ${rows.map((row, index) => {
        const y = index * rowHeight;
        const barWidth = Math.round((row.value / max) * barSpace);
        return html`<g>
          <text x="0" y=${y + 17} class="chart-label">${row.label}</text>
          <rect x=${labelWidth} y=${y + 5} width=${Math.max(barWidth, row.value > 0 ? 2 : 0)} height="16" rx="3" class=${row.className} />
          <text x=${labelWidth + barWidth + 6} y=${y + 17} class="chart-value">${row.value}</text>
        </g>`;
      })}
    </svg>`;
}

/** A score gauge: a bar filled to `score` percent (null = not scored). */
export function ScoreBar({ score, label }) {
  const filled = score === null || score === undefined ? 0 : Math.max(0, Math.min(100, score));
  return html`
    <svg class="score-bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label=${label}>
      <rect x="0" y="0" width="100" height="8" rx="4" class="score-track" />
      <rect x="0" y="0" width=${filled} height="8" rx="4" class=${filled >= 80 ? 'score-good' : filled >= 50 ? 'score-fair' : 'score-poor'} />
    </svg>`;
}

/** A line over time: `points` = [{at (ISO time), value}], oldest first. */
export function TrendChart({ points, label, unit }) {
  const width = 420;
  const height = 140;
  const padding = { left: 36, right: 12, top: 12, bottom: 26 };
  if (points.length === 0) return null;
  const values = points.map((point) => point.value);
  const top = Math.max(1, ...values);
  const innerWidth = width - padding.left - padding.right;
  const innerHeight = height - padding.top - padding.bottom;
  const x = (index) =>
    padding.left + (points.length === 1 ? innerWidth / 2 : (index / (points.length - 1)) * innerWidth);
  const y = (value) => padding.top + innerHeight - (value / top) * innerHeight;
  const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${x(index).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ');
  const first = new Date(points[0].at).toLocaleDateString();
  const last = new Date(points[points.length - 1].at).toLocaleDateString();
  return html`
    <svg class="chart trend" viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${label}>
      <title>${label}: ${points.map((point) => `${new Date(point.at).toLocaleString()} ${point.value} ${unit}`).join('; ')}</title>
      <line x1=${padding.left} y1=${padding.top + innerHeight} x2=${width - padding.right} y2=${padding.top + innerHeight} class="axis" />
      <line x1=${padding.left} y1=${padding.top} x2=${padding.left} y2=${padding.top + innerHeight} class="axis" />
      <text x=${padding.left - 6} y=${padding.top + 4} class="chart-value" text-anchor="end">${top}</text>
      <text x=${padding.left - 6} y=${padding.top + innerHeight} class="chart-value" text-anchor="end">0</text>
      <path d=${path} class="trend-line" />
      ${points.map((point, index) => html`<circle cx=${x(index)} cy=${y(point.value)} r="3.5" class="trend-point"><title>${new Date(point.at).toLocaleString()}: ${point.value} ${unit}</title></circle>`)}
      <text x=${padding.left} y=${height - 6} class="chart-label">${first}</text>
      <text x=${width - padding.right} y=${height - 6} class="chart-label" text-anchor="end">${last}</text>
    </svg>`;
}
