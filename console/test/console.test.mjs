// End-to-end tests of the console in real headless Chromium (Debian's package, driven by
// puppeteer-core) against a real `infracast demo` server with the sample estate. Run by
// scripts/test-console.sh, which starts the server and passes:
//   CONSOLE_URL (http://127.0.0.1:PORT), CONSOLE_API_KEY (the demo admin key),
//   CONSOLE_PLATFORM_KEY (a platform admin's key, for the tenant picker),
//   CONSOLE_ARTIFACTS (where screenshots and downloads go), CHROMIUM (the browser binary).
// Expected values come from the API itself (fetched here with the key), never from the console.
// The tests run in order and share one signed-in page, like a person working through the console.

import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import puppeteer from 'puppeteer-core';

const BASE = required('CONSOLE_URL');
const API_KEY = required('CONSOLE_API_KEY');
const PLATFORM_KEY = required('CONSOLE_PLATFORM_KEY');
const ARTIFACTS = process.env.CONSOLE_ARTIFACTS ?? 'target/console-artifacts';
const SCREENSHOTS = join(ARTIFACTS, 'screenshots');
const DOWNLOADS = join(ARTIFACTS, 'downloads');
const TENANT = 'demo';
const FRAMEWORK = 'cis-aws-foundations';
const WAIT_MS = 30_000;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run scripts/test-console.sh)`);
  return value;
}

/** The API, called directly with the key: the independent source of expected values. */
async function apiGet(path) {
  const response = await fetch(`${BASE}/api/v1/tenants/${TENANT}${path}`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  const body = await response.json();
  assert.equal(response.status, 200, `GET ${path}: ${JSON.stringify(body.error)}`);
  return body;
}

async function apiPost(path, payload) {
  const response = await fetch(`${BASE}/api/v1/tenants/${TENANT}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const body = await response.json();
  assert.ok(response.status < 300, `POST ${path}: ${response.status} ${JSON.stringify(body.error)}`);
  return body;
}

function formatScore(score) {
  return `${Math.round(score * 10) / 10}%`;
}

let browser;
let page;
const problems = [];

before(async () => {
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(SCREENSHOTS, { recursive: true });
  await mkdir(DOWNLOADS, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1366, height: 860 });
  // Console errors, uncaught exceptions and CSP violations fail the run (checked at the end).
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problems.push(`HTTP ${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
});

after(async () => {
  await browser?.close();
});

async function screenshot(name, { keepScroll = false } = {}) {
  if (!keepScroll) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

async function text(selector) {
  await page.waitForSelector(selector, { timeout: WAIT_MS });
  return page.$eval(selector, (element) => element.textContent.replace(/\s+/g, ' ').trim());
}

/** Waits until `selector`'s text satisfies `predicate` (the page updates asynchronously). */
async function waitForText(selector, predicate, what) {
  const deadline = Date.now() + WAIT_MS;
  let last = null;
  while (Date.now() < deadline) {
    last = await page.$eval(selector, (element) => element.textContent.replace(/\s+/g, ' ').trim()).catch(() => null);
    if (last !== null && predicate(last)) return last;
    await page.waitForNetworkIdle({ idleTime: 100, timeout: 2_000 }).catch(() => {});
  }
  assert.fail(`${what}: ${selector} never matched; last text: ${JSON.stringify(last)}`);
}

async function heading() {
  return text('main h1');
}

async function clickLink(selector) {
  await page.waitForSelector(selector, { timeout: WAIT_MS });
  await page.click(selector);
}

async function go(path) {
  // In-app navigation (the console's router), as a person clicking the sidebar would.
  await page.evaluate((target) => {
    history.pushState(null, '', target);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

test('the sign-in page loads under the strict CSP and signs in with an API key', async () => {
  const response = await page.goto(`${BASE}/`, { waitUntil: 'networkidle0' });
  assert.match(response.headers()['content-security-policy'], /script-src 'self'/);
  await page.waitForSelector('#api-key');
  await screenshot('01-sign-in');
  await page.type('#api-key', API_KEY);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=framework-scores]', { timeout: WAIT_MS });
  assert.equal(await text('[data-testid=tenant]'), TENANT);
  // The key is exchanged, not kept; no credential ever appears in the URL.
  const stored = await page.evaluate(() => JSON.stringify(sessionStorage));
  assert.ok(!stored.includes(API_KEY), 'the API key must not be stored');
  assert.ok(stored.includes('access_token'), 'the session keeps its access token');
  assert.ok(!page.url().includes('ic_live_') && !page.url().includes('token'), page.url());
});

test('the overview shows each framework score and its coverage as the API computes them', async () => {
  const { data: frameworks } = await apiGet('/compliance/frameworks');
  const cis = frameworks.find((framework) => framework.id === FRAMEWORK);
  const card = `[data-framework="${FRAMEWORK}"]`;
  await waitForText(`${card} [data-testid=score]`, (shown) => shown === formatScore(cis.score), 'CIS score');
  const coverage = await text(`${card} [data-testid=coverage]`);
  assert.ok(
    coverage.includes(`${cis.controls_passing + cis.controls_failing} / ${cis.controls_total}`),
    `coverage shown: ${coverage}`,
  );
  assert.ok(coverage.includes(`(${Math.round(cis.coverage)}%)`), `coverage share shown: ${coverage}`);
  const exposure = await apiGet('/exposure?per_page=1');
  assert.equal(await text('[data-testid=exposed-count]'), String(exposure.meta.total));
  const highOpen = await apiGet('/findings?severity=high&status=open&per_page=1');
  assert.ok((await text('[data-testid=severity-counts]')).includes(`high: ${highOpen.meta.total}`));
  const { data: jobs } = await apiGet('/jobs?per_page=200');
  const lastDiscovery = jobs.find((job) => job.kind === 'discovery');
  const scope = lastDiscovery.scopes[0];
  const discoveryRows = await page.$$eval('[data-testid=discoveries] tbody tr', (rows) => rows.map((row) => row.textContent.replace(/\s+/g, ' ').trim()));
  assert.ok(
    discoveryRows.some((row) => row.startsWith(`${scope.provider}${scope.account}${scope.region}${scope.status}`.replace(/_/g, ' '))),
    `last discovery of ${scope.account}/${scope.region}: ${JSON.stringify(discoveryRows)}`,
  );
  assert.ok(await page.$('svg.trend circle'), 'the trend has a point per evaluation');
  await screenshot('02-overview');
});

test('a failing control opens, its resource opens, and the neighbourhood walks on click', async () => {
  await clickLink(`[data-framework="${FRAMEWORK}"]`);
  await page.waitForSelector('details.control[data-status=FAIL]', { timeout: WAIT_MS });
  // The first failing control with a failing resource that has edges (a drawing to check).
  const { data: controls, meta } = await apiGet(`/compliance/controls?framework=${FRAMEWORK}`);
  // The page says which stored evaluation its scores are.
  assert.ok(meta.evaluation, 'the demo tenant has been evaluated');
  await waitForText(
    '[data-testid=scored-evaluation]',
    (shown) => shown.includes(`job ${String(meta.evaluation.job_id).slice(0, 8)}`) && shown.includes(`graph generation ${meta.evaluation.graph_generation}`),
    'the scored evaluation',
  );
  let failing = null;
  let resource = null;
  let edges = [];
  for (const control of controls.controls.filter((candidate) => candidate.status === 'FAIL')) {
    for (const candidate of control.failing_resources) {
      const { data } = await apiGet(`/edges?node=${encodeURIComponent(candidate.node_id)}&per_page=500`);
      if (data.length > 0) {
        [failing, resource, edges] = [control, candidate.node_id, data];
        break;
      }
    }
    if (failing) break;
  }
  assert.ok(failing, 'the sample estate has a failing resource with edges');
  const control = `details.control[data-control="${failing.id}"]`;
  await page.click(`${control} > summary`);
  const link = `${control}[open] [data-testid=failing-resource][data-node="${resource}"]`;
  await page.waitForSelector(link);
  await screenshot('03-compliance-control');
  const resourceHref = await page.$eval(link, (element) => element.getAttribute('href'));
  assert.equal(resourceHref, `/nodes/${encodeURIComponent(resource)}`);
  await page.click(link);
  await waitForText('[data-testid=node-id]', (shown) => shown === resource, 'node page');

  // The drawing holds the node's edges, as the API lists them, labelled by kind.
  await page.waitForSelector('svg.graph .graph-edge', { timeout: WAIT_MS });
  const drawnKinds = await page.$$eval('svg.graph .graph-edge', (groups) => groups.map((group) => group.dataset.kind).sort());
  assert.deepEqual(drawnKinds, edges.map((edge) => edge.kind).sort());
  const labels = await page.$$eval('svg.graph .edge-label', (nodes) => nodes.map((node) => node.textContent));
  assert.ok(labels.includes(edges[0].kind));
  await screenshot('04-node-neighbourhood');

  // Two hops draw more, then a click on a neighbour walks to it.
  await page.click('input[name=hops][value="2"]');
  await page.waitForFunction((count) => document.querySelectorAll('svg.graph .graph-edge').length > count, { timeout: WAIT_MS }, edges.length);
  await page.evaluate(() => document.querySelector('svg.graph').scrollIntoView());
  await screenshot('04b-node-two-hops', { keepScroll: true });
  const neighbour = await page.$eval('svg.graph a.graph-node.hop-1', (link) => link.dataset.node);
  await page.click(`svg.graph a.graph-node[data-node="${neighbour}"]`);
  await waitForText('[data-testid=node-id]', (shown) => shown === neighbour, 'walked to the neighbour');
  assert.ok(page.url().endsWith(`/nodes/${encodeURIComponent(neighbour)}`), page.url());
});

async function trace({ source, cidr, destinationNode, port }) {
  await go('/paths');
  await page.waitForSelector('#t-source');
  await page.$eval('#t-source', (input) => { input.value = ''; });
  await page.type('#t-source', source);
  await page.click(`input[name=destination-kind][value=${destinationNode ? 'node' : 'cidr'}]`);
  const field = destinationNode ? '#t-destination' : '#t-cidr';
  await page.waitForSelector(field);
  await page.$eval(field, (input) => { input.value = ''; });
  await page.type(field, destinationNode ?? cidr);
  await page.$eval('#t-port', (input) => { input.value = ''; });
  await page.type('#t-port', String(port));
  await page.click('.trace-form button[type=submit]');
  await page.waitForSelector('[data-testid=trace-result]', { timeout: WAIT_MS });
}

test('a reachable path shows its hops and no blocking hop', async () => {
  const query = { source_node_id: 'aws:us-east-1:aws.ec2.instance:i-0a0000', destination_cidr: '0.0.0.0/0', port: 443, protocol: 'tcp' };
  const { data: expected } = await apiPost('/pathtracer/trace', query);
  assert.equal(expected.reachable, true, 'the sample estate lets prod-web-00 reach the internet on 443');
  await trace({ source: query.source_node_id, cidr: query.destination_cidr, port: query.port });
  assert.equal(await text('[data-testid=trace-reachable]'), 'Reachable');
  assert.equal(await text('[data-testid=trace-disposition]'), expected.disposition.replace(/_/g, ' '));
  const shown = await page.$$eval('[data-testid=forward-hops] .hop', (hops) => hops.map((hop) => `${hop.dataset.seq}:${hop.dataset.verdict}`));
  assert.deepEqual(shown, expected.forward_hops.map((hop) => `${hop.seq}:${hop.verdict}`));
  assert.equal(await page.$('[data-blocking=true]'), null);
  await screenshot('05-path-reachable');
});

test('a blocked path highlights the hop that blocks it', async () => {
  const query = {
    source_node_id: 'aws:us-east-1:aws.ec2.instance:i-0a0000',
    destination_node_id: 'aws:us-east-1:aws.ec2.instance:i-0a0024',
    port: 5432,
    protocol: 'tcp',
  };
  const { data: expected } = await apiPost('/pathtracer/trace', query);
  assert.equal(expected.reachable, false, 'the sample estate keeps prod-web-00 away from prod-db-00 on 5432');
  assert.ok(expected.blocked_at, 'the API names the blocking hop');
  await trace({ source: query.source_node_id, destinationNode: query.destination_node_id, port: query.port });
  assert.equal(await text('[data-testid=trace-reachable]'), 'Not reachable');
  const blocking = await page.$$eval('[data-blocking=true]', (hops) => hops.map((hop) => ({
    seq: Number(hop.dataset.seq), verdict: hop.dataset.verdict, text: hop.textContent,
  })));
  assert.equal(blocking.length, 1, 'exactly one hop is marked as blocking');
  assert.equal(blocking[0].seq, expected.blocked_at.seq);
  assert.ok(blocking[0].text.includes('Blocking hop'));
  const blockedHop = expected.forward_hops.find((hop) => hop.seq === expected.blocked_at.seq);
  assert.equal(blocking[0].verdict, blockedHop.verdict);
  assert.ok(blocking[0].text.includes(blockedHop.text), 'the blocking hop says why');
  await screenshot('06-path-blocked');
});

test('accepting a finding changes the framework score', async () => {
  const { data: before } = await apiGet(`/compliance/controls?framework=${FRAMEWORK}`);
  // A failing control held down by one (rule, resource) pair: accepting it makes the control pass.
  const control = before.controls.find((candidate) => candidate.status === 'FAIL'
    && new Set(candidate.failing_resources.map((item) => `${item.rule_id}|${item.node_id}`)).size === 1);
  assert.ok(control, 'the sample estate has a control failing on one resource');
  const target = control.failing_resources[0];
  const { data: findings } = await apiGet(`/findings?rule_id=${encodeURIComponent(target.rule_id)}&node_id=${encodeURIComponent(target.node_id)}&status=open`);
  assert.equal(findings.length, 1);

  await go(`/findings?rule_id=${encodeURIComponent(target.rule_id)}&node_id=${encodeURIComponent(target.node_id)}`);
  await page.waitForSelector('[data-testid=findings-table] tbody a', { timeout: WAIT_MS });
  await screenshot('07-findings');
  await page.click('[data-testid=findings-table] tbody tr a');
  await waitForText('[data-testid=finding-reason]', (shown) => shown === findings[0].reason, 'finding page');
  assert.ok((await text('[data-testid=rule-text]')).length > 10, 'the rule text is shown');
  await page.select('#accept-kind', 'risk_accepted');
  await page.type('#accept-reason', 'compensating control: traffic mirrored to the SIEM (console test)');
  await screenshot('08-finding', { keepScroll: true });
  await page.click('[data-testid=accept-form] button[type=submit]');
  await waitForText('[data-testid=finding-status]', (shown) => shown === 'accepted', 'finding status');

  const { data: accepted } = await apiGet(`/findings/${findings[0].id}`);
  assert.equal(accepted.status, 'accepted');
  assert.equal(accepted.acceptance.kind, 'risk_accepted');
  assert.ok(accepted.acceptance.expires_at, 'the form sends the default expiry');
  const { data: after } = await apiGet(`/compliance/controls?framework=${FRAMEWORK}`);
  assert.notEqual(after.score, before.score, 'accepting the only failing resource changes the score');

  await go('/');
  await waitForText(`[data-framework="${FRAMEWORK}"] [data-testid=score]`, (shown) => shown === formatScore(after.score), 'new score on the overview');
  await go(`/compliance/${FRAMEWORK}`);
  await waitForText('[data-testid=framework-score]', (shown) => shown === formatScore(after.score), 'new score on the framework page');
  const status = await page.$eval(`details.control[data-control="${control.id}"]`, (element) => element.dataset.status);
  assert.equal(status, after.controls.find((candidate) => candidate.id === control.id).status);
  assert.notEqual(status, 'FAIL');
});

test('a discovery started from the console streams its progress to the end and shows its diff', async () => {
  const jobsBefore = await apiGet('/jobs?per_page=1');
  await go('/jobs');
  await page.waitForSelector('[data-testid=start-discovery]', { timeout: WAIT_MS });
  await page.select('#d-provider', 'fixture');
  // Choosing the provider fills in its example configuration when the page re-renders: wait for
  // it (on a loaded machine it lands after any clearing done earlier), then replace it by keyboard
  // as a user would, and check the field holds exactly the configuration typed.
  await page.waitForFunction(() => document.querySelector('#d-config').value.trim() !== '', { timeout: WAIT_MS });
  await page.focus('#d-config');
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.type('#d-config', '{"sample": true}');
  assert.equal(await page.$eval('#d-config', (textarea) => textarea.value), '{"sample": true}');
  await screenshot('09-jobs');
  // The progress comes from GET …/events, read with fetch (watch that request carry the token
  // in its header, never in its URL).
  const eventsRequest = page.waitForRequest((request) => request.url().endsWith('/events'), { timeout: WAIT_MS });
  await page.click('[data-testid=start-discovery] button[type=submit]');
  const request = await eventsRequest;
  assert.match(request.headers().authorization ?? '', /^Bearer /);
  assert.ok(!request.url().includes('token') && !request.url().includes('ic_live_'));
  await waitForText('[data-testid=job-status]', (shown) => shown.startsWith('Status: succeeded'), 'job finished');
  const jobId = decodeURIComponent(page.url().split('/jobs/')[1]);
  const { data: job } = await apiGet(`/jobs/${jobId}`);
  assert.equal(job.status, 'succeeded');
  assert.equal(job.kind, 'discovery');
  assert.equal((await apiGet('/jobs?per_page=1')).meta.total, jobsBefore.meta.total + 1);
  const { data: diff } = await apiGet(`/jobs/${jobId}/diff`);
  await page.waitForSelector('[data-testid=job-diff]', { timeout: WAIT_MS });
  const added = await text('[data-testid=job-diff] [data-change=added]');
  assert.equal(added, String(diff.diff.added.nodes.length));
  assert.ok((await text('[data-testid=job-progress]')).includes(job.progress.last_event));
  await page.waitForSelector(`[data-testid=job-finished] time[datetime="${job.finished_at}"]`, { timeout: WAIT_MS });
  await screenshot('10-job');
});

test('a PDF report is generated, goes READY and downloads', async () => {
  const session = await browser.target().createCDPSession();
  await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: resolve(DOWNLOADS) });
  await go('/reports');
  await page.waitForSelector('[data-testid=generate-report]', { timeout: WAIT_MS });
  await page.waitForSelector(`#r-framework option[value="${FRAMEWORK}"]`, { timeout: WAIT_MS });
  await page.select('#r-format', 'pdf');
  await page.select('#r-framework', FRAMEWORK);
  await page.type('#r-title', 'Console test report');
  await page.click('[data-testid=generate-report] button[type=submit]');
  await page.waitForSelector('[data-testid=reports-table] tr[data-status=READY] button[data-report]', { timeout: 60_000 });
  await screenshot('11-reports');
  const reportId = await page.$eval('[data-testid=reports-table] tr[data-status=READY] button[data-report]', (button) => button.dataset.report);
  const { data: report } = await apiGet(`/reports/${reportId}`);
  assert.equal(report.format, 'pdf');
  await page.click(`button[data-report="${reportId}"]`);
  const deadline = Date.now() + WAIT_MS;
  let saved = null;
  while (!saved && Date.now() < deadline) {
    const files = await readdir(DOWNLOADS);
    saved = files.find((file) => file.endsWith('.pdf'));
    if (!saved) await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
  assert.ok(saved, 'a .pdf file was downloaded');
  assert.equal(saved, report.filename);
  const bytes = await readFile(join(DOWNLOADS, saved));
  assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF');
  assert.equal(bytes.length, report.size_bytes);
});

test('names from the estate are shown as text, never as markup', async () => {
  const hostile = '<img src=x onerror="window.__consoleXss=1">evil';
  await apiPost('/nodes', {
    id: 'aws:us-east-1:aws.ec2.instance:i-0console0xss',
    type: 'aws.ec2.instance',
    provider: 'aws',
    region: 'us-east-1',
    account: '111122223333',
    name: hostile,
    tags: { owner: '<b>bold</b>' },
    properties: {},
  });
  await go(`/inventory?q=${encodeURIComponent('onerror')}`);
  await waitForText('[data-testid=node-table] tbody', (shown) => shown.includes(hostile), 'hostile name listed as text');
  const injected = await page.evaluate(() => ({
    images: document.querySelectorAll('[data-testid=node-table] img').length,
    bold: document.querySelectorAll('[data-testid=node-table] b').length,
    flag: window.__consoleXss ?? null,
  }));
  assert.deepEqual(injected, { images: 0, bold: 0, flag: null });
});

test('the inventory filters, sorts and pages with the keyset cursor', async () => {
  const firstPage = await apiGet('/nodes?types=aws.ec2.instance&sort=name&per_page=50');
  assert.ok(firstPage.meta.next_cursor, 'the sample estate has more than 50 instances');
  await go('/inventory?types=aws.ec2.instance&sort=name');
  await waitForText('[data-testid=node-count]', (shown) => shown === `${firstPage.meta.total} nodes match.`, 'filtered count');
  assert.equal(await page.$eval('#f-q', (input) => input.value), '', 'the form follows the URL');
  await waitForText('[data-testid=node-table] tbody tr:first-child td', (shown) => shown === (firstPage.data[0].name || firstPage.data[0].id), 'first page');
  await screenshot('12-inventory');
  await page.click('.pager button:last-of-type');
  const secondPage = await apiGet(`/nodes?types=aws.ec2.instance&sort=name&per_page=50&cursor=${encodeURIComponent(firstPage.meta.next_cursor)}`);
  await waitForText('[data-testid=node-table] tbody tr:first-child td', (shown) => shown === (secondPage.data[0].name || secondPage.data[0].id), 'second page');
  await waitForText('.pager span', (shown) => shown === 'Page 2', 'page number');
});

test('findings filter by framework through its controls\' rules', async () => {
  const { data: controls } = await apiGet('/compliance/controls?framework=pci-dss');
  const rules = [...new Set(controls.controls.flatMap((control) => control.rules))];
  const expected = await apiGet(`/findings?rule_id=${encodeURIComponent(rules.join(','))}&status=open&per_page=1`);
  const everything = await apiGet('/findings?status=open&per_page=1');
  assert.ok(expected.meta.total > 0 && expected.meta.total < everything.meta.total, 'PCI covers some findings, not all');
  await go('/findings?framework=pci-dss&status=open');
  await waitForText('main [role=status]', (shown) => shown === `${expected.meta.total} findings match.`, 'framework filter');
  assert.equal(await page.$eval('#f-framework', (select) => select.value), 'pci-dss');
});

test('a viewer sees everything but cannot triage, discover or generate', async () => {
  const created = await apiPost('/api-keys', { role: 'viewer', name: 'console viewer' });
  const viewerKey = created.data.key;
  const session = await browser.createBrowserContext();
  const viewerPage = await session.newPage();
  try {
    await viewerPage.goto(`${BASE}/`, { waitUntil: 'networkidle0' });
    await viewerPage.type('#api-key', viewerKey);
    await viewerPage.click('button[type=submit]');
    await viewerPage.waitForSelector('[data-testid=framework-scores]', { timeout: WAIT_MS });
    assert.ok((await viewerPage.$eval('.topbar', (bar) => bar.textContent)).includes('viewer'));
    const { data: [finding] } = await apiGet('/findings?status=open&per_page=1');
    for (const [path, ready, forbidden] of [
      [`/findings/${finding.id}`, '[data-testid=finding-reason]', '[data-testid=accept-form]'],
      ['/jobs', '[data-testid=jobs-table]', '[data-testid=start-discovery]'],
      ['/reports', 'main h1', '[data-testid=generate-report]'],
    ]) {
      await viewerPage.evaluate((target) => { history.pushState(null, '', target); dispatchEvent(new PopStateEvent('popstate')); }, path);
      await viewerPage.waitForSelector(ready, { timeout: WAIT_MS });
      await viewerPage.waitForNetworkIdle({ idleTime: 200, timeout: WAIT_MS });
      assert.equal(await viewerPage.$(forbidden), null, `${path} offers ${forbidden} to a viewer`);
    }
  } finally {
    await session.close();
  }
});

test('the exposure page lists what the API finds exposed, with proofs', async () => {
  const exposure = await apiGet('/exposure?per_page=25');
  await go('/exposure');
  await waitForText('[data-testid=exposure-total]', (shown) => shown.startsWith(`${exposure.meta.total} `), 'exposure total');
  const listed = await page.$$eval('.exposure-list > li', (items) => items.map((item) => item.dataset.node));
  assert.deepEqual(listed, exposure.data.map((entry) => entry.node_id));
  await page.click('.exposure-list > li:first-child summary');
  const hops = await page.$$eval('.exposure-list > li:first-child .hop', (items) => items.length);
  assert.equal(hops, exposure.data[0].path.length);
  await screenshot('13-exposure');
});

test('the access token is refreshed before it expires, also after a reload', async () => {
  await page.goto(`${BASE}/`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('[data-testid=framework-scores]', { timeout: WAIT_MS });
  const before = await page.evaluate(() => JSON.parse(sessionStorage.getItem('infracast.console.session')));
  // Pretend the token expires in 61 s (the console refreshes a minute ahead), then reload.
  await page.evaluate((session) => {
    sessionStorage.setItem('infracast.console.session', JSON.stringify({ ...session, expires_at: Date.now() + 61_000 }));
  }, before);
  const refresh = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/refresh'), { timeout: WAIT_MS });
  await page.reload({ waitUntil: 'networkidle0' });
  assert.equal((await refresh).status(), 200);
  const deadline = Date.now() + WAIT_MS;
  let after = before;
  while (after.access_token === before.access_token && Date.now() < deadline) {
    after = await page.evaluate(() => JSON.parse(sessionStorage.getItem('infracast.console.session')));
  }
  assert.notEqual(after.access_token, before.access_token);
  assert.notEqual(after.refresh_token, before.refresh_token);
  assert.ok(after.expires_at > Date.now() + 5 * 60_000, 'a fresh token lives for minutes');
  // The new token works: a page loads its data with it.
  await go('/compliance');
  await page.waitForSelector('[data-testid=framework-table] tbody tr', { timeout: WAIT_MS });
});

test('the keyboard reaches the skip link first, and sign-out forgets the session', async () => {
  await page.goto(`${BASE}/`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('[data-testid=framework-scores]', { timeout: WAIT_MS });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.click('.topbar button:last-of-type');
  await page.waitForSelector('#api-key', { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.goto(`${BASE}/findings`, { waitUntil: 'networkidle0' });
  assert.ok(await page.$('#api-key'), 'a signed-out reload asks for a key again');
});

test('a platform key picks its tenant first', async () => {
  await page.goto(`${BASE}/`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#api-key', { timeout: WAIT_MS });
  await page.type('#api-key', PLATFORM_KEY);
  await page.click('button[type=submit]');
  await page.waitForSelector('.tenant-list button', { timeout: WAIT_MS });
  await screenshot('14-tenant-picker');
  const tenants = await page.$$eval('.tenant-list button', (buttons) => buttons.map((button) => button.textContent));
  assert.ok(tenants.some((label) => label.includes(`(${TENANT},`)), JSON.stringify(tenants));
  await page.click('.tenant-list button');
  await page.waitForSelector('[data-testid=framework-scores]', { timeout: WAIT_MS });
  assert.equal(await text('[data-testid=tenant]'), TENANT);
  assert.ok((await text('.topbar')).includes('platform_admin'));
});

test('no console errors, uncaught exceptions or CSP violations happened', () => {
  assert.deepEqual(problems, []);
});
