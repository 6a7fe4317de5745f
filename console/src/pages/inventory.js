// Inventory: the node list with the API's filters (types, region, account, tag, name search),
// sort and keyset paging (the API's `meta.next_cursor` passed back as `cursor`). Filters and sort
// live in the page URL (linkable, nothing secret); the cursors walked so far live in memory for
// "Previous".

import { useEffect, useState } from 'preact/hooks';
import { api, query, tenantPath } from '../api.js';
import { navigate, nodeHref } from '../router.js';
import { Loaded, PageHeading, html, plural, useLoad } from '../ui.js';
import { useNodeTypes } from '../schema.js';

const SORTS = [
  ['', 'Name (A→Z)'],
  ['-name', 'Name (Z→A)'],
  ['type', 'Type'],
  ['-first_seen', 'Newest first'],
  ['first_seen', 'Oldest first'],
];
const PER_PAGE = 50;
const FILTER_KEYS = ['types', 'region', 'account', 'q', 'tag', 'sort'];

function filtersFrom(search) {
  const filters = {};
  for (const key of FILTER_KEYS) filters[key] = search.get(key) ?? '';
  return filters;
}

export function Inventory({ search }) {
  const filters = filtersFrom(search);
  const [draft, setDraft] = useState(filters);
  const nodeTypes = useNodeTypes();
  const filterKey = FILTER_KEYS.map((key) => filters[key]).join('|');
  // The form follows the URL (Back, links from other pages).
  useEffect(() => setDraft(filters), [filterKey]);
  // Cursors belong to one set of filters: other filters (e.g. after Back) start at page 1.
  const [paging, setPaging] = useState({ filterKey, cursors: [null] });
  const cursors = paging.filterKey === filterKey ? paging.cursors : [null];
  const setCursors = (next) => setPaging({ filterKey, cursors: next });
  const cursor = cursors[cursors.length - 1];

  const state = useLoad((signal) => api(tenantPath(`/nodes${query({
    types: filters.types, region: filters.region, account: filters.account, q: filters.q,
    tag: filters.tag, sort: filters.sort || 'name', per_page: PER_PAGE, cursor,
  })}`), { signal }), [filterKey, cursor]);

  function apply(event) {
    event.preventDefault();
    navigate(`/inventory${query(draft)}`);
  }
  function reset() {
    const empty = Object.fromEntries(FILTER_KEYS.map((key) => [key, '']));
    setDraft(empty);
    navigate('/inventory');
  }
  const field = (key) => ({
    value: draft[key],
    onInput: (event) => setDraft({ ...draft, [key]: event.currentTarget.value }),
  });

  return html`
    <${PageHeading}>Inventory</${PageHeading}>
    <form class="filters" onSubmit=${apply} aria-label="Filter nodes">
      <div><label for="f-q">Name contains</label><input id="f-q" type="search" ...${field('q')} /></div>
      <div><label for="f-types">Type</label>
        <select id="f-types" ...${field('types')} onChange=${(event) => setDraft({ ...draft, types: event.currentTarget.value })}>
          <option value="">Any type</option>
          ${nodeTypes.map((type) => html`<option value=${type}>${type}</option>`)}
        </select></div>
      <div><label for="f-region">Region</label><input id="f-region" placeholder="us-east-1" ...${field('region')} /></div>
      <div><label for="f-account">Account</label><input id="f-account" ...${field('account')} /></div>
      <div><label for="f-tag">Tag (key:value)</label><input id="f-tag" placeholder="env:prod" ...${field('tag')} /></div>
      <div><label for="f-sort">Sort</label>
        <select id="f-sort" ...${field('sort')} onChange=${(event) => setDraft({ ...draft, sort: event.currentTarget.value })}>
          ${SORTS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select></div>
      <div class="filter-actions"><button type="submit">Apply</button>
        <button type="button" class="secondary" onClick=${reset}>Reset</button></div>
    </form>
    <${Loaded} state=${state} what="Loading nodes">${(envelope) => html`
      <p class="muted" role="status" data-testid="node-count">${plural(envelope.meta.total ?? envelope.data.length, 'node matches', 'nodes match')}.</p>
      <table data-testid="node-table">
        <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Region</th><th scope="col">Account</th><th scope="col">Tags</th></tr></thead>
        <tbody>${envelope.data.map((node) => html`<tr>
          <td><a href=${nodeHref(node.id)}>${node.name || node.id}</a></td>
          <td><code>${node.type}</code></td><td>${node.region}</td><td>${node.account}</td>
          <td>${Object.entries(node.tags ?? {}).map(([key, value]) => html`<span class="tag">${key}=${value}</span> `)}</td>
        </tr>`)}</tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" disabled=${cursors.length <= 1}
          onClick=${() => setCursors(cursors.slice(0, -1))}>Previous</button>
        <span>Page ${cursors.length}</span>
        <button type="button" class="secondary" disabled=${!envelope.meta.next_cursor}
          onClick=${() => setCursors([...cursors, envelope.meta.next_cursor])}>Next</button>
      </nav>`}
    </${Loaded}>`;
}
