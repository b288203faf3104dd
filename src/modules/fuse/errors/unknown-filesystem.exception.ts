import { FuseBootException } from './fuse-boot.exception';

export class UnknownFilesystemException extends FuseBootException {}
