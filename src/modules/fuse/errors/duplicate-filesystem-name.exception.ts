import { FuseBootException } from './fuse-boot.exception';

export class DuplicateFilesystemNameException extends FuseBootException {}
