/**
 * The worker-thread entry of {@link ParseWorkerPool}: parses the files it is sent with
 * `parseFile` and posts back plain data (chunks, symbols, relations, imports), without the file
 * content the main thread already holds. Not part of the public API.
 */
import { parentPort } from 'node:worker_threads';
import { parseFile } from './file-parser.js';
import { getParser } from './grammar-loader.js';
import { encodeRelations, type WorkerReply, type WorkerRequest } from './parse-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('parse-worker.ts runs only as a worker thread (ParseWorkerPool starts it)');

port.on('message', (request: WorkerRequest) => {
  if (request.warm) {
    // Load grammars ahead of the first file; a failure here resurfaces when a file needs it.
    for (const language of request.warm) getParser(language).catch(() => {});
    return;
  }
  parseFile(request.input).then(
    (parsed) => {
      // The content goes back as `null`: the main thread puts its own copy back (same key order).
      // Relations, the most numerous objects, go as one flat array: cloning an object writes
      // every key again, and that was a tenth of a worker's time.
      const reply: WorkerReply = {
        id: request.id,
        parsed: { ...parsed, file: { ...parsed.file, content: null as unknown as string }, relations: [] },
        relations: encodeRelations(parsed.relations, parsed.file.path),
      };
      port.postMessage(reply);
    },
    (error: unknown) => {
      const e = error as { name?: string; message?: string; code?: string; detail?: string; component?: string; context?: Record<string, unknown>; stack?: string };
      const reply: WorkerReply = {
        id: request.id,
        error: { name: e?.name ?? 'Error', message: e?.detail ?? e?.message ?? String(error), code: e?.code, component: e?.component, context: e?.context, stack: e?.stack },
      };
      port.postMessage(reply);
    },
  );
});
