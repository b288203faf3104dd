/**
 * `fn` over `items` with at most `limit` calls in flight, the next starting as soon as any one ends (a slow request
 * holds up only its own slot, not a batch). Results come back in the items' order. After a failure no new call starts;
 * the first failure is thrown once the calls already in flight have settled, so what they started is over before the
 * caller cleans up (aborts a multipart upload, say).
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
