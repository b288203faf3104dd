import { Inject, Injectable, Logger } from '@nestjs/common';
import { AmbiguousFilesystemException } from './errors/ambiguous-filesystem.exception';
import { DuplicateFilesystemNameException } from './errors/duplicate-filesystem-name.exception';
import { UnknownFilesystemException } from './errors/unknown-filesystem.exception';
import { FilesystemSession } from './filesystem-session';
import { AMBIGUOUS_FILESYSTEM_MESSAGE, DUPLICATE_FILESYSTEM_NAME_MESSAGE, UNKNOWN_FILESYSTEM_MESSAGE } from './fuse.messages';
import { FUSE_MODULE_OPTIONS } from './fuse.module-definition';
import type { FuseModuleOptions } from './interfaces/fuse-module-options.interface';
import type { UsesKernelCache } from './interfaces/kernel-cache.interface';
import type { RegisteredFilesystem } from './interfaces/registered-filesystem.interface';

/** The filesystems discovered at boot, each with the one session that the mount and every FileHandle share. */
@Injectable()
export class FuseFilesystemRegistry {
  private readonly sessions = new Map<string, FilesystemSession>();

  constructor(@Inject(FUSE_MODULE_OPTIONS) private readonly options: FuseModuleOptions) {}

  register(filesystem: RegisteredFilesystem): void {
    const existing = this.sessions.get(filesystem.name);
    if (existing) {
      throw new DuplicateFilesystemNameException(
        DUPLICATE_FILESYSTEM_NAME_MESSAGE(filesystem.name, existing.filesystem.className, filesystem.className),
      );
    }
    const session = new FilesystemSession(filesystem, this.options, new Logger(`FuseFilesystem:${filesystem.name}`));
    this.sessions.set(filesystem.name, session);
    const instance = filesystem.instance as Partial<UsesKernelCache>;
    if (typeof instance.useKernelCache === 'function') instance.useKernelCache(session.kernelCache);
  }

  names(): string[] {
    return [...this.sessions.keys()];
  }

  /** The session of the filesystem named `name`; throws {@link UnknownFilesystemException} when there is none. */
  get(name: string): FilesystemSession {
    const session = this.sessions.get(name);
    if (!session) throw new UnknownFilesystemException(UNKNOWN_FILESYSTEM_MESSAGE(name, this.names()));
    return session;
  }

  /** The filesystem the module's options name, or the only one registered. */
  selected(): FilesystemSession {
    if (this.options.filesystem !== undefined) return this.get(this.options.filesystem);
    const names = this.names();
    if (names.length === 1) return this.get(names[0]);
    if (names.length === 0) throw new UnknownFilesystemException(UNKNOWN_FILESYSTEM_MESSAGE('<none>', names));
    throw new AmbiguousFilesystemException(AMBIGUOUS_FILESYSTEM_MESSAGE(names));
  }
}
