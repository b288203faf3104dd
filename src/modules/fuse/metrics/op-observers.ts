import type { OpObserver } from './op-observer.interface';

/** One observer that tells each of `observers` in turn; undefined when there is none (nothing to time). */
export function combineObservers(...observers: Array<OpObserver | undefined>): OpObserver | undefined {
  const present = observers.filter((observer): observer is OpObserver => observer !== undefined);
  if (present.length <= 1) return present[0];
  return {
    started: (op) => present.forEach((observer) => observer.started(op)),
    answered: (op, seconds, errno, bytes) => present.forEach((observer) => observer.answered(op, seconds, errno, bytes)),
  };
}
