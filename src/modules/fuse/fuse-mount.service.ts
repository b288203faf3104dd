import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { FilesystemSession } from './filesystem-session';
import { FuseFilesystemRegistry } from './fuse-filesystem.registry';
import { FUSE_MODULE_OPTIONS } from './fuse.module-definition';
import { createTransport } from './fuse-transport.factory';
import type { FuseModuleOptions, FuseMountOptions } from './interfaces/fuse-module-options.interface';
import type { FuseMountHandle } from './interfaces/fuse-mount-handle.interface';
import type { FuseTransport } from './interfaces/fuse-transport.interface';
import { FuseMetrics } from './metrics/fuse-metrics';
import { MountpointGuard } from './mountpoint.guard';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * The mount lifecycle: mounts the selected filesystem at bootstrap when a mountpoint is configured, unmounts before
 * shutdown, and on SIGINT/SIGTERM. Also mounts programmatically via {@link mount}.
 */
@Injectable()
export class FuseMountService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('FuseMount');
  private readonly guard = new MountpointGuard();
  private readonly mounts = new Map<string, { transport: FuseTransport; handle: FuseMountHandle }>();
  private readonly signalHandler = (signal: NodeJS.Signals): void => void this.onSignal(signal);
  private signalsInstalled = false;
  private unmounting?: Promise<void>;

  constructor(
    private readonly registry: FuseFilesystemRegistry,
    @Inject(FUSE_MODULE_OPTIONS) private readonly options: FuseModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.mountpoint === undefined) return;
    await this.mount(this.options.mountpoint);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.unmountAll();
    this.removeSignalHandlers();
  }

  /**
   * Mounts a registered filesystem (by default the one the module options select) at `mountpoint`, after clearing a
   * stale mount there. Resolves once the kernel has initialised the mount.
   */
  async mount(mountpoint: string, filesystem?: string, mountOptions?: FuseMountOptions): Promise<FuseMountHandle> {
    const session = filesystem === undefined ? this.registry.selected() : this.registry.get(filesystem);
    const options = { ...this.options.mount, ...mountOptions };
    const path = await this.guard.prepare(mountpoint, options);
    const metrics = this.options.metrics ? new FuseMetrics(this.options.metrics, path) : undefined;
    const transport = await createTransport(session, path, options, undefined, metrics);
    await transport.mount();
    const handle: FuseMountHandle = {
      mountpoint: path,
      filesystem: session.name,
      transport: transport.kind,
      readOnly: transport.readOnly,
      unmount: () => this.unmount(path),
      opLatency: () => transport.opLatency(),
    };
    this.mounts.set(path, { transport, handle });
    this.unmounting = undefined;
    this.logger.log(`Mounted "${session.name}" at ${path} (${transport.kind} transport${transport.readOnly ? ', read-only' : ''})`);
    if (this.options.unmountOnSignal !== false) this.installSignalHandlers();
    return handle;
  }

  /** Drops the cached names, attributes and listings of every mounted filesystem: changes made elsewhere show at once. */
  dropCaches(): void {
    for (const session of this.mountedSessions()) session.dropCaches();
  }

  /** Turns the log line of every handler call (the `debug` option) on or off for every mounted filesystem. */
  setTracing(on: boolean): void {
    for (const session of this.mountedSessions()) session.tracing = on;
  }

  private mountedSessions(): Set<FilesystemSession> {
    return new Set([...this.mounts.values()].map((mount) => this.registry.get(mount.handle.filesystem)));
  }

  /** The mounts currently served by this application. */
  mounted(): FuseMountHandle[] {
    return [...this.mounts.values()].map((mount) => mount.handle);
  }

  /** Mountpoints currently served by this application. */
  mountpoints(): string[] {
    return [...this.mounts.keys()];
  }

  /** Unmounts every mount of this application; safe to call more than once and concurrently. */
  unmountAll(): Promise<void> {
    this.unmounting ??= (async () => {
      for (const path of [...this.mounts.keys()]) await this.unmount(path);
    })();
    return this.unmounting;
  }

  /** Unmounts the mount at `path` (a handle's unmount()); nothing when it is not mounted by this application. */
  private async unmount(path: string): Promise<void> {
    const mount = this.mounts.get(path);
    if (!mount) return;
    this.mounts.delete(path);
    try {
      await mount.transport.unmount();
      await this.guard.waitUntilUnmounted(path);
      this.logger.log(`Unmounted ${path}`);
    } catch (error) {
      this.logger.error(`Unmounting ${path} failed: ${(error as Error).message}. Clear it with: fusermount -uz ${path}`);
    }
  }

  private installSignalHandlers(): void {
    if (this.signalsInstalled) return;
    this.signalsInstalled = true;
    for (const signal of SIGNALS) process.on(signal, this.signalHandler);
  }

  private removeSignalHandlers(): void {
    if (!this.signalsInstalled) return;
    this.signalsInstalled = false;
    for (const signal of SIGNALS) process.removeListener(signal, this.signalHandler);
  }

  /** Unmounts, then lets the signal do what it would have done without us, unless someone else handles it. */
  private async onSignal(signal: NodeJS.Signals): Promise<void> {
    this.logger.log(`${signal} received, unmounting`);
    await this.unmountAll();
    this.removeSignalHandlers();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  }
}
