/**
 * HTTP transport on `fetch`: bearer auth, the envelope, typed errors, bounded retries (429
 * honouring Retry-After; connection failures on idempotent methods) and the automatic refresh of
 * an expired access token. Resources call `request`; nothing else does IO.
 */

import {
  AuthenticationError,
  ConnectionFailedError,
  InfracastError,
  RateLimitError,
  errorFromResponse,
} from "./errors.js";
import type { Page, Tokens } from "./types.js";

export type QueryValue = string | number | boolean | readonly string[] | null | undefined;
export type Query = Record<string, QueryValue>;
export type RetryHook = (attempt: number, delaySeconds: number, error: InfracastError) => void;

/** Methods that may be sent again after a connection failure without doing the work twice. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

export interface TransportOptions {
  apiUrl: string;
  apiToken?: string;
  refreshToken?: string;
  timeoutMs: number;
  maxRetries: number;
  maxRetryWaitSeconds: number;
  fetch: typeof fetch;
  onRetry?: RetryHook;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  authenticated?: boolean;
  accept?: string;
}

/** `null`/`undefined` are left out; arrays become comma lists, except `tag`, which repeats. */
export function encodeQuery(query?: Query): string {
  if (!query) return "";
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      if (name === "tag") {
        for (const item of value) parameters.append(name, String(item));
      } else {
        parameters.append(name, value.join(","));
      }
    } else {
      parameters.append(name, String(value));
    }
  }
  const text = parameters.toString();
  return text ? `?${text}` : "";
}

/** A path segment (node ids keep their `:`; `/` and the rest are escaped). */
export function segment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ":");
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export class Transport {
  readonly apiUrl: string;
  token?: string;
  refreshToken?: string;
  private readonly options: TransportOptions;

  constructor(options: TransportOptions) {
    this.options = options;
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
    this.token = options.apiToken;
    this.refreshToken = options.refreshToken;
  }

  private headers(hasBody: boolean, accept: string, authenticated: boolean): Record<string, string> {
    const headers: Record<string, string> = { Accept: accept };
    if (hasBody) headers["Content-Type"] = "application/json";
    if (authenticated && this.token) headers.Authorization = `Bearer ${this.token}`;
    return headers;
  }

  private retryDelay(attempt: number, error: InfracastError): number {
    const cap = this.options.maxRetryWaitSeconds;
    if (error instanceof RateLimitError && error.retryAfter !== undefined) {
      return Math.min(Math.max(error.retryAfter, 0), cap);
    }
    const backoff = Math.min(0.25 * 2 ** attempt, cap);
    return backoff * (0.5 + Math.random() / 2);
  }

  private async wait(attempt: number, delay: number, error: InfracastError): Promise<void> {
    this.options.onRetry?.(attempt + 1, delay, error);
    await sleep(delay);
  }

  private async sendOnce(
    method: string,
    url: string,
    init: { headers: Record<string, string>; body?: string },
    stream?: AbortSignal,
  ): Promise<Response> {
    // A stream lasts as long as its caller wants (its own signal); other requests time out.
    const controller = new AbortController();
    const timer = stream ? undefined : setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      return await this.options.fetch(url, {
        method,
        headers: init.headers,
        body: init.body,
        signal: stream ?? controller.signal,
      });
    } catch (cause) {
      throw new ConnectionFailedError(`cannot reach ${this.apiUrl}: ${String((cause as Error)?.message ?? cause)}`);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Sends one request with retries; resolves with a 2xx answer or rejects with the typed error. */
  async request(method: string, path: string, options: RequestOptions = {}, stream?: AbortSignal): Promise<Response> {
    const url = this.apiUrl + path + encodeQuery(options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const authenticated = options.authenticated ?? true;
    const accept = options.accept ?? "application/json";
    let refreshed = false;
    for (let attempt = 0; ;) {
      const headers = this.headers(body !== undefined, accept, authenticated);
      let response: Response;
      try {
        response = await this.sendOnce(method, url, { headers, body }, stream);
      } catch (error) {
        if (
          !(error instanceof ConnectionFailedError) ||
          !IDEMPOTENT_METHODS.has(method) ||
          attempt >= this.options.maxRetries
        ) {
          throw error;
        }
        await this.wait(attempt, this.retryDelay(attempt, error), error);
        attempt += 1;
        continue;
      }
      if (response.ok) return response;
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      const error = errorFromResponse(response.status, parsed, response.headers.get("retry-after"));
      if (error instanceof AuthenticationError && authenticated && this.refreshToken && !refreshed) {
        // An access token expired: trade the refresh token once, then replay.
        await this.refresh();
        refreshed = true;
        continue;
      }
      if (error instanceof RateLimitError && attempt < this.options.maxRetries) {
        await this.wait(attempt, this.retryDelay(attempt, error), error);
        attempt += 1;
        continue;
      }
      throw error;
    }
  }

  /** Exchanges a refresh token; with none given, the client's own, adopting the new pair. */
  async refresh(refreshToken?: string): Promise<Tokens> {
    const own = refreshToken === undefined;
    const token = refreshToken ?? this.refreshToken;
    if (!token) {
      throw new AuthenticationError("no refresh token: pass refreshToken or call auth.token()", {
        code: "UNAUTHORIZED",
      });
    }
    const pair = await this.data<Tokens>("POST", "/api/v1/auth/refresh", {
      body: { refresh_token: token },
      authenticated: false,
    });
    if (own) {
      this.token = pair.access_token;
      this.refreshToken = pair.refresh_token;
    }
    return pair;
  }

  /** The `data` of the envelope (undefined for 204). */
  async data<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    const text = await response.text();
    if (!text) return undefined as T;
    const body = JSON.parse(text);
    return (body && typeof body === "object" && "data" in body ? body.data : body) as T;
  }

  async page<T>(path: string, query: Query): Promise<Page<T>> {
    const response = await this.request("GET", path, { query });
    const body = (await response.json()) as { data?: T[]; meta?: Record<string, unknown> };
    const meta = body.meta ?? {};
    return {
      items: body.data ?? [],
      total: Number(meta.total ?? 0),
      page: Number(meta.page ?? 1),
      per_page: Number(meta.per_page ?? 0),
      total_pages: Number(meta.total_pages ?? 0),
      next_cursor: (meta.next_cursor as string | null | undefined) ?? null,
      meta,
    };
  }

  /**
   * Every item of every page: by `meta.next_cursor` where the list offers keyset paging, else by
   * page number. The caller never touches `page` or `cursor`.
   */
  async *iterate<T>(path: string, query: Query, byCursor: boolean): AsyncGenerator<T, void, undefined> {
    const current: Query = { ...query, page: undefined, cursor: undefined };
    let pageNumber = 1;
    for (;;) {
      const page = await this.page<T>(path, current);
      for (const item of page.items) yield item;
      if (page.items.length === 0) return;
      if (byCursor) {
        if (!page.next_cursor) return;
        current.cursor = page.next_cursor;
      } else {
        if (pageNumber >= page.total_pages) return;
        pageNumber += 1;
        current.page = pageNumber;
      }
    }
  }

  /**
   * Events of a `text/event-stream` answer, parsed as they arrive (no retries mid-stream);
   * aborting `signal` closes the stream.
   */
  async *events(path: string, signal?: AbortSignal): AsyncGenerator<{ event: string; data: string }, void, undefined> {
    const response = await this.request(
      "GET",
      path,
      { accept: "text/event-stream" },
      signal ?? new AbortController().signal,
    );
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let eventName = "message";
    let dataLines: string[] = [];
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, "");
          buffer = buffer.slice(newline + 1);
          if (line === "") {
            if (dataLines.length > 0) yield { event: eventName, data: dataLines.join("\n") };
            eventName = "message";
            dataLines = [];
          } else if (!line.startsWith(":")) {
            const colon = line.indexOf(":");
            const name = colon < 0 ? line : line.slice(0, colon);
            let value = colon < 0 ? "" : line.slice(colon + 1);
            if (value.startsWith(" ")) value = value.slice(1);
            if (name === "event") eventName = value;
            else if (name === "data") dataLines.push(value);
          }
        }
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }
}
