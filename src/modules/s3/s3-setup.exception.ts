import { FuseBootException } from '../fuse';

/** The bucket cannot be used as configured: the message names the bucket, endpoint or CA bundle and the fix. */
export class S3SetupException extends FuseBootException {}
