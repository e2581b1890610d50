import { TimeoutError } from '@trawl/core';
import type { FastifyReply } from 'fastify';

/**
 * Runs a route's work under the per-request time budget with an AbortSignal that fires when the
 * budget runs out or the client goes away.
 * Shutdown does not abort it: in-flight requests are drained. Over budget answers 504.
 */
export async function runRequestWork<T>(
  reply: FastifyReply,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'));
  };
  reply.raw.once('close', onClose);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(`the request took longer than ${timeoutMs} ms: narrow it (smaller limit, fewer indexes) or retry later`, { component: 'server' });
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    reply.raw.off('close', onClose);
  }
}
