// A finding: the rule's text, the reason sentence, the fix, the network evidence (the path proof
// hop by hop, or for a security group the members really exposed), its history; and, for roles
// that may triage, accept (kind, reason, expiry) and resolve.

import { useState } from 'preact/hooks';
import { api, canTriage, tenantPath } from '../api.js';
import { HopDiagram } from '../hops.js';
import { nodeHref } from '../router.js';
import {
  ErrorBox, JsonBlock, Loaded, PageHeading, SeverityBadge, StatusBadge, Time, html, shortId, useLoad,
} from '../ui.js';

function Remediation({ remediation }) {
  if (!remediation) return html`<p>No remediation recorded.</p>`;
  if (typeof remediation === 'string') return html`<p>${remediation}</p>`;
  return html`
    ${remediation.text ? html`<p data-testid="fix">${remediation.text}</p>` : null}
    ${remediation.cli ? html`<p>CLI:</p><pre>${remediation.cli}</pre>` : null}
    ${remediation.terraform ? html`<p>Terraform:</p><pre>${remediation.terraform}</pre>` : null}
    ${remediation.url ? html`<p><a href=${remediation.url} rel="noreferrer noopener" target="_blank">Reference</a></p>` : null}`;
}

function Evidence({ evidence }) {
  const proof = evidence?.path_proof;
  return html`
    ${proof ? html`
      <h3>Path proof</h3>
      ${Array.isArray(proof.open) && proof.open.length
        ? html`<p>Open from the internet: ${proof.open.map((port) => html`<span class="tag">${port.protocol} ${port.from_port === port.to_port ? port.from_port : `${port.from_port}-${port.to_port}`} (${port.address_family})</span> `)}</p>`
        : null}
      <${HopDiagram} hops=${proof.hops} label="Path proof hops" testId="proof-hops" />` : null}
    ${Array.isArray(evidence?.exposed_members) ? html`
      <h3>Exposure</h3>
      <p>${evidence.exposure} (${evidence.exposed_members.length} of ${evidence.members} members shown reachable):</p>
      <ul class="plain-list inline">${evidence.exposed_members.map((member) => html`<li><a href=${nodeHref(member)}>${shortId(member)}</a></li>`)}</ul>` : null}
    <details><summary>Raw evidence</summary><${JsonBlock} value=${evidence} label="Evidence" /></details>`;
}

function defaultExpiry() {
  const date = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  date.setSeconds(0, 0);
  const pad = (value) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function Triage({ finding, onChanged }) {
  const [accept, setAccept] = useState({ kind: 'risk_accepted', reason: '', expires: defaultExpiry() });
  const [resolveReason, setResolveReason] = useState('');
  const [state, setState] = useState({ busy: false, error: null, message: null });

  async function send(action, body) {
    setState({ busy: true, error: null, message: null });
    try {
      await api(tenantPath(`/findings/${encodeURIComponent(finding.id)}/${action}`), { method: 'POST', body });
      setState({ busy: false, error: null, message: action === 'accept' ? 'Finding accepted.' : 'Finding resolved.' });
      onChanged();
    } catch (error) {
      setState({ busy: false, error, message: null });
    }
  }
  function submitAccept(event) {
    event.preventDefault();
    const body = { kind: accept.kind, reason: accept.reason };
    if (accept.expires) body.expires_at = new Date(accept.expires).toISOString();
    send('accept', body);
  }
  function submitResolve(event) {
    event.preventDefault();
    send('resolve', { reason: resolveReason });
  }

  return html`
    <section class="card" aria-labelledby="triage-title">
      <h2 id="triage-title">Triage</h2>
      <p role="status" data-testid="triage-status">${state.message}</p>
      <${ErrorBox} error=${state.error} />
      <div class="grid-2">
        <form onSubmit=${submitAccept} aria-labelledby="accept-title" data-testid="accept-form">
          <h3 id="accept-title">Accept</h3>
          <label for="accept-kind">Kind</label>
          <select id="accept-kind" value=${accept.kind} onChange=${(event) => setAccept({ ...accept, kind: event.currentTarget.value })}>
            <option value="risk_accepted">Risk accepted</option>
            <option value="false_positive">False positive</option>
          </select>
          <label for="accept-reason">Reason</label>
          <textarea id="accept-reason" required rows="3" value=${accept.reason}
            onInput=${(event) => setAccept({ ...accept, reason: event.currentTarget.value })}></textarea>
          <label for="accept-expires">Expires (the finding reopens then; empty = never)</label>
          <input id="accept-expires" type="datetime-local" value=${accept.expires}
            onInput=${(event) => setAccept({ ...accept, expires: event.currentTarget.value })} />
          <button type="submit" disabled=${state.busy}>Accept finding</button>
        </form>
        <form onSubmit=${submitResolve} aria-labelledby="resolve-title">
          <h3 id="resolve-title">Resolve</h3>
          <label for="resolve-reason">Reason</label>
          <textarea id="resolve-reason" required rows="3" value=${resolveReason}
            onInput=${(event) => setResolveReason(event.currentTarget.value)}></textarea>
          <button type="submit" disabled=${state.busy}>Resolve finding</button>
        </form>
      </div>
    </section>`;
}

export function FindingPage({ findingId }) {
  const state = useLoad((signal) => api(tenantPath(`/findings/${encodeURIComponent(findingId)}`), { signal }), [findingId]);
  return html`
    <${Loaded} state=${state} what="Loading the finding">${({ data: finding }) => {
      const rule = finding.rule ?? {};
      return html`
        <${PageHeading} keys=${[findingId]}>${rule.title ?? finding.rule_id}</${PageHeading}>
        <p class="finding-head">
          <${SeverityBadge} severity=${finding.severity} />
          <span data-testid="finding-status"><${StatusBadge} status=${finding.status} /></span>
          <code>${finding.rule_id}</code> v${finding.rule_version}
        </p>
        <div class="grid-2">
          <section class="card" aria-labelledby="why-title">
            <h2 id="why-title">Why</h2>
            <p class="reason" data-testid="finding-reason">${finding.reason}</p>
            <p>Resource: <a href=${nodeHref(finding.node_id)}>${finding.node_id}</a></p>
            <dl class="facts">
              <dt>First seen</dt><dd><${Time} value=${finding.first_seen} /></dd>
              <dt>Last seen</dt><dd><${Time} value=${finding.last_seen} /></dd>
              <dt>Reopened</dt><dd>${finding.reopen_count} times</dd>
              ${finding.acceptance ? html`
                <dt>Accepted</dt><dd>${finding.acceptance.kind.replace(/_/g, ' ')} by ${finding.acceptance.by ?? '—'}: “${finding.acceptance.reason}”
                  ${finding.acceptance.expires_at ? html`, until <${Time} value=${finding.acceptance.expires_at} />` : ''}</dd>` : null}
              ${finding.resolution_reason ? html`<dt>Resolved</dt><dd>${finding.resolution_reason}</dd>` : null}
            </dl>
          </section>
          <section class="card" aria-labelledby="rule-title">
            <h2 id="rule-title">The rule</h2>
            ${rule.description ? html`<p data-testid="rule-text">${rule.description}</p>` : null}
            ${rule.risk ? html`<p><strong>Risk:</strong> ${rule.risk}</p>` : null}
            <h3>Fix</h3>
            <${Remediation} remediation=${rule.remediation} />
            ${Array.isArray(rule.references) && rule.references.length
              ? html`<p class="muted small">References: ${rule.references.join(' · ')}</p>` : null}
            ${rule.condition ? html`<p class="muted small">Condition: <code>${rule.condition}</code></p>` : null}
          </section>
        </div>
        <section class="card" aria-labelledby="evidence-title">
          <h2 id="evidence-title">Evidence</h2>
          <${Evidence} evidence=${finding.evidence} />
        </section>
        ${canTriage() ? html`<${Triage} finding=${finding} onChanged=${state.reload} />` : null}`;
    }}</${Loaded}>`;
}
