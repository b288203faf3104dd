export * from './modules/fuse';
export * from './modules/local';
export * from './modules/s3';
