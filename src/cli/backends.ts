import type { DynamicModule } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LocalModule } from '../modules/local';
import { UsageError } from './usage.error';

export interface Backend {
  /** The `@FuseFilesystem()` name the backend registers. */
  filesystem: string;
  /** Checks the source argument and builds the backend's module. */
  module(source: string): Promise<DynamicModule>;
  describe(source: string): string;
}

const local: Backend = {
  filesystem: 'local',
  async module(source) {
    const root = resolve(source);
    const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        error.code === 'ENOENT'
          ? `local directory ${root} does not exist. Pass an existing directory to serve.`
          : `local directory ${root} cannot be read (${error.code}). Check its permissions.`,
      );
    });
    if (!info.isDirectory()) throw new UsageError(`local source ${root} is not a directory. Pass a directory to serve.`);
    return LocalModule.forRoot({ root });
  },
  describe: (source) => `local:${resolve(source)}`,
};

export const BACKENDS: Readonly<Record<string, Backend>> = { local };

export function backendNamed(name: string): Backend {
  const backend = BACKENDS[name];
  if (!backend) {
    throw new UsageError(`unknown backend "${name}". Use one of: ${Object.keys(BACKENDS).join(', ')}.`);
  }
  return backend;
}
