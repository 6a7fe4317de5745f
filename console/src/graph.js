// The neighbourhood of a node as an SVG drawing: the node in the centre, its direct neighbours on
// an inner ring, second-hop neighbours on an outer ring next to the neighbour that leads to them.
// Edges are labelled with their kind; every other node is a link to its own page (click or
// Enter to walk on). Built from GET …/edges?node=<id> (one call per node whose edges we need).

import { api, query, tenantPath } from './api.js';
import { nodeHref } from './router.js';
import { html, shortId, typeOfId } from './ui.js';

const MAX_SECOND_HOP_SOURCES = 12;

async function edgesOf(nodeId, signal) {
  const { data } = await api(tenantPath(`/edges${query({ node: nodeId, per_page: 500 })}`), { signal });
  return data;
}

/**
 * Edges within `hops` (1 or 2) of `centre`, and each node's hop distance. Second hops are
 * followed from at most MAX_SECOND_HOP_SOURCES neighbours (the drawing stays readable and the
 * request count bounded); `truncated` says when some were left out.
 */
export async function loadNeighbourhood(centre, hops, signal) {
  const distance = new Map([[centre, 0]]);
  const edges = new Map();
  const first = await edgesOf(centre, signal);
  for (const edge of first) {
    edges.set(edge.id, edge);
    for (const end of [edge.src, edge.dst]) if (!distance.has(end)) distance.set(end, 1);
  }
  let truncated = false;
  if (hops >= 2) {
    const neighbours = [...distance.entries()].filter(([, hop]) => hop === 1).map(([id]) => id);
    truncated = neighbours.length > MAX_SECOND_HOP_SOURCES;
    const followed = neighbours.slice(0, MAX_SECOND_HOP_SOURCES);
    const lists = await Promise.all(followed.map((id) => edgesOf(id, signal)));
    for (const list of lists) {
      for (const edge of list) {
        edges.set(edge.id, edge);
        for (const end of [edge.src, edge.dst]) if (!distance.has(end)) distance.set(end, 2);
      }
    }
  }
  return { centre, distance, edges: [...edges.values()], truncated };
}

function layout(neighbourhood) {
  const { centre, distance, edges } = neighbourhood;
  const position = new Map([[centre, { x: 0, y: 0, angle: 0 }]]);
  const ring1 = [...distance.entries()].filter(([, hop]) => hop === 1).map(([id]) => id).sort();
  const radius1 = ring1.length > 8 ? 190 : 160;
  ring1.forEach((id, index) => {
    const angle = (2 * Math.PI * index) / Math.max(ring1.length, 1) - Math.PI / 2;
    position.set(id, { x: radius1 * Math.cos(angle), y: radius1 * Math.sin(angle), angle });
  });
  // Second-hop nodes share the whole outer ring, ordered by the angle of the first neighbour
  // that reaches them, so each cluster sits beyond its neighbour without piling up.
  const ring2 = [];
  for (const [id, hop] of distance.entries()) {
    if (hop !== 2) continue;
    const via = edges.map((edge) => (edge.src === id ? edge.dst : edge.dst === id ? edge.src : null))
      .find((other) => other && distance.get(other) === 1) ?? ring1[0];
    ring2.push({ id, viaAngle: position.get(via)?.angle ?? 0 });
  }
  ring2.sort((a, b) => a.viaAngle - b.viaAngle || a.id.localeCompare(b.id));
  const radius2 = Math.max(radius1 + 150, (ring2.length * 46) / (2 * Math.PI));
  const start = ring2.length ? ring2[0].viaAngle : 0;
  ring2.forEach(({ id }, index) => {
    const angle = start + (2 * Math.PI * index) / ring2.length;
    position.set(id, { x: radius2 * Math.cos(angle), y: radius2 * Math.sin(angle), angle });
  });
  return position;
}

function nodeClass(id, centre, distance) {
  if (id === centre) return 'graph-node centre';
  return `graph-node hop-${distance.get(id)}`;
}

export function NeighbourhoodGraph({ neighbourhood }) {
  const { centre, distance, edges } = neighbourhood;
  const position = layout(neighbourhood);
  // A tight box around the drawing (labels included), so few nodes are drawn large.
  const xs = [...position.values()].map((point) => point.x);
  const ys = [...position.values()].map((point) => point.y);
  const box = {
    left: Math.min(...xs) - 110,
    top: Math.min(...ys) - 40,
    width: Math.max(Math.max(...xs) - Math.min(...xs) + 220, 360),
    height: Math.max(Math.max(...ys) - Math.min(...ys) + 100, 200),
  };
  if (box.width === 360) box.left = (Math.min(...xs) + Math.max(...xs)) / 2 - 180;
  const drawn = edges.filter((edge) => position.has(edge.src) && position.has(edge.dst));
  return html`
    <svg class="graph" viewBox=${`${box.left} ${box.top} ${box.width} ${box.height}`} role="group"
        aria-label=${`Neighbourhood of ${centre}: ${distance.size - 1} nodes, ${drawn.length} edges`}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
        </marker>
      </defs>
      ${drawn.map((edge) => {
        const from = position.get(edge.src);
        const to = position.get(edge.dst);
        const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
        const shorten = 30;
        const x2 = to.x - ((to.x - from.x) / length) * shorten;
        const y2 = to.y - ((to.y - from.y) / length) * shorten;
        // Every edge touching the centre is labelled; farther ones too unless they would crowd.
        const labelled = edge.src === centre || edge.dst === centre || drawn.length <= 24;
        return html`<g class="graph-edge" data-kind=${edge.kind}>
          <title>${edge.src} ${edge.kind} ${edge.dst}</title>
          <line x1=${from.x} y1=${from.y} x2=${x2} y2=${y2} marker-end="url(#arrow)" />
          ${labelled ? html`<text x=${(from.x + to.x) / 2} y=${(from.y + to.y) / 2 - 4} text-anchor="middle" class="edge-label">${edge.kind}</text>` : null}
        </g>`;
      })}
      ${[...position.entries()].map(([id, point]) => {
        const label = shortId(id);
        const type = typeOfId(id).replace(/^aws\.ec2\./, '');
        const body = html`
          <circle cx=${point.x} cy=${point.y} r=${id === centre ? 26 : 20} />
          <text x=${point.x} y=${point.y + (id === centre ? 42 : 36)} text-anchor="middle" class="node-label">${label}</text>
          <text x=${point.x} y=${point.y + 4} text-anchor="middle" class="node-type">${type.slice(0, 14)}</text>
          <title>${id}</title>`;
        return id === centre
          ? html`<g class=${nodeClass(id, centre, distance)} data-node=${id}>${body}</g>`
          : html`<a href=${nodeHref(id)} class=${nodeClass(id, centre, distance)} data-node=${id} aria-label=${`${type} ${label}`}>${body}</a>`;
      })}
    </svg>`;
}

/** The same neighbourhood as a table (a text alternative to the drawing). */
export function EdgeTable({ neighbourhood }) {
  return html`<table class="compact">
    <caption>Edges in the drawing</caption>
    <thead><tr><th scope="col">From</th><th scope="col">Kind</th><th scope="col">To</th></tr></thead>
    <tbody>${neighbourhood.edges.map((edge) => html`<tr>
      <td><a href=${nodeHref(edge.src)}>${shortId(edge.src)}</a> <span class="muted small">${typeOfId(edge.src)}</span></td>
      <td><code>${edge.kind}</code>${edge.properties?.cidr ? html` <span class="muted small">${edge.properties.cidr}</span>` : null}</td>
      <td><a href=${nodeHref(edge.dst)}>${shortId(edge.dst)}</a> <span class="muted small">${typeOfId(edge.dst)}</span></td>
    </tr>`)}</tbody>
  </table>`;
}
