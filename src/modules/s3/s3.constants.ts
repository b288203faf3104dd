/** The resolved options (defaults applied) of the S3 backend. */
export const S3_RESOLVED_OPTIONS = Symbol('S3_RESOLVED_OPTIONS');
/** The S3ObjectStore of the mounted bucket. */
export const S3_STORE = Symbol('S3_STORE');
