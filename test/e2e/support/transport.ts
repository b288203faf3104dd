/**
 * The transport the mounts of this test run use: CI runs the e2e suite once per transport, choosing it with
 * NESTJS_FUSE_TRANSPORT, which the product's `auto` honours (every mount of the test and of its child processes).
 */
export const TRANSPORT: 'kernel' | 'fuse-native' = process.env.NESTJS_FUSE_TRANSPORT === 'fuse-native' ? 'fuse-native' : 'kernel';
