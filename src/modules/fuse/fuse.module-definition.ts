import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { FuseModuleOptions } from './interfaces/fuse-module-options.interface';

export const { ConfigurableModuleClass: ConfigurableFuseModule, MODULE_OPTIONS_TOKEN: FUSE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<FuseModuleOptions>().setClassMethodName('forRoot').build();
