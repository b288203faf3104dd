import { FuseBootException } from './fuse-boot.exception';

export class MountException extends FuseBootException {}
