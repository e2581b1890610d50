/**
 * Calls `fn` for every item, at most `limit` calls in flight at once, and resolves once all have
 * settled. After the first failure no further item is started; the calls already in flight are
 * awaited (so nothing runs on once this returns) and the first error is thrown.
 *
 * For many small asynchronous operations (file writes, requests) whose one-at-a-time latency,
 * not their work, would set the pace: each `await` in a plain loop waits for a turn of an event
 * loop other work may be holding.
 *
 * ```ts
 * await eachConcurrently(files, 32, (f) => writeFile(join(dir, f.path), f.content))
 * ```
 */
export async function eachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.floor(limit) || 1, items.length)) }, worker));
  if (failure) throw failure.error;
}
