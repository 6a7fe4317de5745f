// Shared pieces of every page: the `html` template tag (htm over Preact, which escapes every
// interpolated value: no page ever sets innerHTML), data loading, errors, badges, formatting.

import { h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

/**
 * Runs `load(signal)` when `keys` change; `{data, error, loading, reload}`. A newer load aborts
 * the older one, so a slow answer never overwrites a newer one.
 */
export function useLoad(load, keys) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true, error: null }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error) => {
        if (!controller.signal.aborted && error.name !== 'AbortError') {
          setState({ data: null, error, loading: false });
        }
      },
    );
    return () => controller.abort();
  }, [...keys, generation]);
  return { ...state, reload };
}

export function Loading({ what = 'Loading' }) {
  return html`<p class="muted" role="status">${what}…</p>`;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="error-box" role="alert">
    <strong>${error.code ?? 'Error'}</strong>: ${error.message}
    ${error.details ? html`<pre>${JSON.stringify(error.details, null, 2)}</pre>` : null}
  </div>`;
}

/** Shows loading and error states; renders `children(data)` once loaded. */
export function Loaded({ state, children, what }) {
  if (state.error) return html`<${ErrorBox} error=${state.error} />`;
  if (state.data === null) return html`<${Loading} what=${what} />`;
  return children(state.data);
}

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

export function SeverityBadge({ severity }) {
  const value = String(severity ?? '').toLowerCase();
  return html`<span class=${`badge severity-${value}`}>${value}</span>`;
}

/** PASS / FAIL / MANUAL / NOT_APPLICABLE, job and report statuses, finding statuses. */
export function StatusBadge({ status }) {
  const value = String(status ?? 'unknown');
  const key = value.toLowerCase().replace(/[^a-z_]/g, '');
  return html`<span class=${`badge status-${key}`}>${value.replace(/_/g, ' ')}</span>`;
}

/** `1 node matches`, `3 nodes match`. */
export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

export function formatScore(score) {
  if (score === null || score === undefined) return 'n/a';
  return `${Math.round(score * 10) / 10}%`;
}

/** A control's score, a fraction (0–1) of passing resources, as a percentage. */
export function formatFraction(fraction) {
  if (fraction === null || fraction === undefined) return 'n/a';
  return `${Math.round(fraction * 1000) / 10}%`;
}

export function formatTime(value) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function Time({ value }) {
  return html`<time datetime=${value ?? ''}>${formatTime(value)}</time>`;
}

/** The short tail of a node id (`aws:us-east-1:aws.ec2.instance:i-0abc` → `i-0abc`). */
export function shortId(nodeId) {
  const text = String(nodeId ?? '');
  const index = text.lastIndexOf(':');
  return index >= 0 ? text.slice(index + 1) : text;
}

/** The node type inside a node id. */
export function typeOfId(nodeId) {
  const parts = String(nodeId ?? '').split(':');
  return parts.length >= 4 ? parts[2] : '';
}

/** A JSON value as readable text (for `matched` rules, properties, evidence). */
export function JsonBlock({ value, label }) {
  return html`<pre class="json" aria-label=${label}>${JSON.stringify(value, null, 2)}</pre>`;
}

// The first page after a load keeps the browser's own focus (Tab reaches the skip link first).
let firstHeading = true;

/** Moves focus to the page heading after navigation, so screen readers announce the page. */
export function useFocusHeading(keys) {
  const ref = useRef(null);
  useEffect(() => {
    if (firstHeading) {
      firstHeading = false;
      return;
    }
    ref.current?.focus({ preventScroll: false });
  }, keys);
  return ref;
}

export function PageHeading({ children, keys }) {
  const ref = useFocusHeading(keys ?? []);
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`;
}

function describeValue(value, nested) {
  if (value === null || value === undefined || value === '') return '';
  if (Array.isArray(value)) {
    const items = value.map((item) => describeValue(item, true)).filter(Boolean);
    return items.every((item) => !item.includes(':')) ? `[${items.join(', ')}]` : items.join('; ');
  }
  if (typeof value === 'object') {
    const parts = Object.entries(value)
      .map(([key, inner]) => [key, describeValue(inner, true)])
      .filter(([, shown]) => shown !== '')
      .map(([key, shown]) => `${key.replace(/_/g, ' ')}: ${shown}`);
    return nested ? `(${parts.join(', ')})` : parts.join(' · ');
  }
  return String(value);
}

/** `matched` of a hop (SG rule, NACL entry, route) as one readable line. */
export function describeMatched(matched) {
  return describeValue(matched, false);
}
