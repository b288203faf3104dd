export * from './modules/fuse';
export * from './modules/local';
