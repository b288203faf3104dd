import { Module } from '@nestjs/common';
import { MountCommand } from './mount.command';

@Module({ providers: [MountCommand] })
export class CliModule {}
