export * from './fuse-filesystem.decorator';
export * from './fuse-op.decorator';
export * from './fuse-ops.decorators';
