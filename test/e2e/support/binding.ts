/**
 * Set by scripts/test.sh for its second pass over the mount suites on fuse-native's own prebuilt binary, which a
 * package user gets without a C toolchain. (Specs only: the benchmark imports the other support files outside jest.)
 */
export const PREBUILT_BINARY = process.env.NESTJS_FUSE_BINDING === 'prebuilt';

/** A test of what only the patched binding does (fuse-native's prebuilt binary passes utimens the access time twice). */
export const itWithPatchedBinding: jest.It = PREBUILT_BINARY ? it.skip : it;
