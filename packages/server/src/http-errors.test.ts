import { describe, expect, it } from 'vitest';
import { TRAWL_ERROR_CODES, TrawlError } from '@trawl/core';
import { HttpError, toHttpError } from './http-errors.js';

describe('toHttpError', () => {
  it.each([
    ['INVALID_INPUT', 400],
    ['INVALID_QUERY', 400],
    ['NOT_FOUND', 404],
    ['CONFLICT', 409],
    ['BACKEND_UNAVAILABLE', 503],
    ['TIMEOUT', 504],
    ['CONFIG', 503],
  ] as const)('%s -> %i with the message without its [trawl] prefix', (code, status) => {
    const mapped = toHttpError(new TrawlError(code, 'what went wrong', { component: 'x' }));
    expect(mapped.status).toBe(status);
    expect(mapped.body).toEqual({ error: { code, message: 'what went wrong' } });
    expect(mapped.unexpected).toBe(false);
  });
  it('maps every TrawlError code to a status', () => {
    for (const code of TRAWL_ERROR_CODES) expect(toHttpError(new TrawlError(code, 'm')).status).toBeGreaterThanOrEqual(400);
  });
  it('hides unexpected errors behind a generic 500', () => {
    const mapped = toHttpError(new Error('secret stack detail'));
    expect(mapped).toMatchObject({ status: 500, unexpected: true, body: { error: { code: 'INTERNAL' } } });
    expect(JSON.stringify(mapped.body)).not.toContain('secret');
  });
  it('keeps HttpError status and code', () => {
    expect(toHttpError(new HttpError(401, 'UNAUTHORIZED', 'no token'))).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'no token' } } });
  });
  it('maps framework errors for bodies to 4xx', () => {
    expect(toHttpError(Object.assign(new Error('too big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).status).toBe(413);
    expect(toHttpError(Object.assign(new Error('bad json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 })).status).toBe(400);
    expect(toHttpError(Object.assign(new Error('slow down'), { statusCode: 429 })).body.error.code).toBe('RATE_LIMITED');
  });
});
