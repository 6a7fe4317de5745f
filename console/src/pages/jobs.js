// Jobs: the tenant's discovery, evaluation and report jobs, and (for roles that may) a form that
// starts a discovery; the new job opens on its own page with live progress.

import { useState } from 'preact/hooks';
import { api, canWrite, query, tenantPath } from '../api.js';
import { navigate } from '../router.js';
import { ErrorBox, Loaded, PageHeading, StatusBadge, Time, html, useLoad } from '../ui.js';

const TEMPLATES = {
  fixture: '{"sample": true}',
  aws: '{"regions": ["us-east-1"]}',
};

function StartDiscovery() {
  const [provider, setProvider] = useState('fixture');
  const [config, setConfig] = useState(TEMPLATES.fixture);
  const [state, setState] = useState({ busy: false, error: null });

  async function start(event) {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(config);
    } catch (error) {
      setState({ busy: false, error: { code: 'BAD_REQUEST', message: `The configuration is not JSON: ${error.message}` } });
      return;
    }
    setState({ busy: true, error: null });
    try {
      const { data } = await api(tenantPath('/jobs'), { method: 'POST', body: { provider, config: parsed, start: true } });
      navigate(`/jobs/${encodeURIComponent(data.id)}`);
    } catch (error) {
      setState({ busy: false, error });
    }
  }

  return html`
    <form class="card" onSubmit=${start} aria-labelledby="start-title" data-testid="start-discovery">
      <h2 id="start-title">Start a discovery</h2>
      <div class="grid-2">
        <div>
          <label for="d-provider">Provider</label>
          <select id="d-provider" value=${provider} onChange=${(event) => { const next = event.currentTarget.value; setProvider(next); setConfig(TEMPLATES[next]); }}>
            <option value="fixture">fixture (inventory file or the sample estate)</option>
            <option value="aws">aws</option>
          </select>
        </div>
        <div>
          <label for="d-config">Configuration (JSON)</label>
          <textarea id="d-config" rows="3" spellcheck="false" value=${config} onInput=${(event) => setConfig(event.currentTarget.value)}></textarea>
        </div>
      </div>
      <button type="submit" disabled=${state.busy}>Start discovery</button>
      <${ErrorBox} error=${state.error} />
    </form>`;
}

function summariseCounts(job) {
  const counts = job.counts ?? {};
  if (job.kind === 'discovery' && 'nodes_seen' in counts) {
    return `${counts.nodes_seen} nodes (+${counts.nodes_added} ~${counts.nodes_changed} −${counts.nodes_removed})`;
  }
  if ('failing' in counts) return `${counts.failing} failing of ${counts.results} results`;
  return '';
}

export function Jobs() {
  const [page, setPage] = useState(1);
  const state = useLoad((signal) => api(tenantPath(`/jobs${query({ page, per_page: 25 })}`), { signal }), [page]);
  return html`
    <${PageHeading}>Jobs</${PageHeading}>
    ${canWrite() ? html`<${StartDiscovery} />` : null}
    <${Loaded} state=${state} what="Loading jobs">${(envelope) => html`
      <table data-testid="jobs-table">
        <thead><tr><th scope="col">Job</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Finished</th><th scope="col">Outcome</th></tr></thead>
        <tbody>${envelope.data.map((job) => html`<tr>
          <td><a href=${`/jobs/${encodeURIComponent(job.id)}`}><code>${job.id.slice(0, 8)}</code></a></td>
          <td>${job.kind}${job.provider ? ` (${job.provider})` : ''}</td>
          <td><${StatusBadge} status=${job.status} /></td>
          <td><${Time} value=${job.created_at} /></td>
          <td><${Time} value=${job.finished_at} /></td>
          <td>${summariseCounts(job)}</td>
        </tr>`)}</tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>Previous</button>
        <span>Page ${page} of ${Math.max(1, envelope.meta.total_pages)}</span>
        <button type="button" class="secondary" disabled=${page >= envelope.meta.total_pages} onClick=${() => setPage(page + 1)}>Next</button>
      </nav>`}
    </${Loaded}>`;
}
