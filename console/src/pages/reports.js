// Reports: generate one (framework, format, title), watch it go READY (the list refreshes while
// any report is pending), and download it (fetched with the token in a header, then saved from
// a local object URL: no token in any URL).

import { useEffect, useState } from 'preact/hooks';
import { api, canTriage, download, query, tenantPath } from '../api.js';
import { ErrorBox, Loaded, PageHeading, StatusBadge, Time, html, useLoad } from '../ui.js';

const FORMATS = [
  ['pdf', 'PDF'],
  ['html', 'HTML'],
  ['csv', 'CSV (findings)'],
  ['json', 'JSON'],
  ['ocsf', 'OCSF (findings)'],
];
const NEEDS_FRAMEWORK = ['pdf', 'html', 'json'];
const POLL_MS = 1_000;

function GenerateForm({ onGenerated }) {
  const frameworks = useLoad((signal) => api(tenantPath('/compliance/frameworks'), { signal }), []);
  const [form, setForm] = useState({ framework: 'cis-aws-foundations', format: 'pdf', title: '' });
  const [state, setState] = useState({ busy: false, error: null });
  const set = (key) => (event) => setForm({ ...form, [key]: event.currentTarget.value });

  async function generate(event) {
    event.preventDefault();
    const body = { format: form.format };
    if (form.framework) body.framework = form.framework;
    if (form.title.trim()) body.title = form.title.trim();
    setState({ busy: true, error: null });
    try {
      await api(tenantPath('/reports/generate'), { method: 'POST', body });
      setState({ busy: false, error: null });
      onGenerated();
    } catch (error) {
      setState({ busy: false, error });
    }
  }

  return html`
    <form class="card" onSubmit=${generate} aria-labelledby="generate-title" data-testid="generate-report">
      <h2 id="generate-title">Generate a report</h2>
      <div class="grid-3">
        <div><label for="r-framework">Framework</label>
          <select id="r-framework" value=${form.framework} onChange=${set('framework')}>
            ${NEEDS_FRAMEWORK.includes(form.format) ? null : html`<option value="">All findings</option>`}
            ${(frameworks.data?.data ?? []).map((framework) => html`<option value=${framework.id}>${framework.name} ${framework.revision}</option>`)}
          </select></div>
        <div><label for="r-format">Format</label>
          <select id="r-format" value=${form.format} onChange=${set('format')}>
            ${FORMATS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
          </select></div>
        <div><label for="r-title">Title (optional)</label><input id="r-title" value=${form.title} onInput=${set('title')} /></div>
      </div>
      <button type="submit" disabled=${state.busy}>Generate</button>
      <${ErrorBox} error=${state.error} />
    </form>`;
}

function DownloadButton({ report }) {
  const [error, setError] = useState(null);
  async function save() {
    setError(null);
    try {
      const { blob, name } = await download(tenantPath(`/reports/${encodeURIComponent(report.id)}/download`));
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = report.filename ?? name;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (failure) {
      setError(failure);
    }
  }
  return html`<button type="button" class="secondary" onClick=${save} data-report=${report.id}>Download</button>
    <${ErrorBox} error=${error} />`;
}

export function Reports() {
  const state = useLoad((signal) => api(tenantPath(`/reports${query({ per_page: 50, sort: '-created_at' })}`), { signal }), []);
  const pending = (state.data?.data ?? []).some((report) => report.status === 'PENDING' || report.status === 'GENERATING');
  useEffect(() => {
    if (!pending) return undefined;
    const timer = setTimeout(state.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [pending, state.data]);

  return html`
    <${PageHeading}>Reports</${PageHeading}>
    ${canTriage() ? html`<${GenerateForm} onGenerated=${state.reload} />` : null}
    <${Loaded} state=${state} what="Loading reports">${(envelope) => envelope.data.length === 0
      ? html`<p>No reports yet.</p>`
      : html`<table data-testid="reports-table">
          <thead><tr><th scope="col">Title</th><th scope="col">Framework</th><th scope="col">Format</th><th scope="col">Status</th><th scope="col">Requested</th><th scope="col">Size</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${envelope.data.map((report) => html`<tr data-report=${report.id} data-status=${report.status}>
            <td>${report.title ?? report.filename ?? '—'}</td>
            <td>${report.framework ?? 'all'}</td>
            <td>${report.format}</td>
            <td><${StatusBadge} status=${report.status} />${report.error ? html` <span class="muted small">${report.error}</span>` : null}</td>
            <td><${Time} value=${report.created_at} /></td>
            <td>${report.size_bytes ? `${Math.ceil(report.size_bytes / 1024)} KiB` : '—'}</td>
            <td>${report.status === 'READY' ? html`<${DownloadButton} report=${report} />` : null}</td>
          </tr>`)}</tbody>
        </table>`}
    </${Loaded}>`;
}
