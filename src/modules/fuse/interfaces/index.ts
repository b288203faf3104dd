export * from './file-attr.interface';
export * from './fuse-handlers.interface';
export * from './fuse-module-options.interface';
export * from './registered-filesystem.interface';
export type { FuseTransportKind } from './fuse-transport.interface';
export * from './kernel-cache.interface';
export * from './drops-caches.interface';
export * from './fuse-mount-handle.interface';
