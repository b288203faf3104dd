/**
 * The transport the mounts of this test run use: CI runs the e2e suite once per transport, choosing it with
 * NESTJS_FUSE_TRANSPORT, which the product's `auto` honours (every mount of the test and of its child processes).
 */
export const TRANSPORT: 'kernel' | 'fuse-native' = process.env.NESTJS_FUSE_TRANSPORT === 'fuse-native' ? 'fuse-native' : 'kernel';

/** A test of what only the kernel transport can do (docs/transports.md): skipped on a fuse-native run. */
export const itOnKernelTransport: jest.It = TRANSPORT === 'kernel' ? it : it.skip;
