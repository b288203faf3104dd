import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { S3ModuleOptions } from './s3-module-options.interface';

export const { ConfigurableModuleClass: ConfigurableS3Module, MODULE_OPTIONS_TOKEN: S3_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<S3ModuleOptions>().setClassMethodName('forRoot').build();
