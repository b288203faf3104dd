import { FuseBootException } from './fuse-boot.exception';

/** A mount option has a value libfuse or the kernel cannot take (a negative uid, a TTL that is not a number). */
export class MountOptionsException extends FuseBootException {}
