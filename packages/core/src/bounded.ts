/**
 * `promise`'s value, or `fallback`'s once `ms` milliseconds pass or the promise rejects (with the
 * error, or a timeout error). Never rejects unless `fallback` throws; the timer is cleared.
 *
 * ```ts
 * const listening = await bounded(watch.ready, 1_000, () => false)
 * ```
 */
export async function bounded<T>(promise: Promise<T>, ms: number, fallback: (error: Error) => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.catch((e: unknown) => fallback(e instanceof Error ? e : new Error(String(e)))),
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(fallback(new Error(`no answer within ${ms} ms`))), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
