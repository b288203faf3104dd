import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import { FUSE_FILESYSTEM_METADATA } from '../fuse.constants';

/**
 * Marks an injectable class as a filesystem named `name`. Its methods carry op decorators (`@Lookup()`, `@Read()`, …);
 * `FuseModule` discovers them at boot and mounts the filesystem its options name.
 */
export const FuseFilesystem = (name: string): ClassDecorator => applyDecorators(Injectable(), SetMetadata(FUSE_FILESYSTEM_METADATA, name));
