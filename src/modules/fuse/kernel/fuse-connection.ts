import { Logger } from '@nestjs/common';
import { constants } from 'node:os';
import { FsError } from '../errors/fs-error';
import { MountException } from '../errors/mount.exception';
import { isMounted } from '../mount-table';
import { DeviceNotifier, DeviceReader, FuseDeviceBinding, loadFuseDevice } from './fuse-device.binding';
import { findFusermount, mountWithFusermount, unmountWithFusermount } from './fusermount';
import { MS_NODEV, MS_NOSUID, MS_RDONLY, REQUEST_BUFFER_SIZE } from './fuse-protocol';
import { outHeader } from './fuse-reply';

export interface ConnectionOptions {
  /** Shown as the mount's source in /proc/mounts and df. */
  fsname: string;
  readOnly: boolean;
  allowOther: boolean;
  defaultPermissions: boolean;
}

/** The mount's type is fuse.nestjs-fuse. */
const SUBTYPE = 'nestjs-fuse';
/** Request-sized buffers lent to the reader for large WRITEs: as many writes of 1 MiB may be in flight without copies. */
const LENT_BUFFERS = 8;
/** How long an unmount waits for the kernel to end the connection before it closes the device (aborting it). */
const END_TIMEOUT_MS = 5_000;

/**
 * One mount's connection to the kernel: the /dev/fuse descriptor, the mount itself, the requests read from it and the
 * replies written to it. What the requests mean is the transport's business.
 */
export class FuseConnection {
  private readonly device: FuseDeviceBinding;
  private fd = -1;
  private reader?: DeviceReader;
  private notifier?: DeviceNotifier;
  private endedWith?: number;
  /** The fusermount that made the mount, which must also unmount it; undefined when mounted with mount(2). */
  private fusermount?: string;
  private readonly endWaiters: Array<() => void> = [];

  constructor(
    readonly mountpoint: string,
    private readonly logger: Logger,
  ) {
    this.device = loadFuseDevice();
  }

  /**
   * Mounts and starts reading; `onRequest` gets each request's bytes, in arrival order, and for a large WRITE the
   * lent buffer they are in, to {@link lend} again once the write is done with them. As root with mount(2); as any
   * other user through fusermount, which mounts and hands the device back.
   */
  async open(options: ConnectionOptions, onRequest: (request: Buffer, lent?: Buffer) => void): Promise<void> {
    if (process.geteuid?.() === 0) this.mountAsRoot(options);
    else await this.mountThroughFusermount(options);
    this.notifier = this.device.startNotifier(this.fd);
    const reader = this.device.startReader(this.fd, REQUEST_BUFFER_SIZE, (requests, end) => {
      for (const request of requests) {
        if (Array.isArray(request)) onRequest(request[0].subarray(0, request[1]), request[0]);
        else onRequest(request);
      }
      if (end !== 0) this.ended(end);
    });
    this.reader = reader;
    for (let i = 0; i < LENT_BUFFERS; i++) this.device.giveBuffer(reader, Buffer.allocUnsafeSlow(REQUEST_BUFFER_SIZE));
  }

  /**
   * Gives a lent buffer back to the reader for the next large WRITE; one a handler may still hold (abandoned at a
   * deadline) is left to the garbage collector and replaced by a new one.
   */
  lend(buffer: Buffer, reusable: boolean): void {
    if (this.reader) this.device.giveBuffer(this.reader, reusable ? buffer : Buffer.allocUnsafeSlow(REQUEST_BUFFER_SIZE));
  }

  private mountAsRoot(options: ConnectionOptions): void {
    this.fd = this.device.openDevice();
    const data = [
      `fd=${this.fd}`,
      'rootmode=40000',
      `user_id=${process.getuid?.() ?? 0}`,
      `group_id=${process.getgid?.() ?? 0}`,
      ...(options.allowOther ? ['allow_other'] : []),
      ...(options.defaultPermissions ? ['default_permissions'] : []),
    ].join(',');
    const flags = MS_NOSUID | MS_NODEV | (options.readOnly ? MS_RDONLY : 0);
    try {
      this.device.mount(options.fsname, this.mountpoint, `fuse.${SUBTYPE}`, flags, data);
    } catch (error) {
      this.device.closeDevice(this.fd);
      this.fd = -1;
      throw new MountException(
        `Could not mount at ${this.mountpoint}: ${(error as Error).message}. Check that the mountpoint is a directory that nothing else is mounted on.`,
      );
    }
  }

  private async mountThroughFusermount(options: ConnectionOptions): Promise<void> {
    const program = await findFusermount();
    if (!program) {
      throw new MountException(
        `Could not mount at ${this.mountpoint}: as a user other than root the kernel transport mounts through fusermount3 or fusermount, and neither is on PATH. Install one (Debian: apt-get install fuse3), or run as root.`,
      );
    }
    this.fd = await mountWithFusermount(this.device, program, this.mountpoint, [
      `fsname=${options.fsname}`,
      `subtype=${SUBTYPE}`,
      ...(options.allowOther ? ['allow_other'] : []),
      ...(options.defaultPermissions ? ['default_permissions'] : []),
      ...(options.readOnly ? ['ro'] : []),
    ]);
    this.fusermount = program;
  }

  /** Writes one reply; false when nobody waits for it any more (interrupted, or the mount is gone). */
  reply(unique: bigint, error: number, body: readonly Buffer[] = []): boolean {
    if (this.fd < 0) return false;
    let length = 0;
    for (const part of body) length += part.length;
    const result = this.device.writeReply(this.fd, [outHeader(unique, error, length), ...body]);
    if (result === 0) return true;
    if (result !== -constants.errno.ENOENT && result !== -constants.errno.ENODEV) {
      this.logger.error(`The kernel refused the reply to request ${unique}: errno ${-result}`);
    }
    return false;
  }

  /**
   * Queues a notification (`code`, `body`) for the kernel. It is written from the mount's notifier thread: the kernel may
   * hold it until it has the answer to a request in flight, which this thread must stay free to give.
   */
  notify(code: number, body: Buffer): boolean {
    if (!this.notifier) return false;
    return this.device.notify(this.notifier, Buffer.concat([outHeader(0n, code, body.length), body]));
  }

  /** Registers a passthrough backing file (see FuseDeviceBinding.backingOpen). */
  registerBacking(fileFd: number): [number, boolean] {
    if (this.fd < 0) throw FsError.io('the mount is gone');
    return this.device.backingOpen(this.fd, fileFd);
  }

  unregisterBacking(backingId: number): void {
    if (this.fd >= 0) this.device.backingClose(this.fd, backingId);
  }

  /** Detaches the mount; the connection ends once nothing uses it, or after a timeout, when it is aborted. */
  async unmount(): Promise<void> {
    if (this.fd < 0) return;
    try {
      if (this.fusermount) await unmountWithFusermount(this.fusermount, this.mountpoint);
      else this.device.unmount(this.mountpoint, true);
    } catch (error) {
      // Already gone (a stale mount cleared by someone else): the connection ends all the same.
      if (this.endedWith === undefined && (await isMounted(this.mountpoint))) throw error;
    }
    await this.waitForEnd(END_TIMEOUT_MS);
  }

  /** Stops reading and closes the device: anything the kernel still waits for fails with ENOTCONN. */
  close(): void {
    if (this.notifier) this.device.stopNotifier(this.notifier);
    this.notifier = undefined;
    if (this.reader) this.device.stopReader(this.reader);
    this.reader = undefined;
    if (this.fd >= 0) this.device.closeDevice(this.fd);
    this.fd = -1;
  }

  private ended(errno: number): void {
    this.endedWith = errno;
    if (errno !== constants.errno.ENODEV) this.logger.error(`Reading FUSE requests from /dev/fuse failed: errno ${errno}`);
    for (const wake of this.endWaiters.splice(0)) wake();
  }

  private waitForEnd(timeoutMs: number): Promise<void> {
    if (this.endedWith !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.endWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
