import { mapWithConcurrency } from './with-concurrency';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapWithConcurrency', () => {
  it('keeps at most the limit in flight, starts the next as one ends, and returns results in order', async () => {
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const results = await mapWithConcurrency([30, 5, 5, 5, 5, 5], 2, async (ms, index) => {
      started.push(index);
      most = Math.max(most, ++inFlight);
      await tick(ms);
      inFlight -= 1;
      return index * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    expect(most).toBe(2);
    // The slow first item held one slot while the other slot went through the rest.
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('starts nothing after a failure and throws it once the calls in flight have settled', async () => {
    const settled: number[] = [];
    const run = mapWithConcurrency([0, 1, 2, 3, 4], 2, async (item) => {
      await tick(item === 0 ? 5 : 20);
      settled.push(item);
      if (item === 0) throw new Error('first failed');
      return item;
    });
    await expect(run).rejects.toThrow('first failed');
    expect(settled.sort()).toEqual([0, 1]);
  });
});
