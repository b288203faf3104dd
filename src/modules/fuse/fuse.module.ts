import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { FuseExplorer } from './fuse.explorer';
import { FuseFilesystemRegistry } from './fuse-filesystem.registry';
import { FuseMetadataAccessor } from './fuse-metadata.accessor';
import { ConfigurableFuseModule } from './fuse.module-definition';
import { FuseMountService } from './fuse-mount.service';

/**
 * Discovers `@FuseFilesystem()` providers at init and, when `mountpoint` is set, mounts the selected one at bootstrap.
 * `FuseModule.forRoot({ mountpoint, filesystem, mount: { … } })` or `FuseModule.forRootAsync({ useFactory })`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [FuseMetadataAccessor, FuseExplorer, FuseFilesystemRegistry, FuseMountService],
  exports: [FuseFilesystemRegistry, FuseMountService],
})
export class FuseModule extends ConfigurableFuseModule {}
