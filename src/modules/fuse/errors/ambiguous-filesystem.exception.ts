import { FuseBootException } from './fuse-boot.exception';

export class AmbiguousFilesystemException extends FuseBootException {}
