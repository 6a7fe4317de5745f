// Compliance: frameworks → sections → controls, each control with its status, score, formula,
// rules and failing resources, linked to the findings behind them.

import { api, query, tenantPath } from '../api.js';
import { ScoreBar } from '../charts.js';
import { nodeHref } from '../router.js';
import {
  Loaded, PageHeading, StatusBadge, formatFraction, formatScore, html, shortId, useLoad,
} from '../ui.js';

function FrameworkList() {
  const state = useLoad((signal) => api(tenantPath('/compliance/frameworks'), { signal }), []);
  return html`
    <${PageHeading}>Compliance</${PageHeading}>
    <${Loaded} state=${state} what="Loading frameworks">${({ data }) => html`
      <table data-testid="framework-table">
        <thead><tr><th scope="col">Framework</th><th scope="col">Score</th><th scope="col">Coverage</th><th scope="col">Pass</th><th scope="col">Fail</th><th scope="col">Manual</th><th scope="col">N/A</th></tr></thead>
        <tbody>${data.map((framework) => html`<tr>
          <td><a href=${`/compliance/${encodeURIComponent(framework.id)}`}>${framework.name}</a> <span class="muted">${framework.revision}</span></td>
          <td>${formatScore(framework.score)}</td>
          <td title=${framework.coverage_text}>${framework.controls_assessed} / ${framework.controls_total}</td>
          <td>${framework.controls_passing}</td><td>${framework.controls_failing}</td>
          <td>${framework.controls_manual}</td><td>${framework.controls_not_applicable}</td>
        </tr>`)}</tbody>
      </table>`}
    </${Loaded}>`;
}

function groupBySection(controls) {
  const sections = new Map();
  for (const control of controls) {
    if (!sections.has(control.section)) sections.set(control.section, []);
    sections.get(control.section).push(control);
  }
  return [...sections.entries()];
}

function Control({ control }) {
  return html`
    <details class=${`control control-${control.status.toLowerCase()}`} data-control=${control.id} data-status=${control.status}>
      <summary>
        <span class="control-id">${control.id}</span>
        <span class="control-title">${control.title}</span>
        <${StatusBadge} status=${control.status} />
        <span class="muted small" title="passing resources / evaluated resources">${formatFraction(control.score)} of resources pass</span>
      </summary>
      <div class="control-body">
        <p class="muted small">Formula: ${control.formula}</p>
        <p>${`Resources: ${control.resources_evaluated} evaluated · ${control.resources_passing} passing · ${control.resources_failing} failing · ${control.resources_accepted} accepted. `}
          ${`Rules: ${control.rules_passing} passing · ${control.rules_failing} failing${control.rules_errored ? ` · ${control.rules_errored} errored` : ''}.`}</p>
        ${control.rules.length === 0 ? html`<p data-testid="manual-check">No automated rule. Check by hand: ${control.manual_check}</p>` : html`
          <p>Rules: ${control.rules.map((rule) => html`<a class="tag" href=${`/findings${query({ rule_id: rule })}`}>${rule}</a> `)}</p>`}
        ${control.failing_resources.length ? html`
          <table class="compact" data-testid="failing-resources">
            <caption>${control.failing_resources_total > control.failing_resources.length
              ? `Failing resources (first ${control.failing_resources.length} of ${control.failing_resources_total}; the findings list has all)`
              : `Failing resources (${control.failing_resources.length})`}</caption>
            <thead><tr><th scope="col">Resource</th><th scope="col">Why</th><th scope="col">Findings</th></tr></thead>
            <tbody>${control.failing_resources.map((failing) => html`<tr>
              <td><a href=${nodeHref(failing.node_id)} data-testid="failing-resource" data-node=${failing.node_id}>${shortId(failing.node_id)}</a><br /><span class="muted small">${failing.node_id.split(':')[2]}</span></td>
              <td>${failing.reason}</td>
              <td><a href=${`/findings${query({ rule_id: failing.rule_id, node_id: failing.node_id })}`}>findings</a></td>
            </tr>`)}</tbody>
          </table>` : null}
      </div>
    </details>`;
}

function FrameworkControls({ framework }) {
  const state = useLoad((signal) => api(tenantPath(`/compliance/controls${query({ framework })}`), { signal }), [framework]);
  return html`
    <${Loaded} state=${state} what="Loading controls">${({ data, meta }) => html`
      <${PageHeading} keys=${[framework]}>${data.name} <span class="muted">${data.revision}</span></${PageHeading}>
      <p><a href="/compliance">All frameworks</a></p>
      <div class="card framework-summary">
        <p class="score" data-testid="framework-score">${formatScore(data.score)}</p>
        <${ScoreBar} score=${data.score} label=${`Score ${formatScore(data.score)}`} />
        <p data-testid="framework-coverage">Coverage: <strong>${data.controls_assessed} / ${data.controls_total}</strong> controls assessed
          (${data.controls_passing} pass, ${data.controls_failing} fail, ${data.controls_manual} manual, ${data.controls_not_applicable} not applicable)</p>
        <p class="muted small">${data.formula}</p>
        <p class="muted small" data-testid="scored-evaluation">${meta?.evaluation
          ? html`Scores of the evaluation of ${new Date(meta.evaluation.evaluated_at).toLocaleString()}${meta.evaluation.job_id
            ? html` (job <a href=${`/jobs/${meta.evaluation.job_id}`}>${String(meta.evaluation.job_id).slice(0, 8)}</a>)` : null}, graph generation ${meta.evaluation.graph_generation}.`
          : 'No evaluation yet: nothing is assessed.'}</p>
      </div>
      ${groupBySection(data.controls).map(([section, controls]) => html`
        <section class="section" aria-label=${section}>
          <h2>${section}</h2>
          ${controls.map((control) => html`<${Control} control=${control} />`)}
        </section>`)}`}
    </${Loaded}>`;
}

export function Compliance({ framework }) {
  return framework ? html`<${FrameworkControls} framework=${framework} />` : html`<${FrameworkList} />`;
}
