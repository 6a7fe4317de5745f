// Exposure: every resource reachable from the internet (GET …/exposure), with its open ports and
// the path proof hop by hop.

import { useState } from 'preact/hooks';
import { api, query, tenantPath } from '../api.js';
import { HopDiagram } from '../hops.js';
import { nodeHref } from '../router.js';
import { Loaded, PageHeading, html, useLoad } from '../ui.js';

const PER_PAGE = 25;

function formatPorts(open) {
  return (open ?? []).map((port) => `${port.protocol} ${port.from_port === port.to_port ? port.from_port : `${port.from_port}-${port.to_port}`}${port.address_family === 'ipv6' ? ' (IPv6)' : ''}`);
}

export function Exposure() {
  const [page, setPage] = useState(1);
  const state = useLoad((signal) => api(tenantPath(`/exposure${query({ page, per_page: PER_PAGE })}`), { signal }), [page]);
  return html`
    <${PageHeading}>Exposure</${PageHeading}>
    <p>Resources reachable from 0.0.0.0/0 or ::/0, each with the path that proves it.</p>
    <${Loaded} state=${state} what="Loading exposure">${(envelope) => html`
      <p class="muted" role="status" data-testid="exposure-total">${envelope.meta.total} exposed resources.</p>
      <ul class="exposure-list">
        ${envelope.data.map((entry) => html`<li class="card" data-node=${entry.node_id}>
          <h2 class="h3"><a href=${nodeHref(entry.node_id)}>${entry.node_id}</a></h2>
          <p>${entry.public_address ? html`Public address <code>${entry.public_address}</code> · ` : null}
            open: ${formatPorts(entry.open).map((port) => html`<span class="tag">${port}</span> `)}</p>
          <details><summary>Path proof (${(entry.path ?? []).length} hops)</summary>
            <${HopDiagram} hops=${entry.path} label=${`Path proof for ${entry.node_id}`} testId="exposure-hops" />
          </details>
        </li>`)}
      </ul>
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>Previous</button>
        <span>Page ${page} of ${Math.max(1, envelope.meta.total_pages)}</span>
        <button type="button" class="secondary" disabled=${page >= envelope.meta.total_pages} onClick=${() => setPage(page + 1)}>Next</button>
      </nav>`}
    </${Loaded}>`;
}
