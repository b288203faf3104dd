import { FuseBootException } from '../fuse';

/** S3Module's options cannot work (no bucket, a part size outside S3's limits). */
export class S3OptionsException extends FuseBootException {}
