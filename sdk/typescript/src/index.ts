/**
 * Infracast SDK for TypeScript and JavaScript: `new InfracastClient({ apiUrl, apiToken })`, typed
 * answers and errors, async iterators over every page, and `verifyWebhook` for receivers.
 */
export * from "./client.js";
export * from "./errors.js";
export * from "./types.js";
export * from "./webhooks.js";
export { OPERATIONS } from "./operations.js";
export { encodeQuery } from "./transport.js";
export type { RetryHook, Query, QueryValue } from "./transport.js";
