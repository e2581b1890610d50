import { isTrawlError, type TrawlErrorCode } from '@trawl/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Every `error.code` the API answers with: a TrawlError code, or one of the HTTP-only conditions
 * (no or wrong token, too many requests, body too large, unknown route or method).
 */
export type ApiErrorCode = TrawlErrorCode | 'UNAUTHORIZED' | 'FORBIDDEN' | 'RATE_LIMITED' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'SHUTTING_DOWN';

/** The body of every error response: `{"error":{"code":"NOT_FOUND","message":"..."}}`. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown };
}

/** HTTP status for each TrawlError code. Failures of the user's input are 4xx, never 500. */
export const STATUS_BY_CODE: Record<TrawlErrorCode, number> = {
  INVALID_INPUT: 400,
  INVALID_QUERY: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  // The server's own configuration leaves the feature out (e.g. no symbol index): not the caller's fault.
  CONFIG: 503,
  BACKEND_UNAVAILABLE: 503,
  BACKEND_ERROR: 502,
  TIMEOUT: 504,
  // The request was cancelled because the server is shutting down or the client left.
  ABORTED: 503,
  INTERNAL: 500,
};

/** An error the routes throw to answer with a specific status and code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function errorBody(code: ApiErrorCode, message: string, details?: unknown): ApiErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** One schema violation in words that name the field and, where there is a choice, the choices. */
function describeIssue(issue: { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }): string {
  const field = issue.instancePath ? issue.instancePath.slice(1).replaceAll('/', '.') : '';
  const params = issue.params ?? {};
  switch (issue.keyword) {
    case 'additionalProperties':
      return `unknown field "${String(params.additionalProperty)}"${field ? ` in ${field}` : ''}`;
    case 'required':
      return `"${field ? `${field}.` : ''}${String(params.missingProperty)}" is required`;
    case 'enum':
      return `${field || 'the value'} must be one of ${(params.allowedValues as unknown[] | undefined)?.join(', ') ?? 'the allowed values'}`;
    default:
      return `${field ? `${field} ` : ''}${issue.message ?? 'is not valid'}`;
  }
}

/** Maps an error to a status and body. Anything unknown is a 500 with a generic message (logged in full). */
export function toHttpError(error: unknown): { status: number; body: ApiErrorBody; unexpected: boolean } {
  if (error instanceof HttpError) return { status: error.statusCode, body: errorBody(error.code, error.message), unexpected: false };
  if (isTrawlError(error)) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    return { status, body: errorBody(error.code, error.detail), unexpected: status >= 500 && error.code === 'INTERNAL' };
  }
  const fe = error as FastifyError & { validationContext?: string };
  if (fe?.validation) {
    const where = fe.validationContext ?? 'request';
    const details = fe.validation.map((v) => ({ in: where, path: v.instancePath || '/', message: v.message }));
    return { status: 400, body: errorBody('INVALID_INPUT', `invalid ${where}: ${fe.validation.map(describeIssue).join('; ')}`, details), unexpected: false };
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: errorBody('PAYLOAD_TOO_LARGE', `the request body is larger than the server accepts: ${fe.message}`), unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: errorBody('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'), unexpected: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: errorBody('INVALID_INPUT', `the body is not valid JSON: ${fe.message}`), unexpected: false };
  }
  if (fe instanceof SyntaxError) return { status: 400, body: errorBody('INVALID_INPUT', `the body is not valid JSON: ${fe.message}`), unexpected: false };
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 429) return { status, body: errorBody('RATE_LIMITED', fe.message || 'too many requests: slow down'), unexpected: false };
  if (status >= 400 && status < 500) return { status, body: errorBody('INVALID_INPUT', fe.message), unexpected: false };
  return { status: 500, body: errorBody('INTERNAL', 'internal error: the server log has the details'), unexpected: true };
}

/** Fastify error handler answering every error as JSON `{error:{code,message}}`. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, unexpected } = toHttpError(error);
  if (unexpected) request.log.error({ err: error }, 'request failed');
  else if (status >= 500) request.log.warn({ code: body.error.code, message: body.error.message }, 'request failed');
  void reply.status(status).send(body);
}
