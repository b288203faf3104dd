import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LocalModule, LocalModuleOptions } from '../../modules/local';
import { UsageError } from '../usage.error';
import type { Backend } from './backend';
import { BackendFlag, moduleOptionsOf, switchFlag } from './backend-flag';

/** The local backend's own flags, each declared once: the help, the parsing and the LocalModule option it sets. */
export const LOCAL_FLAGS: ReadonlyArray<BackendFlag<LocalModuleOptions>> = [
  switchFlag(
    '--no-inline-metadata',
    'stat backing files on the thread pool instead of the main thread (for a directory on slow or network storage)',
    (inlineMetadata) => ({ inlineMetadata }),
  ),
];

/** A directory of this machine: `nestjs-fuse mount <dir> local <directory>`. */
export const LOCAL_BACKEND: Backend = {
  name: 'local',
  filesystem: 'local',
  flags: LOCAL_FLAGS,
  async module(source, options, mountpoint) {
    const root = resolve(source);
    const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        error.code === 'ENOENT'
          ? `local directory ${root} does not exist. Pass an existing directory to serve.`
          : `local directory ${root} cannot be read (${error.code}). Check its permissions.`,
      );
    });
    if (!info.isDirectory()) throw new UsageError(`local source ${root} is not a directory. Pass a directory to serve.`);
    const [realRoot, realMountpoint] = await Promise.all([realpath(root), realpath(mountpoint).catch(() => mountpoint)]);
    if (realRoot === realMountpoint || realRoot.startsWith(`${realMountpoint}/`)) {
      throw new UsageError(
        `local source ${root} is inside the mountpoint ${mountpoint}: the mount would hide it and serve itself. Serve a directory outside the mountpoint.`,
      );
    }
    return LocalModule.forRoot({ ...moduleOptionsOf(LOCAL_FLAGS, options), root });
  },
  describe: (source) => `local:${resolve(source)}`,
};
