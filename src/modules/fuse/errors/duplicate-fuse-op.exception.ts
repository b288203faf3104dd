import { FuseBootException } from './fuse-boot.exception';

export class DuplicateFuseOpException extends FuseBootException {}
