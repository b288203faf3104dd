import { Module } from '@nestjs/common';
import { InstallMountHelperCommand } from './install-mount-helper.command';
import { MountHelperCommand } from './mount-helper.command';
import { MountCommand } from './mount.command';
import { UnmountCommand } from './unmount.command';

@Module({ providers: [MountCommand, UnmountCommand, MountHelperCommand, InstallMountHelperCommand] })
export class CliModule {}
