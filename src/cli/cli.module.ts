import { Module } from '@nestjs/common';
import { MountCommand } from './mount.command';
import { UnmountCommand } from './unmount.command';

@Module({ providers: [MountCommand, UnmountCommand] })
export class CliModule {}
