// A path as a diagram: one box per hop, in order, joined by arrows, each with its verdict, the
// rule or route that decided it (`matched`) and the sentence saying why. The hop that blocked the
// path is drawn in red and labelled "blocking hop".

import { nodeHref } from './router.js';
import { describeMatched, html, shortId, typeOfId } from './ui.js';

function isBlocking(hop, blockedAt) {
  if (!blockedAt) return false;
  return hop.seq === blockedAt.seq && hop.component === blockedAt.component && hop.node_id === blockedAt.node_id;
}

/** `network_acl_outbound` → `Network ACL outbound`. */
function componentName(component) {
  const words = String(component).replace(/_/g, ' ').replace(/\bacl\b/g, 'ACL').replace(/\bnat\b/g, 'NAT');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function verdictClass(verdict) {
  return `verdict verdict-${String(verdict).toLowerCase()}`;
}

export function HopDiagram({ hops, blockedAt, label, testId }) {
  if (!hops || hops.length === 0) return html`<p class="muted">No ${label.toLowerCase()}.</p>`;
  return html`
    <ol class="hops" aria-label=${label} data-testid=${testId}>
      ${hops.map((hop) => {
        const blocking = isBlocking(hop, blockedAt);
        return html`<li class=${`hop${blocking ? ' blocking' : ''}`} data-seq=${hop.seq}
            data-verdict=${hop.verdict} data-blocking=${blocking ? 'true' : undefined}>
          <div class="hop-head">
            <span class="hop-seq">${hop.seq}</span>
            <span class="hop-component">${componentName(hop.component)}</span>
            <span class=${verdictClass(hop.verdict)}>${hop.verdict}</span>
          </div>
          ${blocking ? html`<p class="blocking-label"><strong>Blocking hop</strong></p>` : null}
          <p class="hop-node"><a href=${nodeHref(hop.node_id)} title=${hop.node_id}>${shortId(hop.node_id)}</a>
            <span class="muted small"> ${typeOfId(hop.node_id)}</span></p>
          ${hop.matched ? html`<p class="hop-matched"><span class="muted">matched</span> <code>${describeMatched(hop.matched)}</code></p>` : null}
          <p class="hop-text">${hop.text}</p>
          <p class="muted small"><code>${hop.reason_code}</code></p>
        </li>`;
      })}
    </ol>`;
}
