// Vocabulary read from the API's own OpenAPI document (public, no token): the node types and edge
// kinds the server knows, so the console's pickers never drift from the server.

import { useEffect, useState } from 'preact/hooks';

let vocabulary = null;

function loadVocabulary() {
  vocabulary ??= fetch('/api/v1/openapi.json', { credentials: 'omit' })
    .then((response) => (response.ok ? response.json() : null))
    .then((document) => ({
      nodeTypes: document?.components?.schemas?.NodeTypeName?.enum ?? [],
      edgeKinds: document?.components?.schemas?.EdgeKindName?.enum ?? [],
    }))
    .catch(() => ({ nodeTypes: [], edgeKinds: [] }));
  return vocabulary;
}

export function useNodeTypes() {
  const [types, setTypes] = useState([]);
  useEffect(() => {
    let live = true;
    loadVocabulary().then((loaded) => live && setTypes([...loaded.nodeTypes].sort()));
    return () => { live = false; };
  }, []);
  return types;
}
