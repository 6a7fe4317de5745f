// Client-side routing over the History API: real `<a href>` links (keyboard and middle-click work
// as usual), intercepted for same-origin console pages. The server answers index.html for these
// page paths only (src/api/console.rs lists them), never for /api/….

import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

function notify() {
  for (const listener of listeners) listener(currentLocation());
}

export function currentLocation() {
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

export function navigate(href, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  notify();
}

export function useLocation() {
  const [where, setWhere] = useState(currentLocation);
  useEffect(() => {
    listeners.add(setWhere);
    return () => listeners.delete(setWhere);
  }, []);
  return where;
}

/** Follows in-app links without a page load; anything else (new tab, downloads) is left alone. */
export function installLinkInterception() {
  window.addEventListener('popstate', notify);
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = event.target.closest?.('a[href]');
    // getAttribute: an SVG <a> (the neighbourhood drawing) has no string `href`/`target`.
    if (!anchor || anchor.getAttribute('target') || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.getAttribute('href'), location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}

/** `/nodes/{id}` for a node id (ids contain `:`; every part is percent-encoded). */
export function nodeHref(nodeId) {
  return `/nodes/${encodeURIComponent(nodeId)}`;
}

export function findingHref(findingId) {
  return `/findings/${encodeURIComponent(findingId)}`;
}

/** Matches `path` against patterns like `/nodes/:id`; returns the decoded parameters or null. */
export function match(pattern, path) {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return null;
  const parameters = {};
  for (let index = 0; index < want.length; index += 1) {
    if (want[index].startsWith(':')) {
      try {
        parameters[want[index].slice(1)] = decodeURIComponent(have[index]);
      } catch {
        return null;
      }
    } else if (want[index] !== have[index]) {
      return null;
    }
  }
  return parameters;
}
