export { S3Module } from './s3.module';
export { S3Filesystem } from './s3.filesystem';
export { S3_MODULE_OPTIONS } from './s3.module-definition';
export { S3SetupException } from './s3-setup.exception';
export { S3OptionsException } from './s3-options.exception';
export type { S3ModuleOptions } from './s3-module-options.interface';
