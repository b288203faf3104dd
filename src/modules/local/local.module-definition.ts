import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LocalModuleOptions } from './local-module-options.interface';

export const { ConfigurableModuleClass: ConfigurableLocalModule, MODULE_OPTIONS_TOKEN: LOCAL_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<LocalModuleOptions>().setClassMethodName('forRoot').build();
