/**
 * Verifies a webhook delivery: `X-Infracast-Signature` is `sha256=<hex>` of
 * HMAC-SHA256(secret, `${X-Infracast-Timestamp}.${raw body}`); a timestamp further from now than
 * the tolerance is refused, so a captured delivery cannot be replayed later. Uses Web Crypto
 * (browsers, Node 18+).
 */

import { WebhookSignatureError } from "./errors.js";
import type { WebhookEvent } from "./types.js";

export const SIGNATURE_HEADER = "x-infracast-signature";
export const TIMESTAMP_HEADER = "x-infracast-timestamp";
export const DEFAULT_TOLERANCE_SECONDS = 300;

async function subtleCrypto(): Promise<SubtleCrypto> {
  const global = (globalThis as { crypto?: Crypto }).crypto;
  if (global?.subtle) return global.subtle;
  // Node 18 keeps Web Crypto in `node:crypto` rather than on globalThis.
  // A computed specifier, so bundlers for browsers do not try to include it.
  const specifier = "node:crypto";
  const module = (await import(specifier)) as { webcrypto: Crypto };
  return module.webcrypto.subtle;
}

function toBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? new TextEncoder().encode(body) : body;
}

/** The signature the server sends for `body` at `timestamp`. */
export async function computeSignature(
  secret: string,
  timestamp: number | string,
  body: string | Uint8Array,
): Promise<string> {
  const subtle = await subtleCrypto();
  const key = await subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const prefix = new TextEncoder().encode(`${timestamp}.`);
  const bytes = toBytes(body);
  const message = new Uint8Array(prefix.length + bytes.length);
  message.set(prefix, 0);
  message.set(bytes, prefix.length);
  const digest = new Uint8Array(await subtle.sign("HMAC", key, message));
  return "sha256=" + Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function constantTimeEqual(left: string, right: string): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index += 1) difference |= left.charCodeAt(index) ^ right.charCodeAt(index);
  return difference === 0;
}

export interface VerifyOptions {
  secret: string;
  /** The request's headers (any case); or give `signature` and `timestamp`. */
  headers?: Record<string, string | string[] | undefined> | Headers;
  signature?: string;
  timestamp?: number | string;
  toleranceSeconds?: number;
  /** Unix seconds, default now. */
  now?: number;
}

function header(headers: VerifyOptions["headers"], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Checks signature and timestamp over the raw body; resolves with the event or rejects with `WebhookSignatureError`. */
export async function verifyWebhook(body: string | Uint8Array, options: VerifyOptions): Promise<WebhookEvent> {
  const signature = options.signature ?? header(options.headers, SIGNATURE_HEADER);
  const timestamp = options.timestamp ?? header(options.headers, TIMESTAMP_HEADER);
  if (!signature || timestamp === undefined) {
    throw new WebhookSignatureError("missing signature or timestamp header", { code: "BAD_SIGNATURE" });
  }
  const sentAt = Number(timestamp);
  if (!Number.isInteger(sentAt)) {
    throw new WebhookSignatureError("timestamp is not a whole number", { code: "BAD_SIGNATURE" });
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? Date.now() / 1000;
  if (Math.abs(now - sentAt) > tolerance) {
    throw new WebhookSignatureError(
      `timestamp is ${Math.round(now - sentAt)} s away from now (tolerance ${tolerance} s)`,
      { code: "STALE_TIMESTAMP" },
    );
  }
  const expected = await computeSignature(options.secret, sentAt, body);
  if (!constantTimeEqual(expected, signature.trim())) {
    throw new WebhookSignatureError("signature does not match the body", { code: "BAD_SIGNATURE" });
  }
  const text = typeof body === "string" ? body : new TextDecoder().decode(body);
  return JSON.parse(text) as WebhookEvent;
}
