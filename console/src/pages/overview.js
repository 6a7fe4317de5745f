// Overview: per framework the score and its coverage (assessed / total controls), open findings
// by severity, the count of resources exposed to the internet, the last discovery per provider,
// account and region, and the trend across evaluations.
//
// The API keeps no history of scores, so the trend plots what it does keep per evaluation: the
// failing rule results of each evaluation job (GET /jobs, kind `evaluation`) and of the latest
// evaluation (GET /compliance/summary → last_evaluation).

import { useState } from 'preact/hooks';
import { api, canTriage, query, tenantPath } from '../api.js';
import { BarChart, ScoreBar, TrendChart } from '../charts.js';
import {
  ErrorBox, Loaded, PageHeading, SEVERITIES, StatusBadge, Time, formatScore, html, useLoad,
} from '../ui.js';

async function loadOverview(signal) {
  const [frameworks, summary, exposure, jobs, ...severityCounts] = await Promise.all([
    api(tenantPath('/compliance/frameworks'), { signal }),
    api(tenantPath('/compliance/summary'), { signal }),
    api(tenantPath(`/exposure${query({ per_page: 1 })}`), { signal }),
    api(tenantPath(`/jobs${query({ per_page: 200 })}`), { signal }),
    ...SEVERITIES.map((severity) =>
      api(tenantPath(`/findings${query({ severity, status: 'open', per_page: 1 })}`), { signal })),
  ]);
  return {
    frameworks: frameworks.data,
    summary: summary.data,
    exposed: exposure.meta.total,
    jobs: jobs.data,
    severities: SEVERITIES.map((severity, index) => ({ severity, count: severityCounts[index].meta.total })),
  };
}

/** The newest discovery outcome per provider/account/region, from the jobs' scope results. */
export function lastDiscoveryPerScope(jobs) {
  const seen = new Map();
  const newestFirst = [...jobs].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  for (const job of newestFirst) {
    if (job.kind !== 'discovery' || !Array.isArray(job.scopes)) continue;
    for (const scope of job.scopes) {
      const key = `${scope.provider}|${scope.account}|${scope.region}`;
      if (!seen.has(key)) seen.set(key, { ...scope, job });
    }
  }
  return [...seen.values()].sort((a, b) =>
    `${a.provider}${a.account}${a.region}`.localeCompare(`${b.provider}${b.account}${b.region}`));
}

/** Failing rule results in a count object: evaluation jobs say `failing`, evaluations `failing_results`. */
function failingCount(counts) {
  const value = counts?.failing ?? counts?.failing_results;
  return typeof value === 'number' ? value : null;
}

/** Failing rule results per evaluation, oldest first. */
export function evaluationTrend(jobs, lastEvaluation) {
  const points = jobs
    .filter((job) => job.kind === 'evaluation' && job.status === 'succeeded' && failingCount(job.counts) !== null)
    .map((job) => ({ at: job.finished_at ?? job.created_at, value: failingCount(job.counts) }));
  if (lastEvaluation && failingCount(lastEvaluation.counts) !== null) {
    const latest = new Date(lastEvaluation.at).getTime();
    // The evaluation of an evaluation job is the same event: keep one point for it.
    const duplicate = points.some((point) => Math.abs(new Date(point.at).getTime() - latest) < 5_000);
    if (!duplicate) points.push({ at: lastEvaluation.at, value: failingCount(lastEvaluation.counts) });
  }
  return points.sort((a, b) => new Date(a.at) - new Date(b.at));
}

function FrameworkCards({ frameworks }) {
  return html`<div class="cards" data-testid="framework-scores">
    ${frameworks.map((framework) => {
      const assessed = framework.controls_assessed;
      return html`<a class="card framework-card" href=${`/compliance/${encodeURIComponent(framework.id)}`}
          data-framework=${framework.id}>
        <h3>${framework.name} <span class="muted">${framework.revision}</span></h3>
        <p class="score" data-testid="score">${formatScore(framework.score)}</p>
        <${ScoreBar} score=${framework.score} label=${`${framework.name} score ${formatScore(framework.score)}`} />
        <p class="coverage" data-testid="coverage">
          Coverage: <strong>${assessed} / ${framework.controls_total}</strong> controls assessed${framework.coverage === null ? '' : ` (${Math.round(framework.coverage)}%)`}
        </p>
        <p class="muted small">${`${framework.controls_passing} pass · ${framework.controls_failing} fail · ${framework.controls_manual} manual · ${framework.controls_not_applicable} not applicable`}</p>
      </a>`;
    })}
  </div>`;
}

function RunEvaluation({ onDone }) {
  const [state, setState] = useState({ busy: false, error: null, message: null });
  if (!canTriage()) return null;
  async function run() {
    setState({ busy: true, error: null, message: null });
    try {
      const { data } = await api(tenantPath('/evaluations'), { method: 'POST', body: {} });
      setState({ busy: false, error: null, message: html`Evaluation queued as job <a href=${`/jobs/${data.job_id}`}>${String(data.job_id).slice(0, 8)}</a>.` });
      onDone?.();
    } catch (error) {
      setState({ busy: false, error, message: null });
    }
  }
  return html`<div class="inline-actions">
    <button type="button" onClick=${run} disabled=${state.busy}>Run an evaluation</button>
    <span role="status">${state.message}</span>
    <${ErrorBox} error=${state.error} />
  </div>`;
}

export function Overview() {
  const state = useLoad(loadOverview, []);
  return html`
    <${PageHeading}>Overview</${PageHeading}>
    <${Loaded} state=${state} what="Loading the overview">${(overview) => {
      const scopes = lastDiscoveryPerScope(overview.jobs);
      const trend = evaluationTrend(overview.jobs, overview.summary.last_evaluation);
      return html`
        <section aria-labelledby="scores-title">
          <h2 id="scores-title">Compliance by framework</h2>
          <p class="muted small">Score = passing / (passing + failing) controls; coverage = controls
            with an automated verdict (pass or fail) out of all controls.</p>
          <${FrameworkCards} frameworks=${overview.frameworks} />
        </section>
        <div class="grid-2">
          <section class="card" aria-labelledby="severity-title">
            <h2 id="severity-title">Open findings by severity</h2>
            <${BarChart} label="Open findings by severity"
              rows=${overview.severities.map(({ severity, count }) => ({ label: severity, value: count, className: `bar severity-${severity}` }))} />
            <ul class="plain-list inline" data-testid="severity-counts">
              ${overview.severities.map(({ severity, count }) => html`<li>
                <a href=${`/findings${query({ severity, status: 'open' })}`}>${severity}: <strong>${count}</strong></a></li>`)}
            </ul>
          </section>
          <section class="card" aria-labelledby="exposure-title">
            <h2 id="exposure-title">Exposed to the internet</h2>
            <p class="big-number" data-testid="exposed-count">${overview.exposed}</p>
            <p>resources reachable from 0.0.0.0/0 or ::/0. <a href="/exposure">See the paths</a></p>
          </section>
        </div>
        <div class="grid-2">
          <section class="card" aria-labelledby="discovery-title">
            <h2 id="discovery-title">Last discovery per account and region</h2>
            ${scopes.length === 0
              ? html`<p>No discovery yet. <a href="/jobs">Start one</a>.</p>`
              : html`<table data-testid="discoveries">
                  <thead><tr><th scope="col">Provider</th><th scope="col">Account</th><th scope="col">Region</th><th scope="col">Status</th><th scope="col">When</th></tr></thead>
                  <tbody>${scopes.map((scope) => html`<tr>
                    <td>${scope.provider}</td><td>${scope.account}</td><td>${scope.region}</td>
                    <td><${StatusBadge} status=${scope.status} />${scope.error ? html` <span class="muted small">${scope.error}</span>` : null}</td>
                    <td><a href=${`/jobs/${scope.job.id}`}><${Time} value=${scope.job.finished_at ?? scope.job.created_at} /></a></td>
                  </tr>`)}</tbody>
                </table>`}
          </section>
          <section class="card" aria-labelledby="trend-title">
            <h2 id="trend-title">Trend across evaluations</h2>
            ${trend.length === 0
              ? html`<p>No evaluation recorded yet.</p>`
              : html`<${TrendChart} points=${trend} unit="failing results" label="Failing rule results per evaluation" />
                <p class="muted small">Failing rule results per evaluation (${trend.length} evaluation${trend.length === 1 ? '' : 's'}; the API keeps
                  no score history, so this plots each evaluation's failing count).</p>`}
            <${RunEvaluation} onDone=${state.reload} />
          </section>
        </div>`;
    }}</${Loaded}>`;
}
