/**
 * Typed errors: every non-2xx answer becomes an `InfracastError` subclass chosen by HTTP status,
 * carrying the API's `{code, message, details}` and, for 429, `retryAfter` (seconds).
 */

export interface ErrorInit {
  status?: number;
  code?: string;
  details?: unknown;
  retryAfter?: number;
}

export class InfracastError extends Error {
  readonly status?: number;
  readonly code?: string;
  readonly details?: unknown;
  /** Seconds to wait before retrying (429 answers). */
  readonly retryAfter?: number;

  constructor(message: string, init: ErrorInit = {}) {
    super(message);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.retryAfter = init.retryAfter;
  }
}

/** 400: BAD_REQUEST or VALIDATION_ERROR. */
export class BadRequestError extends InfracastError {}
/** 401: missing, invalid or expired token. */
export class AuthenticationError extends InfracastError {}
/** 403: the key's role may not do this. */
export class PermissionDeniedError extends InfracastError {}
/** 404: the resource (or, for another tenant's key, the tenant) does not exist. */
export class NotFoundError extends InfracastError {}
/** 409: it exists already, or its state forbids the change. */
export class ConflictError extends InfracastError {}
/** 413: the body is over the server's limit. */
export class PayloadTooLargeError extends InfracastError {}
/** 429: over the plan's rate limit; `retryAfter` says how long to wait. */
export class RateLimitError extends InfracastError {}
/** 5xx: the server failed or its database is unavailable. */
export class ServerError extends InfracastError {}
/** The server could not be reached (no HTTP answer). */
export class ConnectionFailedError extends InfracastError {}
/** A helper waited longer than its timeout. */
export class WaitTimeoutError extends InfracastError {}
/** A report ended as FAILED; `details` holds the report. */
export class ReportFailedError extends InfracastError {}
/** A webhook delivery's signature or timestamp did not verify. */
export class WebhookSignatureError extends InfracastError {}

const BY_STATUS: Record<number, typeof InfracastError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  429: RateLimitError,
};

/** Builds the typed error for an answer; tolerates bodies that are not the API's error shape. */
export function errorFromResponse(status: number, body: unknown, retryAfterHeader: string | null): InfracastError {
  const error =
    body && typeof body === "object" && "error" in body && (body as { error: unknown }).error
      ? ((body as { error: Record<string, unknown> }).error ?? {})
      : {};
  const code = (error.code as string | undefined) ?? (status >= 500 ? "INTERNAL_ERROR" : "HTTP_ERROR");
  const message = (error.message as string | undefined) ?? `HTTP ${status}`;
  let retryAfter: number | undefined;
  for (const candidate of [retryAfterHeader, error.retry_after]) {
    if (candidate === null || candidate === undefined) continue;
    const seconds = Number(candidate);
    if (Number.isFinite(seconds)) {
      retryAfter = seconds;
      break;
    }
  }
  const ErrorClass = BY_STATUS[status] ?? (status >= 500 ? ServerError : InfracastError);
  return new ErrorClass(message, { status, code, details: error.details, retryAfter });
}
