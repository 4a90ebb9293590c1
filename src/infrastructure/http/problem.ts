import { HttpException } from '@nestjs/common';
import { DomainError, DomainErrorKind } from '../../shared-kernel/domain-error';

/** RFC 9457 problem details with ProTicket's stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  correlationId?: string;
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
}

const STATUS: Record<DomainErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'too-large': 413,
  unprocessable: 422,
  'rate-limited': 429,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fastify's own client errors (body parsing, limits) by code. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'REQUEST.BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'REQUEST.BAD_CONTENT_LENGTH',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'REQUEST.EMPTY_JSON_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'REQUEST.MALFORMED_JSON',
  FST_ERR_CTP_INVALID_TYPE: 'REQUEST.BAD_CONTENT_TYPE',
};

const UNAVAILABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection terminated|Timeout acquiring a connection|the database system is (starting up|shutting down)|terminating connection|Connection is closed|MaxRetriesPerRequest|getaddrinfo|connect ETIMEDOUT/i;

export function isUnavailableError(e: unknown): boolean {
  const msg = e instanceof Error ? `${e.message} ${(e as { code?: string }).code ?? ''}` : String(e);
  return UNAVAILABLE.test(msg);
}

/** The body @nestjs/terminus puts in its ServiceUnavailableException. */
function isHealthCheckResult(body: unknown): body is { status: 'error' | 'shutting_down'; error?: Record<string, unknown>; details: Record<string, unknown> } {
  const b = body as { status?: unknown; details?: unknown } | null;
  return typeof b === 'object' && b !== null && (b.status === 'error' || b.status === 'shutting_down') && typeof b.details === 'object' && b.details !== null;
}

/** Maps any thrown value to a problem. Unknown errors become a bare 500 with no internals. */
export function toProblem(error: unknown, ctx: { url?: string; requestId?: string }): Problem {
  const base = (status: number, code: string, detail?: string, extra: Partial<Problem> = {}): Problem => ({
    type: `https://docs.proticket.dev/problems/${code.toLowerCase().replace(/[._]/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    instance: ctx.url,
    correlationId: ctx.requestId,
    ...extra,
  });

  if (error instanceof DomainError) {
    const { errors, ...rest } = (error.details ?? {}) as { errors?: Problem['errors'] };
    return base(STATUS[error.kind], error.code, error.message, { ...(errors ? { errors } : {}), ...rest });
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    if (isHealthCheckResult(body)) {
      // @nestjs/terminus answers 503 with its result: keep which checks are down (operators read this body)
      const down = Object.keys(body.error ?? {});
      return base(status, 'HEALTH.NOT_READY', `not ready: ${down.join(', ') || 'a check failed'}`, { checks: body.details });
    }
    const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? error.message);
    const text = Array.isArray(message) ? message.join('; ') : String(message);
    const code =
      status === 400 && /JSON/i.test(text)
        ? 'REQUEST.MALFORMED_JSON'
        : status === 400
          ? 'REQUEST.BAD_REQUEST'
          : status === 415
            ? 'REQUEST.UNSUPPORTED_MEDIA_TYPE'
            : status === 404 ? 'REQUEST.ROUTE_NOT_FOUND' : status === 413 ? 'REQUEST.BODY_TOO_LARGE' : status === 429 ? 'REQUEST.RATE_LIMITED' : `HTTP.${status}`;
    return base(status, code, text);
  }
  const e = error as { statusCode?: number; code?: string; message?: string; name?: string };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = (e.code && FASTIFY_CODES[e.code]) ?? (e.name === 'SyntaxError' ? 'REQUEST.MALFORMED_JSON' : `HTTP.${e.statusCode}`);
    return base(e.statusCode, code, e.message);
  }
  if (isUnavailableError(error)) {
    return base(503, 'SERVICE.UNAVAILABLE', 'a backing service is unavailable; retry shortly');
  }
  return base(500, 'INTERNAL', 'an unexpected error occurred; quote the correlationId when reporting it');
}
