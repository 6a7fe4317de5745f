// The console's only way to the server: the public API under /api/v1, with the caller's access
// token in the Authorization header (never in a URL). Holds the session (access and refresh
// tokens, who the caller is, the chosen tenant) in sessionStorage, so it survives a reload of the
// tab but not closing it; the API key itself is exchanged once and never kept.

const STORAGE_KEY = 'infracast.console.session';
// Refresh this long before the access token expires, so a request never races its expiry.
const REFRESH_MARGIN_MS = 60_000;
// Retries after a 429, honouring Retry-After (a free plan allows bursts of 10 requests).
const MAX_RATE_LIMIT_RETRIES = 3;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let session = loadSession();
let refreshTimer = null;
let refreshInFlight = null;
const listeners = new Set();
// A session restored from the tab (a reload) keeps being refreshed before it expires.
scheduleRefresh();

function loadSession() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    return stored && stored.access_token ? stored : null;
  } catch {
    return null;
  }
}

function saveSession(next) {
  session = next;
  if (next) {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  } else {
    sessionStorage.removeItem(STORAGE_KEY);
  }
  scheduleRefresh();
  for (const listener of listeners) listener(session);
}

/** Calls `listener(session)` whenever the session changes (sign-in, tenant, sign-out). */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentSession() {
  return session;
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = null;
  if (!session) return;
  const delay = Math.max(1_000, session.expires_at - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(() => {
    refreshTokens().catch(() => {});
  }, delay);
}

async function postJson(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  return parseEnvelope(response);
}

async function parseEnvelope(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok || !body || body.error) {
    const error = body?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? `The server answered ${response.status} ${response.statusText}`,
      error.details ?? null,
    );
  }
  return body;
}

function tokensToSession(tokens, previous) {
  return {
    ...previous,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: Date.now() + tokens.expires_in * 1000,
  };
}

/** Exchanges an API key for tokens, learns who the caller is, and starts the session. */
export async function signIn(apiKey) {
  const { data: tokens } = await postJson('/api/v1/auth/token', { api_key: apiKey.trim() });
  const fresh = tokensToSession(tokens, {});
  const me = await fetch('/api/v1/auth/me', {
    headers: { authorization: `Bearer ${fresh.access_token}`, accept: 'application/json' },
    credentials: 'omit',
    cache: 'no-store',
  }).then(parseEnvelope);
  saveSession({
    ...fresh,
    role: me.data.role,
    key_id: me.data.key_id,
    // A tenant key is bound to its tenant; a platform key picks one (see `chooseTenant`).
    key_tenant: me.data.tenant,
    tenant: me.data.tenant,
  });
  return session;
}

/** Platform keys only: the tenant whose data the console shows. */
export function chooseTenant(tenant) {
  if (!session) return;
  saveSession({ ...session, tenant });
}

export function signOut() {
  saveSession(null);
}

/** Single-use refresh tokens: one refresh at a time, every caller awaits the same one. */
export function refreshTokens() {
  if (!session) return Promise.reject(new ApiError(401, 'UNAUTHORIZED', 'Not signed in'));
  if (!refreshInFlight) {
    const refreshing = session;
    refreshInFlight = postJson('/api/v1/auth/refresh', { refresh_token: refreshing.refresh_token })
      .then(({ data }) => {
        if (session && session.refresh_token === refreshing.refresh_token) {
          saveSession(tokensToSession(data, session));
        }
        return session;
      })
      .catch((error) => {
        if (error.status === 401) signOut();
        throw error;
      })
      .finally(() => {
        refreshInFlight = null;
      });
  }
  return refreshInFlight;
}

async function authorizedFetch(path, init = {}, retriedAfterRefresh = false, rateLimitRetries = 0) {
  if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'Not signed in');
  if (session.expires_at - Date.now() < 5_000) await refreshTokens();
  const response = await fetch(path, {
    ...init,
    headers: { ...(init.headers ?? {}), authorization: `Bearer ${session.access_token}` },
    credentials: 'omit',
    cache: 'no-store',
  });
  if (response.status === 401 && !retriedAfterRefresh) {
    await refreshTokens();
    return authorizedFetch(path, init, true, rateLimitRetries);
  }
  if (response.status === 429 && rateLimitRetries < MAX_RATE_LIMIT_RETRIES) {
    const seconds = Number(response.headers.get('retry-after')) || 1;
    await new Promise((resolve) => setTimeout(resolve, Math.min(seconds, 30) * 1000));
    return authorizedFetch(path, init, retriedAfterRefresh, rateLimitRetries + 1);
  }
  return response;
}

/** A JSON API call; resolves to the whole envelope (`data`, `meta`), throws `ApiError`. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const init = { method, signal, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return parseEnvelope(await authorizedFetch(path, init));
}

/** A file from the API (a report download): the bytes and the server's file name. */
export async function download(path) {
  const response = await authorizedFetch(path, { headers: { accept: '*/*' } });
  if (!response.ok) await parseEnvelope(response);
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? 'report';
  return { blob: await response.blob(), name };
}

/**
 * Reads a server-sent event stream with `fetch` (EventSource cannot send an Authorization
 * header, and a token must never go into a URL). Calls `onEvent({event, data})` per event and
 * resolves when the server ends the stream or `signal` aborts.
 */
export async function readEventStream(path, onEvent, signal) {
  const response = await authorizedFetch(path, { signal, headers: { accept: 'text/event-stream' } });
  if (!response.ok) await parseEnvelope(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, '\n');
      let boundary;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event = parseEventBlock(block);
        if (event) onEvent(event);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseEventBlock(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  const text = data.join('\n');
  try {
    return { event, data: JSON.parse(text) };
  } catch {
    return { event, data: text };
  }
}

/** `/api/v1/tenants/{tenant}` + suffix, for the session's tenant. */
export function tenantPath(suffix) {
  if (!session?.tenant) throw new ApiError(400, 'BAD_REQUEST', 'No tenant chosen');
  return `/api/v1/tenants/${encodeURIComponent(session.tenant)}${suffix}`;
}

/** A query string from an object, leaving out empty values; arrays repeat the key. */
export function query(parameters) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      for (const item of value) if (item !== '') search.append(key, item);
    } else {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Roles that may triage findings, run evaluations and generate reports (as the API decides). */
export function canTriage() {
  return ['admin', 'analyst', 'platform_admin'].includes(session?.role);
}

/** Roles that may change data, e.g. start discovery jobs (as the API decides). */
export function canWrite() {
  return ['admin', 'platform_admin'].includes(session?.role);
}
