/** Past this many keys changed during overlapping observations, those older than every observation are dropped. */
const PRUNE_AT = 100_000;

/**
 * Tells whether an answer read from a backend is older than a change that finished while it was being read. A cache
 * that is filled by observations (a lookup, a stat, a listing page) running concurrently with changes starts each
 * observation with {@link begin}, keeps what it learned only for keys that did not change {@link changedSince} then,
 * and calls {@link end}. Changes are recorded with {@link markChanged} once they are done. Memory is held only while
 * observations are in flight.
 */
export class ObservationEpochs<K> {
  /** Counts changes; an observation remembers the count it started at. */
  private epoch = 0;
  /** Observations in flight, by the epoch they started at. */
  private readonly observing = new Map<number, number>();
  /** The epoch of each key's last change, kept only while observations are in flight. */
  private readonly changedAt = new Map<K, number>();
  /** The epoch at which every key last changed at once ({@link markAllChanged}). */
  private allChangedAt = -1;

  begin(): number {
    this.observing.set(this.epoch, (this.observing.get(this.epoch) ?? 0) + 1);
    return this.epoch;
  }

  end(since: number): void {
    const count = (this.observing.get(since) ?? 1) - 1;
    if (count > 0) this.observing.set(since, count);
    else this.observing.delete(since);
    if (this.observing.size === 0) this.changedAt.clear();
  }

  markChanged(key: K): void {
    this.epoch += 1;
    if (this.observing.size === 0) return;
    this.changedAt.set(key, this.epoch);
    if (this.changedAt.size > PRUNE_AT) this.prune();
  }

  /** Every key changed (a cache was dropped whole): no observation in flight may be remembered. */
  markAllChanged(): void {
    this.epoch += 1;
    this.allChangedAt = this.epoch;
  }

  /** True when `key` changed after the observation that started at `since` began. */
  changedSince(key: K, since: number): boolean {
    return this.allChangedAt > since || (this.changedAt.get(key) ?? -1) > since;
  }

  /** How many changes are remembered (for tests of the memory bound). */
  get tracked(): number {
    return this.changedAt.size;
  }

  private prune(): void {
    let oldest = Infinity;
    for (const since of this.observing.keys()) oldest = Math.min(oldest, since);
    for (const [key, epoch] of this.changedAt) if (epoch <= oldest) this.changedAt.delete(key);
  }
}
