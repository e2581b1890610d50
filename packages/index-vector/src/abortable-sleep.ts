import { AbortedError } from '@trawl/core';

/** Waits `ms`, or rejects with {@link AbortedError} as soon as the signal fires. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined, component: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError('operation aborted', { component, cause: signal.reason }));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError('operation aborted', { component, cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
