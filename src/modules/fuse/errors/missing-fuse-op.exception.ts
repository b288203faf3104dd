import { FuseBootException } from './fuse-boot.exception';

export class MissingFuseOpException extends FuseBootException {}
