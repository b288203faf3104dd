import { DynamicModule, Module } from '@nestjs/common';
import { FuseModule, FuseModuleOptions } from '../modules/fuse';

/** The application context a `mount` command runs: one backend module and the FuseModule that mounts it. */
@Module({})
export class MountAppModule {
  static register(backend: DynamicModule, fuse: FuseModuleOptions): DynamicModule {
    return { module: MountAppModule, imports: [backend, FuseModule.forRoot(fuse)] };
  }
}
