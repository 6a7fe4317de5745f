// One job: its state, live progress from the event stream (GET …/jobs/{id}/events, read with
// fetch so the token stays in a header), and once it ends, the diff it made.

import { useEffect, useState } from 'preact/hooks';
import { api, canWrite, readEventStream, tenantPath } from '../api.js';
import { nodeHref } from '../router.js';
import {
  ErrorBox, JsonBlock, Loaded, PageHeading, StatusBadge, Time, html, shortId, useLoad,
} from '../ui.js';

const TERMINAL = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'];

function Diff({ jobId }) {
  const state = useLoad((signal) => api(tenantPath(`/jobs/${encodeURIComponent(jobId)}/diff`), { signal }), [jobId]);
  return html`
    <section class="card" aria-labelledby="diff-title">
      <h2 id="diff-title">What changed</h2>
      <${Loaded} state=${state} what="Loading the diff">${({ data }) => html`
        <table class="compact" data-testid="job-diff">
          <thead><tr><th scope="col"></th><th scope="col">Nodes</th><th scope="col">Edges</th></tr></thead>
          <tbody>${['added', 'changed', 'removed'].map((change) => html`<tr>
            <th scope="row">${change}</th>
            <td data-change=${change}>${data.diff[change].nodes.length}</td>
            <td>${data.diff[change].edges.length}</td>
          </tr>`)}</tbody>
        </table>
        ${['added', 'changed', 'removed'].map((change) => data.diff[change].nodes.length ? html`
          <details><summary>${change} nodes (${data.diff[change].nodes.length})</summary>
            <ul class="plain-list columns">${data.diff[change].nodes.map((id) => html`<li>${change === 'removed'
              ? html`<span title=${id}>${shortId(id)}</span>` : html`<a href=${nodeHref(id)} title=${id}>${shortId(id)}</a>`}</li>`)}</ul>
          </details>` : null)}`}
      </${Loaded}>
    </section>`;
}

function LiveJob({ initial }) {
  const [job, setJob] = useState(initial);
  const [events, setEvents] = useState(0);
  const [streamError, setStreamError] = useState(null);
  const [cancelError, setCancelError] = useState(null);
  const finished = TERMINAL.includes(job.status);

  useEffect(() => {
    if (TERMINAL.includes(initial.status)) return undefined;
    const controller = new AbortController();
    readEventStream(tenantPath(`/jobs/${encodeURIComponent(initial.id)}/events`), ({ event, data }) => {
      if (data && typeof data === 'object') {
        setJob((previous) => ({ ...previous, ...data }));
        setEvents((count) => count + 1);
      }
      // The events carry the state, not the timestamps: read the finished job once.
      if (event === 'done') {
        api(tenantPath(`/jobs/${encodeURIComponent(initial.id)}`), { signal: controller.signal })
          .then(({ data: finishedJob }) => setJob(finishedJob), () => {});
      }
    }, controller.signal).catch((error) => {
      if (error.name !== 'AbortError') setStreamError(error);
    });
    return () => controller.abort();
  }, [initial.id]);

  async function cancel() {
    try {
      await api(tenantPath(`/jobs/${encodeURIComponent(job.id)}/cancel`), { method: 'POST', body: {} });
    } catch (error) {
      setCancelError(error);
    }
  }

  const progress = job.progress ?? {};
  return html`
    <section class="card" aria-labelledby="state-title">
      <h2 id="state-title">State</h2>
      <p aria-live="polite" data-testid="job-status">Status: <${StatusBadge} status=${job.status} />
        ${finished ? null : html`<span class="spinner" aria-hidden="true"></span> live (${events} updates)`}</p>
      <dl class="facts">
        <dt>Kind</dt><dd>${job.kind}${job.provider ? ` (${job.provider})` : ''}</dd>
        <dt>Created</dt><dd><${Time} value=${job.created_at} /></dd>
        <dt>Finished</dt><dd data-testid="job-finished"><${Time} value=${job.finished_at} /></dd>
        <dt>Progress</dt><dd data-testid="job-progress">${progress.last_event ?? 'waiting for a worker'}
          ${progress.scopes_finished !== undefined ? ` · ${progress.scopes_finished} scopes finished, ${progress.pages_fetched ?? 0} pages, ${progress.items_fetched ?? 0} items` : ''}</dd>
      </dl>
      ${Array.isArray(job.scopes) && job.scopes.length ? html`<table class="compact">
        <caption>Scopes</caption>
        <thead><tr><th scope="col">Provider</th><th scope="col">Account</th><th scope="col">Region</th><th scope="col">Status</th><th scope="col">Nodes</th><th scope="col">Gaps / error</th></tr></thead>
        <tbody>${job.scopes.map((scope) => html`<tr>
          <td>${scope.provider}</td><td>${scope.account}</td><td>${scope.region}</td>
          <td><${StatusBadge} status=${scope.status} /></td><td>${scope.nodes}</td>
          <td>${scope.error ?? (scope.gaps ?? []).map((gap) => (typeof gap === 'string' ? gap : JSON.stringify(gap))).join('; ')}</td>
        </tr>`)}</tbody></table>` : null}
      ${Array.isArray(job.errors) && job.errors.length ? html`<div class="error-box" role="alert"><strong>Errors</strong><ul>${job.errors.map((error) => html`<li>${typeof error === 'string' ? error : JSON.stringify(error)}</li>`)}</ul></div>` : null}
      <details><summary>Counts</summary><${JsonBlock} value=${job.counts} label="Counts" /></details>
      ${!finished && canWrite() ? html`<button type="button" class="secondary" onClick=${cancel}>Cancel job</button>` : null}
      <${ErrorBox} error=${streamError ?? cancelError} />
    </section>
    ${finished && job.kind === 'discovery' ? html`<${Diff} jobId=${job.id} />` : null}`;
}

export function JobPage({ jobId }) {
  const state = useLoad((signal) => api(tenantPath(`/jobs/${encodeURIComponent(jobId)}`), { signal }), [jobId]);
  return html`
    <${PageHeading} keys=${[jobId]}>Job <code>${jobId.slice(0, 8)}</code></${PageHeading}>
    <p><a href="/jobs">All jobs</a></p>
    <${Loaded} state=${state} what="Loading the job">${({ data }) => html`<${LiveJob} initial=${data} />`}</${Loaded}>`;
}
