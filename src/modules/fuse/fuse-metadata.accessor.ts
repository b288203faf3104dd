import { Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FUSE_FILESYSTEM_METADATA, FUSE_OP_METADATA, FuseOp } from './fuse.constants';

@Injectable()
export class FuseMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  filesystemName(target: Type<unknown>): string | undefined {
    return this.reflector.get<string | undefined>(FUSE_FILESYSTEM_METADATA, target);
  }

  ops(method: (...args: never[]) => unknown): readonly FuseOp[] {
    return this.reflector.get<FuseOp[] | undefined>(FUSE_OP_METADATA, method) ?? [];
  }
}
