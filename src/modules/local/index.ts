export { LocalModule } from './local.module';
export { LocalFilesystem } from './local.filesystem';
export { LocalRootException } from './local-root.exception';
export { LOCAL_MODULE_OPTIONS } from './local.module-definition';
export type { LocalModuleOptions } from './local-module-options.interface';
