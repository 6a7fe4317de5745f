// Findings: filter by severity, status, rule and framework; sort; keyset paging. The API has no
// framework filter, so a framework becomes the list of its controls' rule ids (from
// GET /compliance/controls?framework=…) passed as `rule_id`.

import { useEffect, useState } from 'preact/hooks';
import { api, query, tenantPath } from '../api.js';
import { findingHref, navigate, nodeHref } from '../router.js';
import {
  Loaded, PageHeading, SEVERITIES, SeverityBadge, StatusBadge, Time, html, plural, shortId, useLoad,
} from '../ui.js';

const FILTER_KEYS = ['severity', 'status', 'rule_id', 'framework', 'node_id', 'sort'];
const SORTS = [
  ['-severity', 'Most severe first'],
  ['severity', 'Least severe first'],
  ['-last_seen', 'Recently seen'],
  ['-first_seen', 'Newest'],
  ['first_seen', 'Oldest'],
];
const PER_PAGE = 50;

async function frameworkRuleIds(framework, signal) {
  const { data } = await api(tenantPath(`/compliance/controls${query({ framework })}`), { signal });
  return [...new Set(data.controls.flatMap((control) => control.rules))].sort();
}

async function loadFindings(filters, cursor, signal) {
  let ruleIds = filters.rule_id ? filters.rule_id.split(',') : [];
  if (filters.framework) {
    const inFramework = await frameworkRuleIds(filters.framework, signal);
    ruleIds = ruleIds.length ? ruleIds.filter((id) => inFramework.includes(id)) : inFramework;
    if (ruleIds.length === 0) return { data: [], meta: { total: 0 } };
  }
  return api(tenantPath(`/findings${query({
    severity: filters.severity, status: filters.status, rule_id: ruleIds.join(','), node_id: filters.node_id,
    sort: filters.sort || '-severity', per_page: PER_PAGE, cursor,
  })}`), { signal });
}

export function Findings({ search }) {
  const filters = Object.fromEntries(FILTER_KEYS.map((key) => [key, search.get(key) ?? '']));
  const filterKey = FILTER_KEYS.map((key) => filters[key]).join('|');
  const [draft, setDraft] = useState(filters);
  // The form follows the URL (Back, links from other pages).
  useEffect(() => setDraft(filters), [filterKey]);
  const [paging, setPaging] = useState({ filterKey, cursors: [null] });
  const cursors = paging.filterKey === filterKey ? paging.cursors : [null];
  const setCursors = (next) => setPaging({ filterKey, cursors: next });
  const cursor = cursors[cursors.length - 1];
  const frameworks = useLoad((signal) => api(tenantPath('/compliance/frameworks'), { signal }), []);
  const state = useLoad((signal) => loadFindings(filters, cursor, signal), [filterKey, cursor]);

  const select = (key) => ({
    value: draft[key],
    onChange: (event) => setDraft({ ...draft, [key]: event.currentTarget.value }),
  });
  function apply(event) {
    event.preventDefault();
    navigate(`/findings${query(draft)}`);
  }

  return html`
    <${PageHeading}>Findings</${PageHeading}>
    <form class="filters" onSubmit=${apply} aria-label="Filter findings">
      <div><label for="f-severity">Severity</label>
        <select id="f-severity" ...${select('severity')}>
          <option value="">Any severity</option>
          <option value="critical,high">Critical and high</option>
          ${SEVERITIES.map((severity) => html`<option value=${severity}>${severity}</option>`)}
        </select></div>
      <div><label for="f-status">Status</label>
        <select id="f-status" ...${select('status')}>
          <option value="">Any status</option>
          ${['open', 'accepted', 'resolved'].map((status) => html`<option value=${status}>${status}</option>`)}
        </select></div>
      <div><label for="f-rule">Rule id</label>
        <input id="f-rule" value=${draft.rule_id} placeholder="aws.ec2.sg_ssh_open_to_internet"
          onInput=${(event) => setDraft({ ...draft, rule_id: event.currentTarget.value.trim() })} /></div>
      <div><label for="f-node">Resource id</label>
        <input id="f-node" value=${draft.node_id}
          onInput=${(event) => setDraft({ ...draft, node_id: event.currentTarget.value.trim() })} /></div>
      <div><label for="f-framework">Framework</label>
        <select id="f-framework" ...${select('framework')}>
          <option value="">Any framework</option>
          ${(frameworks.data?.data ?? []).map((framework) => html`<option value=${framework.id}>${framework.name}</option>`)}
        </select></div>
      <div><label for="f-sort">Sort</label>
        <select id="f-sort" ...${select('sort')}>
          ${SORTS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select></div>
      <div class="filter-actions"><button type="submit">Apply</button>
        <button type="button" class="secondary" onClick=${() => { setDraft(Object.fromEntries(FILTER_KEYS.map((key) => [key, '']))); navigate('/findings'); }}>Reset</button></div>
    </form>
    <${Loaded} state=${state} what="Loading findings">${(envelope) => html`
      <p class="muted" role="status">${plural(envelope.meta.total ?? envelope.data.length, 'finding matches', 'findings match')}.</p>
      <table data-testid="findings-table">
        <thead><tr><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Resource</th><th scope="col">Status</th><th scope="col">Last seen</th></tr></thead>
        <tbody>${envelope.data.map((finding) => html`<tr>
          <td><${SeverityBadge} severity=${finding.severity} /></td>
          <td><a href=${findingHref(finding.id)}>${finding.reason}</a><br /><code class="small">${finding.rule_id}</code></td>
          <td><a href=${nodeHref(finding.node_id)}>${shortId(finding.node_id)}</a><br /><span class="muted small">${finding.node_type}</span></td>
          <td><${StatusBadge} status=${finding.status} /></td>
          <td><${Time} value=${finding.last_seen} /></td>
        </tr>`)}</tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled=${cursors.length <= 1} onClick=${() => setCursors(cursors.slice(0, -1))}>Previous</button>
        <span>Page ${cursors.length}</span>
        <button type="button" class="secondary" disabled=${!envelope.meta.next_cursor} onClick=${() => setCursors([...cursors, envelope.meta.next_cursor])}>Next</button>
      </nav>`}
    </${Loaded}>`;
}
