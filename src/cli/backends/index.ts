import { UsageError } from '../usage.error';
import type { MountCommandOptions } from '../mount-command-options';
import type { Backend } from './backend';
import { isGiven } from './backend-flag';
import { LOCAL_BACKEND } from './local.backend';
import { S3_BACKEND } from './s3.backend';

export type { Backend } from './backend';
export { declareBackendFlags } from './backend-flag';

export const BACKENDS: ReadonlyArray<Backend> = [LOCAL_BACKEND, S3_BACKEND];

/** The backend called `name`; a usage error naming the ones there are otherwise. */
export function backendNamed(name: string): Backend {
  const backend = BACKENDS.find((candidate) => candidate.name === name);
  if (!backend) throw new UsageError(`unknown backend "${name}". Use one of: ${BACKENDS.map((known) => known.name).join(', ')}.`);
  return backend;
}

/** The flags of every backend but `name` (all of them when it names none). */
export function flagsOfOtherBackends(name: string | undefined): ReadonlySet<string> {
  return new Set(BACKENDS.filter((backend) => backend.name !== name).flatMap((backend) => backend.flags.map((flag) => flag.name)));
}

/** A usage error for the first flag `options` give that belongs to a backend other than `backend`. */
export function refuseOtherBackendsFlags(backend: Backend, options: MountCommandOptions): void {
  for (const other of BACKENDS) {
    if (other === backend) continue;
    const misplaced = other.flags.find((flag) => isGiven(flag, options));
    if (misplaced) throw new UsageError(`${misplaced.name} only applies to the ${other.name} backend.`);
  }
}
