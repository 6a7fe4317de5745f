// Path tracer: a source node, a destination (CIDR or node), a port and a protocol; the answer's
// verdict, explanations, and forward and return hops as diagrams with the blocking hop marked.

import { useState } from 'preact/hooks';
import { api, query, tenantPath } from '../api.js';
import { HopDiagram } from '../hops.js';
import { ErrorBox, PageHeading, StatusBadge, html, useLoad } from '../ui.js';

const ENDPOINT_TYPES = 'aws.ec2.instance,aws.ec2.network_interface';

function TraceResult({ result }) {
  return html`
    <section class="card" aria-labelledby="verdict-title" data-testid="trace-result">
      <h2 id="verdict-title">Verdict</h2>
      <p class=${`verdict-line ${result.reachable ? 'reachable' : 'unreachable'}`}>
        <strong data-testid="trace-reachable">${result.reachable ? 'Reachable' : 'Not reachable'}</strong>
        <span data-testid="trace-disposition"><${StatusBadge} status=${result.disposition} /></span>
      </p>
      ${result.blocked_at ? html`<p>Blocked at hop ${result.blocked_at.seq}: <code>${result.blocked_at.component}</code> on <code>${result.blocked_at.node_id}</code></p>` : null}
      <ul>${(result.explanations ?? []).map((explanation) => html`<li><code>${explanation.reason_code}</code> ${explanation.text}</li>`)}</ul>
      ${(result.assumptions ?? []).length ? html`<p><strong>Assumptions:</strong></p>
        <ul>${result.assumptions.map((assumption) => html`<li>${typeof assumption === 'string' ? assumption : JSON.stringify(assumption)}</li>`)}</ul>` : null}
    </section>
    <section class="card" aria-labelledby="forward-title">
      <h2 id="forward-title">Forward path</h2>
      <${HopDiagram} hops=${result.forward_hops} blockedAt=${result.blocked_at} label="Forward hops" testId="forward-hops" />
    </section>
    <section class="card" aria-labelledby="return-title">
      <h2 id="return-title">Return path</h2>
      <${HopDiagram} hops=${result.return_hops} blockedAt=${result.blocked_at} label="Return hops" testId="return-hops" />
    </section>`;
}

export function PathTracer({ search }) {
  const [form, setForm] = useState({
    source: search.get('source') ?? '',
    destinationKind: search.get('destination_node') ? 'node' : 'cidr',
    cidr: search.get('cidr') ?? '0.0.0.0/0',
    destinationNode: search.get('destination_node') ?? '',
    port: search.get('port') ?? '443',
    protocol: search.get('protocol') ?? 'tcp',
  });
  const [outcome, setOutcome] = useState({ busy: false, result: null, error: null });
  const endpoints = useLoad((signal) => api(tenantPath(`/nodes${query({ types: ENDPOINT_TYPES, per_page: 500, sort: 'name' })}`), { signal }), []);

  const set = (key) => (event) => setForm({ ...form, [key]: event.currentTarget.value });
  const needsPort = form.protocol === 'tcp' || form.protocol === 'udp';

  async function trace(event) {
    event.preventDefault();
    const body = { source_node_id: form.source.trim(), protocol: form.protocol };
    if (form.destinationKind === 'cidr') body.destination_cidr = form.cidr.trim();
    else body.destination_node_id = form.destinationNode.trim();
    if (needsPort) body.port = Number(form.port);
    setOutcome({ busy: true, result: null, error: null });
    try {
      const { data } = await api(tenantPath('/pathtracer/trace'), { method: 'POST', body });
      setOutcome({ busy: false, result: data, error: null });
    } catch (error) {
      setOutcome({ busy: false, result: null, error });
    }
  }

  const options = (endpoints.data?.data ?? []).map((node) => html`<option value=${node.id}>${node.name} (${node.type.replace('aws.ec2.', '')})</option>`);
  return html`
    <${PageHeading}>Path tracer</${PageHeading}>
    <form class="card trace-form" onSubmit=${trace} aria-label="Trace a path">
      <datalist id="endpoint-nodes">${options}</datalist>
      <div class="field wide"><label for="t-source">Source node (instance or network interface)</label>
        <input id="t-source" list="endpoint-nodes" required value=${form.source} onInput=${set('source')}
          placeholder="aws:us-east-1:aws.ec2.instance:i-…" /></div>
      <fieldset class="inline-options">
        <legend>Destination</legend>
        <label><input type="radio" name="destination-kind" value="cidr" checked=${form.destinationKind === 'cidr'} onChange=${set('destinationKind')} /> CIDR</label>
        <label><input type="radio" name="destination-kind" value="node" checked=${form.destinationKind === 'node'} onChange=${set('destinationKind')} /> Node</label>
      </fieldset>
      ${form.destinationKind === 'cidr'
        ? html`<div class="field"><label for="t-cidr">Destination CIDR</label>
            <input id="t-cidr" required value=${form.cidr} onInput=${set('cidr')} /></div>`
        : html`<div class="field wide"><label for="t-destination">Destination node</label>
            <input id="t-destination" list="endpoint-nodes" required value=${form.destinationNode} onInput=${set('destinationNode')} /></div>`}
      <div class="field"><label for="t-protocol">Protocol</label>
        <select id="t-protocol" value=${form.protocol} onChange=${set('protocol')}>
          ${['tcp', 'udp', 'icmp', 'all'].map((protocol) => html`<option value=${protocol}>${protocol}</option>`)}
        </select></div>
      ${needsPort ? html`<div class="field"><label for="t-port">Port</label>
        <input id="t-port" type="number" min="0" max="65535" required value=${form.port} onInput=${set('port')} /></div>` : null}
      <div class="field"><button type="submit" disabled=${outcome.busy}>${outcome.busy ? 'Tracing…' : 'Trace'}</button></div>
    </form>
    <${ErrorBox} error=${outcome.error} />
    ${outcome.result ? html`<${TraceResult} result=${outcome.result} />` : null}`;
}
