// Sign-in: an API key is exchanged for tokens (POST /api/v1/auth/token) and then forgotten. A
// platform key has no tenant of its own: it picks one from GET /api/v1/tenants.

import { useState } from 'preact/hooks';
import { api, chooseTenant, query, signIn, signOut } from '../api.js';
import { ErrorBox, Loaded, html, useLoad } from '../ui.js';

export function SignIn() {
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(apiKey);
      setApiKey('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return html`
    <main id="main" class="signin">
      <form class="card signin-card" onSubmit=${submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Infracast</h1>
        <p class="muted">Paste an API key (<code>ic_live_…</code>). It is exchanged for short-lived
          tokens and not stored.</p>
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false"
          required value=${apiKey} onInput=${(event) => setApiKey(event.currentTarget.value)} />
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
        <${ErrorBox} error=${error} />
      </form>
    </main>`;
}

export function TenantPicker({ session }) {
  const state = useLoad((signal) => api(`/api/v1/tenants${query({ per_page: 500 })}`, { signal }), [session.key_id]);
  return html`
    <main id="main" class="signin">
      <div class="card signin-card">
        <h1>Choose a tenant</h1>
        <p class="muted">You signed in with a platform key (role ${session.role}).</p>
        <${Loaded} state=${state} what="Loading tenants">${(envelope) => envelope.data.length === 0
          ? html`<p>No tenants yet. Create one with <code>POST /api/v1/tenants</code>.</p>`
          : html`<ul class="tenant-list">
              ${envelope.data.map((tenant) => html`<li>
                <button type="button" onClick=${() => chooseTenant(tenant.id)}>
                  ${tenant.name} <span class="muted">(${tenant.id}, ${tenant.plan})</span>
                </button></li>`)}
            </ul>`}
        </${Loaded}>
        <button type="button" class="link-button" onClick=${signOut}>Sign out</button>
      </div>
    </main>`;
}
