// A node: its attributes, tags, properties, the findings on it, and its neighbourhood drawn as a
// graph of one or two hops (edges labelled by kind; click a neighbour to walk on).

import { useState } from 'preact/hooks';
import { api, query, tenantPath } from '../api.js';
import { EdgeTable, NeighbourhoodGraph, loadNeighbourhood } from '../graph.js';
import { findingHref } from '../router.js';
import {
  JsonBlock, Loaded, PageHeading, SeverityBadge, StatusBadge, Time, html, useLoad,
} from '../ui.js';

function Neighbourhood({ nodeId }) {
  const [hops, setHops] = useState(1);
  const state = useLoad((signal) => loadNeighbourhood(nodeId, hops, signal), [nodeId, hops]);
  return html`
    <section class="card" aria-labelledby="neighbourhood-title">
      <h2 id="neighbourhood-title">Neighbourhood</h2>
      <fieldset class="inline-options">
        <legend>Depth</legend>
        ${[1, 2].map((value) => html`<label>
          <input type="radio" name="hops" value=${value} checked=${hops === value}
            onChange=${() => setHops(value)} /> ${value} hop${value === 2 ? 's' : ''}</label>`)}
      </fieldset>
      <${Loaded} state=${state} what="Loading the neighbourhood">${(neighbourhood) => html`
        <div data-testid="neighbourhood">
          ${neighbourhood.edges.length === 0
            ? html`<p>This node has no edges.</p>`
            : html`<${NeighbourhoodGraph} neighbourhood=${neighbourhood} />`}
          ${neighbourhood.truncated ? html`<p class="muted small">Second hops are drawn from the first 12 neighbours only.</p>` : null}
          <details><summary>Edges as a table (${neighbourhood.edges.length})</summary>
            <${EdgeTable} neighbourhood=${neighbourhood} /></details>
        </div>`}
      </${Loaded}>
    </section>`;
}

function NodeFindings({ nodeId }) {
  const state = useLoad((signal) => api(tenantPath(`/findings${query({ node_id: nodeId, per_page: 100 })}`), { signal }), [nodeId]);
  return html`
    <section class="card" aria-labelledby="node-findings-title">
      <h2 id="node-findings-title">Findings</h2>
      <${Loaded} state=${state} what="Loading findings">${(envelope) => envelope.data.length === 0
        ? html`<p>No findings on this node.</p>`
        : html`<table class="compact" data-testid="node-findings">
            <thead><tr><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Status</th></tr></thead>
            <tbody>${envelope.data.map((finding) => html`<tr>
              <td><${SeverityBadge} severity=${finding.severity} /></td>
              <td><a href=${findingHref(finding.id)}>${finding.reason}</a><br /><code class="small">${finding.rule_id}</code></td>
              <td><${StatusBadge} status=${finding.status} /></td>
            </tr>`)}</tbody>
          </table>`}
      </${Loaded}>
    </section>`;
}

export function NodePage({ nodeId }) {
  const state = useLoad((signal) => api(tenantPath(`/nodes/${encodeURIComponent(nodeId)}`), { signal }), [nodeId]);
  return html`
    <${Loaded} state=${state} what="Loading the node">${({ data: node }) => html`
      <${PageHeading} keys=${[nodeId]}>${node.name || node.id}</${PageHeading}>
      <p class="muted"><code data-testid="node-id">${node.id}</code></p>
      <div class="grid-2">
        <section class="card" aria-labelledby="attributes-title">
          <h2 id="attributes-title">Attributes</h2>
          <dl class="facts">
            <dt>Type</dt><dd><code>${node.type}</code></dd>
            <dt>Provider</dt><dd>${node.provider}</dd>
            <dt>Account</dt><dd>${node.account}</dd>
            <dt>Region</dt><dd>${node.region}</dd>
            <dt>First seen</dt><dd><${Time} value=${node.first_seen} /></dd>
            <dt>Last seen</dt><dd><${Time} value=${node.last_seen} /></dd>
            <dt>Tags</dt><dd>${Object.keys(node.tags ?? {}).length === 0 ? '—'
              : Object.entries(node.tags).map(([key, value]) => html`<span class="tag">${key}=${value}</span> `)}</dd>
          </dl>
          ${['aws.ec2.instance', 'aws.ec2.network_interface'].includes(node.type)
            ? html`<p><a class="button" href=${`/paths${query({ source: node.id })}`}>Trace a path from here</a></p>` : null}
        </section>
        <${NodeFindings} nodeId=${node.id} />
      </div>
      <${Neighbourhood} nodeId=${node.id} />
      <section class="card" aria-labelledby="properties-title">
        <h2 id="properties-title">Properties</h2>
        <${JsonBlock} value=${node.properties} label="Node properties" />
      </section>`}
    </${Loaded}>`;
}
