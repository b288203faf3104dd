import { Inject, Injectable, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { DuplicateFuseOpException } from './errors/duplicate-fuse-op.exception';
import { MissingFuseOpException } from './errors/missing-fuse-op.exception';
import { RequestScopedFilesystemException } from './errors/request-scoped-filesystem.exception';
import { FuseMetadataAccessor } from './fuse-metadata.accessor';
import { FuseFilesystemRegistry } from './fuse-filesystem.registry';
import { FuseOp, REQUIRED_OPS } from './fuse.constants';
import { DUPLICATE_OP_MESSAGE, MISSING_OP_MESSAGE, REQUEST_SCOPED_MESSAGE } from './fuse.messages';
import { FUSE_MODULE_OPTIONS } from './fuse.module-definition';
import type { FuseOpTable } from './interfaces/fuse-handlers.interface';
import type { FuseModuleOptions } from './interfaces/fuse-module-options.interface';

/** Finds every `@FuseFilesystem()` provider at module init, validates its op table and registers it. */
@Injectable()
export class FuseExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: FuseMetadataAccessor,
    private readonly registry: FuseFilesystemRegistry,
    @Inject(FUSE_MODULE_OPTIONS) private readonly options: FuseModuleOptions,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) this.explore(wrapper);
    if (this.options.filesystem !== undefined) this.registry.get(this.options.filesystem);
  }

  private explore(wrapper: InstanceWrapper): void {
    const target = this.classOf(wrapper);
    if (!target) return;
    const name = this.accessor.filesystemName(target);
    if (name === undefined) return;
    if (!wrapper.isDependencyTreeStatic()) {
      throw new RequestScopedFilesystemException(REQUEST_SCOPED_MESSAGE(name, target.name));
    }
    const instance = wrapper.instance as Record<string, unknown>;
    const ops: Partial<Record<FuseOp, (...args: unknown[]) => unknown>> = {};
    const handlerNames = new Map<FuseOp, string>();
    for (const methodName of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
      const method = instance[methodName] as (...args: unknown[]) => unknown;
      for (const op of this.accessor.ops(method)) {
        const where = `${target.name}.${methodName}`;
        const first = handlerNames.get(op);
        if (first) throw new DuplicateFuseOpException(DUPLICATE_OP_MESSAGE(name, op, first, where));
        handlerNames.set(op, where);
        ops[op] = method.bind(instance);
      }
    }
    const missing = REQUIRED_OPS.filter((op) => !handlerNames.has(op));
    if (missing.length > 0) throw new MissingFuseOpException(MISSING_OP_MESSAGE(name, target.name, missing));
    this.registry.register({ name, className: target.name, instance, ops: ops as FuseOpTable, handlerNames });
  }

  /** The class behind a provider: its metatype, or for factory providers the constructor of what the factory made. */
  private classOf(wrapper: InstanceWrapper): Type<unknown> | undefined {
    const { instance, metatype, inject } = wrapper;
    if (metatype && !inject) return metatype as Type<unknown>;
    return instance ? ((instance as object).constructor as Type<unknown>) : undefined;
  }
}
