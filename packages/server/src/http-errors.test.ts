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
  it('says which field a schema violation is about, and the choices', () => {
    const failed = (validation: object[]) => toHttpError(Object.assign(new Error('x'), { validation, validationContext: 'body', statusCode: 400 })).body.error.message;
    expect(failed([{ instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'extra' }, message: 'must NOT have additional properties' }])).toBe('invalid body: unknown field "extra"');
    expect(failed([{ instancePath: '', keyword: 'required', params: { missingProperty: 'q' }, message: "must have required property 'q'" }])).toBe('invalid body: "q" is required');
    expect(failed([{ instancePath: '/action', keyword: 'enum', params: { allowedValues: ['definitions', 'references'] }, message: 'must be equal to one of the allowed values' }])).toBe('invalid body: action must be one of definitions, references');
    expect(failed([{ instancePath: '/limit', keyword: 'minimum', params: { limit: 1 }, message: 'must be >= 1' }, { instancePath: '/q', keyword: 'type', message: 'must be string' }])).toBe('invalid body: limit must be >= 1; q must be string');
  });
  it('maps framework errors for bodies to 4xx', () => {
    expect(toHttpError(Object.assign(new Error('too big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).status).toBe(413);
    expect(toHttpError(Object.assign(new Error('bad json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 })).status).toBe(400);
    expect(toHttpError(Object.assign(new Error('slow down'), { statusCode: 429 })).body.error.code).toBe('RATE_LIMITED');
  });
});
