import { Module } from '@nestjs/common';
import { LocalFilesystem } from './local.filesystem';
import { ConfigurableLocalModule } from './local.module-definition';

/** A read-write passthrough of a directory, registered as the filesystem named `local`. */
@Module({
  providers: [LocalFilesystem],
  exports: [LocalFilesystem],
})
export class LocalModule extends ConfigurableLocalModule {}
