// The console's shell: sign-in (and the tenant picker for platform keys) until there is a
// session, then the navigation and the page the URL names.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { chooseTenant, currentSession, onSessionChange, signOut } from './api.js';
import { installLinkInterception, match, navigate, useLocation } from './router.js';
import { html } from './ui.js';
import { SignIn, TenantPicker } from './pages/signin.js';
import { Overview } from './pages/overview.js';
import { Inventory } from './pages/inventory.js';
import { NodePage } from './pages/node.js';
import { Findings } from './pages/findings.js';
import { FindingPage } from './pages/finding.js';
import { Compliance } from './pages/compliance.js';
import { PathTracer } from './pages/pathtracer.js';
import { Exposure } from './pages/exposure.js';
import { Jobs } from './pages/jobs.js';
import { JobPage } from './pages/job.js';
import { Reports } from './pages/reports.js';

const NAVIGATION = [
  ['/', 'Overview'],
  ['/inventory', 'Inventory'],
  ['/findings', 'Findings'],
  ['/compliance', 'Compliance'],
  ['/paths', 'Path tracer'],
  ['/exposure', 'Exposure'],
  ['/jobs', 'Jobs'],
  ['/reports', 'Reports'],
];

/** Page path patterns → components (the same list as `PAGES` in src/api/console.rs). */
const ROUTES = [
  ['/', Overview],
  ['/inventory', Inventory],
  ['/nodes/:nodeId', NodePage],
  ['/findings', Findings],
  ['/findings/:findingId', FindingPage],
  ['/compliance', Compliance],
  ['/compliance/:framework', Compliance],
  ['/paths', PathTracer],
  ['/exposure', Exposure],
  ['/jobs', Jobs],
  ['/jobs/:jobId', JobPage],
  ['/reports', Reports],
];

function useSession() {
  const [session, setSession] = useState(currentSession);
  useEffect(() => onSessionChange(setSession), []);
  return session;
}

function isCurrent(href, path) {
  if (href === '/') return path === '/';
  return path === href || path.startsWith(`${href}/`) || (href === '/inventory' && path.startsWith('/nodes/'));
}

function Shell({ session, where, children }) {
  return html`
    <a class="skip-link" href="#main">Skip to content</a>
    <header class="topbar">
      <a class="brand" href="/">Infracast</a>
      <div class="who">
        <span>Tenant <strong data-testid="tenant">${session.tenant}</strong></span>
        <span class="muted">role ${session.role}</span>
        ${session.key_tenant === null
          ? html`<button type="button" class="link-button" onClick=${() => chooseTenant(null)}>Switch tenant</button>`
          : null}
        <button type="button" onClick=${() => { signOut(); navigate('/signin', { replace: true }); }}>Sign out</button>
      </div>
    </header>
    <div class="layout">
      <nav class="sidebar" aria-label="Console">
        <ul>
          ${NAVIGATION.map(([href, label]) => html`
            <li><a href=${href} aria-current=${isCurrent(href, where.path) ? 'page' : undefined}>${label}</a></li>`)}
        </ul>
      </nav>
      <main id="main" tabindex="-1">${children}</main>
    </div>`;
}

function NotFound({ where }) {
  return html`<h1>Not found</h1><p>No console page at <code>${where.path}</code>.</p><p><a href="/">Overview</a></p>`;
}

function App() {
  const session = useSession();
  const where = useLocation();
  if (!session) return html`<${SignIn} />`;
  if (!session.tenant) return html`<${TenantPicker} session=${session} />`;
  if (where.path === '/signin') {
    navigate('/', { replace: true });
    return null;
  }
  for (const [pattern, Page] of ROUTES) {
    const parameters = match(pattern, where.path);
    if (parameters) {
      return html`<${Shell} session=${session} where=${where}>
        <${Page} key=${`${session.tenant}:${where.path}`} ...${parameters} search=${where.search} session=${session} />
      </${Shell}>`;
    }
  }
  return html`<${Shell} session=${session} where=${where}><${NotFound} where=${where} /></${Shell}>`;
}

installLinkInterception();
const container = document.getElementById('app');
// Preact renders beside existing children: drop the "Loading…" placeholder of index.html.
container.textContent = '';
render(html`<${App} />`, container);
