import { InvalidInputError, NotFoundError } from '@trawl/core';
import { readChunkWithContext } from '@trawl/retrieval';
import type { FastifyInstance } from 'fastify';
import { runRequestWork } from '../request-work.js';
import { assertRepoRelativePath, resolveSnapshot, type RouteContext } from '../route-context.js';
import { chunkParamsSchema, chunkQuerySchema, chunkResponseSchema, errorResponses, fileQuerySchema, fileResponseSchema, repoParamsSchema } from '../schemas.js';

const MAX_FILE_LINES = 2000;

/**
 * GET /v1/repos/:repo/chunks/:chunkId (a chunk with context lines) and GET /v1/repos/:repo/file
 * (a line range of a file). Both read only the file contents stored for an indexed snapshot:
 * no route ever opens a path on disk.
 */
export function registerChunkRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Params: { repo: string; chunkId: string }; Querystring: { context?: number; snapshot?: string } }>(
    '/v1/repos/:repo/chunks/:chunkId',
    {
      schema: {
        tags: ['chunks'],
        summary: 'A chunk with surrounding lines',
        params: chunkParamsSchema,
        querystring: chunkQuerySchema,
        response: { 200: chunkResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      runRequestWork(reply, ctx.requestTimeoutMs, async (signal) => {
        const snapshot = await resolveSnapshot(ctx, request.params.repo, request.query.snapshot, { signal });
        const [catalog, chunks] = await Promise.all([ctx.container.catalog(), ctx.container.chunks()]);
        return readChunkWithContext({ catalog, chunks }, snapshot, request.params.chunkId, { context: request.query.context, signal, maxLines: MAX_FILE_LINES });
      }),
  );

  app.get<{ Params: { repo: string }; Querystring: { path: string; start?: number; end?: number; snapshot?: string } }>(
    '/v1/repos/:repo/file',
    {
      schema: {
        tags: ['chunks'],
        summary: 'Lines of a file of an indexed snapshot',
        params: repoParamsSchema,
        querystring: fileQuerySchema,
        response: { 200: fileResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      runRequestWork(reply, ctx.requestTimeoutMs, async (signal) => {
        const path = assertRepoRelativePath(request.query.path);
        const { start, end } = request.query;
        if (start !== undefined && end !== undefined && end < start) throw new InvalidInputError(`end (${end}) is before start (${start}): ask for lines start..end`, { component: 'server' });
        const snapshot = await resolveSnapshot(ctx, request.params.repo, request.query.snapshot, { signal });
        const file = await (await ctx.container.catalog()).getFile(snapshot, path, { signal });
        if (!file) throw new NotFoundError(`no file ${JSON.stringify(path)} in ${snapshot.repoId}@${snapshot.snapshotId}`, { component: 'server' });
        const all = file.content.split(/\r?\n/);
        if (start !== undefined && start > all.length) throw new InvalidInputError(`start (${start}) is past the end of ${path}, which has ${all.length} lines`, { component: 'server' });
        const fromLine = Math.min(request.query.start ?? 1, Math.max(all.length, 1));
        let toLine = Math.min(request.query.end ?? all.length, all.length);
        const truncated = toLine - fromLine + 1 > MAX_FILE_LINES;
        if (truncated) toLine = fromLine + MAX_FILE_LINES - 1;
        const lines = [];
        for (let n = fromLine; n <= toLine; n++) lines.push({ line: n, text: all[n - 1] ?? '' });
        return { repo: snapshot.repoId, snapshot: snapshot.snapshotId, path: file.path, language: file.language, lineCount: all.length, fromLine, toLine, truncated, lines };
      }),
  );
}
