import { INDEX_NAMES } from '@trawl/core';

/**
 * JSON Schemas of every request and response. They validate requests (Fastify + Ajv) and are the
 * source of the served OpenAPI document, so the two never disagree.
 */

export const REPO_ID_PATTERN = '^[A-Za-z0-9_.@:+-]{1,200}$';

const repoParam = { type: 'string', pattern: REPO_ID_PATTERN, description: 'Repository id (as given to `trawl index --repo`).' } as const;
const snapshotParam = { type: 'string', minLength: 1, maxLength: 200, description: 'Snapshot id (default: the latest ready snapshot).' } as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          description: 'INVALID_INPUT, INVALID_QUERY (400), UNAUTHORIZED (401), FORBIDDEN (403), NOT_FOUND (404), METHOD_NOT_ALLOWED (405), CONFLICT (409), PAYLOAD_TOO_LARGE (413), UNSUPPORTED_MEDIA_TYPE (415), RATE_LIMITED (429), CONFIG, BACKEND_UNAVAILABLE, SHUTTING_DOWN (503), TIMEOUT (504), INTERNAL (500)',
        },
        message: { type: 'string' },
        details: {},
      },
    },
  },
} as const;

const errorRef = { $ref: 'Error#' } as const;
export const errorResponses = { 400: errorRef, 401: errorRef, 404: errorRef, 429: errorRef, 503: errorRef, 504: errorRef } as const;

export const searchQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['q'],
  properties: {
    q: { type: 'string', minLength: 1, maxLength: 2000, description: 'An identifier, a path, a "literal", a /regex/ or plain words.' },
    repo: repoParam,
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 10 },
    indexes: { type: 'string', maxLength: 200, description: `Comma-separated subset of ${INDEX_NAMES.join(', ')}.` },
    snapshot: snapshotParam,
    regex: { type: 'boolean', default: false, description: 'Treat the query as a regular expression.' },
  },
} as const;

export const searchBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['query'],
  properties: {
    query: { type: 'string', minLength: 1, maxLength: 2000 },
    repo: repoParam,
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 10 },
    indexes: { type: 'array', items: { type: 'string', enum: [...INDEX_NAMES] }, minItems: 1, maxItems: INDEX_NAMES.length, uniqueItems: true },
    snapshot: snapshotParam,
    regex: { type: 'boolean', default: false },
  },
} as const;

export const searchResponseSchema = {
  type: 'object',
  required: ['hits', 'degraded', 'tookMs', 'repo', 'snapshot', 'intent'],
  properties: {
    hits: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          chunkId: { type: 'string' },
          file: { type: 'string' },
          startLine: { type: ['integer', 'null'] },
          endLine: { type: ['integer', 'null'] },
          kind: { type: ['string', 'null'] },
          name: { type: ['string', 'null'] },
          score: { type: 'number' },
          sources: { type: 'array', items: { type: 'string' } },
          preview: { type: ['string', 'null'] },
          stale: { type: 'boolean' },
        },
      },
    },
    degraded: { type: 'array', items: { type: 'object', properties: { index: { type: 'string' }, reason: { type: 'string' }, code: { type: 'string' } } } },
    tookMs: { type: 'number' },
    repo: { type: 'string' },
    snapshot: { type: 'string' },
    intent: { type: 'string' },
  },
} as const;

const snapshotSchema = {
  type: 'object',
  properties: {
    snapshotId: { type: 'string' },
    status: { type: 'string', enum: ['indexing', 'ready', 'failed'] },
    commit: { type: ['string', 'null'] },
    baseSnapshotId: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    error: { type: ['string', 'null'] },
    stats: { type: 'object', additionalProperties: true },
  },
} as const;

const repoSchema = {
  type: 'object',
  properties: {
    repoId: { type: 'string' },
    rootPath: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    latestReadySnapshot: { type: ['string', 'null'] },
  },
} as const;

export const repoParamsSchema = { type: 'object', required: ['repo'], properties: { repo: repoParam } } as const;
export const reposResponseSchema = { type: 'object', properties: { repos: { type: 'array', items: repoSchema } } } as const;
export const repoResponseSchema = { type: 'object', properties: { repo: repoSchema, snapshots: { type: 'array', items: snapshotSchema } } } as const;

export const chunkParamsSchema = {
  type: 'object',
  required: ['repo', 'chunkId'],
  properties: { repo: repoParam, chunkId: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;
export const chunkQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    context: { type: 'integer', minimum: 0, maximum: 200, default: 3, description: 'Lines before and after the chunk.' },
    snapshot: snapshotParam,
  },
} as const;
const lineSchema = { type: 'object', properties: { line: { type: 'integer' }, text: { type: 'string' }, inChunk: { type: 'boolean' } } } as const;
export const chunkResponseSchema = {
  type: 'object',
  properties: {
    repo: { type: 'string' },
    snapshot: { type: 'string' },
    chunkId: { type: 'string' },
    file: { type: 'string' },
    kind: { type: 'string' },
    name: { type: ['string', 'null'] },
    language: { type: ['string', 'null'] },
    startLine: { type: 'integer' },
    endLine: { type: 'integer' },
    fromLine: { type: 'integer' },
    toLine: { type: 'integer' },
    truncated: { type: 'boolean' },
    lines: { type: 'array', items: lineSchema },
  },
} as const;

export const fileQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1, maxLength: 1024, description: 'Path relative to the repository root, `/`-separated.' },
    start: { type: 'integer', minimum: 1, default: 1 },
    end: { type: 'integer', minimum: 1 },
    snapshot: snapshotParam,
  },
} as const;
export const fileResponseSchema = {
  type: 'object',
  properties: {
    repo: { type: 'string' },
    snapshot: { type: 'string' },
    path: { type: 'string' },
    language: { type: ['string', 'null'] },
    lineCount: { type: 'integer' },
    fromLine: { type: 'integer' },
    toLine: { type: 'integer' },
    truncated: { type: 'boolean' },
    lines: { type: 'array', items: { type: 'object', properties: { line: { type: 'integer' }, text: { type: 'string' } } } },
  },
} as const;

export const SYMBOL_ACTIONS = ['definitions', 'callers', 'callees', 'references', 'implementations'] as const;
export type SymbolAction = (typeof SYMBOL_ACTIONS)[number];
export const symbolParamsSchema = {
  type: 'object',
  required: ['repo', 'action'],
  properties: { repo: repoParam, action: { type: 'string', enum: [...SYMBOL_ACTIONS] } },
} as const;
export const symbolQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 500, description: 'Symbol name or qualified name.' },
    depth: { type: 'integer', minimum: 1, maximum: 5, default: 1, description: 'Hops for callers/callees.' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    snapshot: snapshotParam,
  },
} as const;
export const symbolResponseSchema = {
  type: 'object',
  properties: {
    repo: { type: 'string' },
    snapshot: { type: 'string' },
    action: { type: 'string' },
    name: { type: 'string' },
    results: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

export const indexRunBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['repo'],
  properties: {
    repo: repoParam,
    path: {
      type: 'string',
      minLength: 1,
      maxLength: 4096,
      description: 'Folder to index. Needed only for a new repository, and only under a root the server allows (`trawl serve --allow-index-root`). Default: the folder the repository was indexed from.',
    },
    full: { type: 'boolean', default: false, description: 'Rebuild from scratch instead of updating the last snapshot.' },
  },
} as const;
export const indexRunParamsSchema = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
export const indexRunQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { since: { type: 'integer', minimum: 0, default: 0, description: 'Return only progress events with a sequence number above this.' } },
} as const;
export const indexRunSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    repo: { type: 'string' },
    root: { type: 'string' },
    status: { type: 'string', enum: ['running', 'succeeded', 'failed', 'cancelled'] },
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    progress: { type: ['object', 'null'], additionalProperties: true },
    events: { type: 'array', items: { type: 'object', additionalProperties: true } },
    lastSeq: { type: 'integer' },
    result: { type: ['object', 'null'], additionalProperties: true },
    error: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;
export const indexRunsResponseSchema = { type: 'object', properties: { runs: { type: 'array', items: indexRunSchema } } } as const;

export const healthResponseSchema = { type: 'object', properties: { status: { type: 'string' } } } as const;
export const readyResponseSchema = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    components: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } },
  },
} as const;
