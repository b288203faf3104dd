import { FuseBootException } from './fuse-boot.exception';

export class RequestScopedFilesystemException extends FuseBootException {}
