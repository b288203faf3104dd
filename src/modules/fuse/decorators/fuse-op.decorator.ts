import { FUSE_OP_METADATA, FuseOp } from '../fuse.constants';
import type { FuseHandlerSignatures } from '../interfaces/fuse-handlers.interface';

/**
 * A method decorator that only accepts methods assignable to handler type `H`, so a wrong signature fails to compile.
 */
export type FuseOpMethodDecorator<H> = <T extends H>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
) => TypedPropertyDescriptor<T>;

/** Builds the decorator factory of one op. Several ops may decorate the same method. */
export function createFuseOpDecorator<K extends FuseOp>(op: K): () => FuseOpMethodDecorator<FuseHandlerSignatures[K]> {
  return () => (_target, _propertyKey, descriptor) => {
    const method = descriptor.value as object;
    const ops: FuseOp[] = Reflect.getMetadata(FUSE_OP_METADATA, method) ?? [];
    Reflect.defineMetadata(FUSE_OP_METADATA, [...ops, op], method);
    return descriptor;
  };
}
