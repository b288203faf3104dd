import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { FuseModuleOptions } from './interfaces/fuse-module-options.interface';

export const {
  ConfigurableModuleClass: ConfigurableFuseModule,
  MODULE_OPTIONS_TOKEN: FUSE_MODULE_OPTIONS,
  OPTIONS_TYPE: FUSE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: FUSE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<FuseModuleOptions>().setClassMethodName('forRoot').build();
