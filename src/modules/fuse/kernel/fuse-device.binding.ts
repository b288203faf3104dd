import { access } from 'node:fs/promises';
import { join } from 'node:path';

/** An opaque reader handle of the addon. */
export type DeviceReader = object & { readonly __deviceReader: unique symbol };
/** An opaque notifier handle of the addon: a thread that writes notifications. */
export type DeviceNotifier = object & { readonly __deviceNotifier: unique symbol };

/** nestjs-fuse's native addon: native/kernel-transport/ (the kernel transport's device calls, and precise file times). */
export interface FuseDeviceBinding {
  openDevice(): number;
  closeDevice(fd: number): void;
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  unmount(target: string, lazy: boolean): void;
  /** 0, or a negative errno (-ENOENT: the request was interrupted; -ENODEV: the mount is gone). */
  writeReply(fd: number, parts: Buffer[]): number;
  /**
   * `onRequests(requests, endErrno)`: each request a Buffer of its own, or `[lentBuffer, length]` for a large WRITE read
   * into a Buffer lent with giveBuffer; endErrno is 0 while the mount lives, then the reason reading stopped.
   */
  startReader(fd: number, bufferSize: number, onRequests: (requests: Array<Buffer | [Buffer, number]>, endErrno: number) => void): DeviceReader;
  /** Lends the reader a Buffer of at least its bufferSize for large WRITEs; false when it keeps no more (or stopped). */
  giveBuffer(reader: DeviceReader, buffer: Buffer): boolean;
  stopReader(reader: DeviceReader): void;
  startNotifier(fd: number): DeviceNotifier;
  /** Queues one whole notification for the notifier's thread; false once it is stopped. */
  notify(notifier: DeviceNotifier, message: Buffer): boolean;
  stopNotifier(notifier: DeviceNotifier): void;
  /**
   * utimensat(2) on the thread pool: each time is [seconds, nanoseconds], or null to leave it as it is. Rejects with an
   * Error whose `errno` is negative.
   */
  setTimes(path: string, atime: [number, number] | null, mtime: [number, number] | null, followSymlinks: boolean): Promise<number>;
  fallocate(fd: number, mode: number, offset: number, length: number): Promise<number>;
  /** lseek(2), SEEK_DATA and SEEK_HOLE included: resolves with the offset. */
  seek(fd: number, offset: number, whence: number): Promise<number>;
  /** copy_file_range(2): resolves with the bytes copied. */
  copyRange(fdIn: number, offsetIn: number, fdOut: number, offsetOut: number, length: number): Promise<number>;
  /** renameat2(2) with RENAME_EXCHANGE. */
  exchange(pathA: string, pathB: string): Promise<number>;
  /**
   * preadv2(2) with RWF_NOWAIT, on the calling thread: copies what the page cache holds of the range from its start and
   * returns the bytes copied, or a negative errno (-EAGAIN: nothing cached at `position`). Never waits on storage.
   */
  readCached(fd: number, buffer: Buffer, position: number): number;
  /**
   * Reopens the file `fileFd` is open on (read-write, else read-only; never appending) and registers it as a
   * passthrough backing file: returns [backingId, writable]. Throws with a negative `errno` (EPERM without
   * CAP_SYS_ADMIN; ENOTTY or EINVAL on kernels without passthrough).
   */
  backingOpen(deviceFd: number, fileFd: number): [number, boolean];
  backingClose(deviceFd: number, backingId: number): void;
  /** Two connected Unix stream sockets (close-on-exec), for fusermount to send the device back on. */
  socketPair(): [number, number];
  /** The descriptor sent on `socket` (SCM_RIGHTS), non-blocking; -1 when none was sent. Never waits. */
  receiveDescriptor(socket: number): number;
  /** One datagram to a service manager's notification socket ($NOTIFY_SOCKET: a path, or @name); never waits. */
  notifyService(socket: string, message: string): boolean;
}

/** Where scripts/build-kernel-transport.js puts the addon; the same from src/ and dist/. */
export const FUSE_DEVICE_ADDON = join(__dirname, '..', '..', '..', '..', 'native', 'kernel-transport', 'build', 'Release', 'fuse_device.node');

let loaded: FuseDeviceBinding | undefined;

export function fuseDeviceAddonBuilt(): Promise<boolean> {
  return access(FUSE_DEVICE_ADDON).then(
    () => true,
    () => false,
  );
}

export function loadFuseDevice(): FuseDeviceBinding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon, loaded on first use
  loaded ??= require(FUSE_DEVICE_ADDON) as FuseDeviceBinding;
  return loaded;
}
