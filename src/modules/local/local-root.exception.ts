import { FuseBootException } from '../fuse';

/** The local backend's root cannot be served: missing, not a directory, or unreadable. */
export class LocalRootException extends FuseBootException {}
