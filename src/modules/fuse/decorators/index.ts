export * from './fuse-filesystem.decorator';
export type { FuseOpMethodDecorator } from './fuse-op.decorator';
export * from './fuse-ops.decorators';
