import { performance } from 'node:perf_hooks';
import { DeadlineTimer } from './deadline-timer';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const refedTimeouts = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('DeadlineTimer', () => {
  it('expires each deadline once its time has passed, in order, also across lengths', async () => {
    const timer = new DeadlineTimer();
    const started = performance.now();
    const expired: Array<[string, number]> = [];
    const note = (name: string) => () => expired.push([name, performance.now() - started]);
    timer.add(60, note('60 ms'));
    timer.add(20, note('20 ms, added later'));
    timer.add(60, note('60 ms, second'));
    await sleep(120);
    expect(expired.map(([name]) => name)).toEqual(['20 ms, added later', '60 ms', '60 ms, second']);
    expect(expired[0][1]).toBeGreaterThanOrEqual(19);
    expect(expired[1][1]).toBeGreaterThanOrEqual(59);
  });

  it('never expires a cancelled deadline, and cancelling twice or after expiry does nothing', async () => {
    const timer = new DeadlineTimer();
    const expired: string[] = [];
    const cancelled = timer.add(20, () => expired.push('cancelled'));
    const kept = timer.add(20, () => expired.push('kept'));
    timer.cancel(cancelled);
    timer.cancel(cancelled);
    await sleep(60);
    timer.cancel(kept);
    expect(expired).toEqual(['kept']);
  });

  it('keeps the process alive only while a deadline is pending', async () => {
    const before = refedTimeouts();
    const timer = new DeadlineTimer();
    const first = timer.add(30_000, () => undefined);
    expect(refedTimeouts()).toBe(before + 1);
    timer.cancel(first);
    expect(refedTimeouts()).toBe(before);
    const second = timer.add(30_000, () => undefined);
    expect(refedTimeouts()).toBe(before + 1);
    timer.cancel(second);
    expect(refedTimeouts()).toBe(before);
  });

  it('still expires a later deadline after the earlier one it was armed for was cancelled', async () => {
    const timer = new DeadlineTimer();
    const expired: string[] = [];
    const early = timer.add(10, () => expired.push('early'));
    timer.add(40, () => expired.push('late'));
    timer.cancel(early);
    await sleep(80);
    expect(expired).toEqual(['late']);
  });
});
