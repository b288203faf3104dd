// fuse-native 2.2.6 ships no type declarations. Only what the adapter uses is declared here.
declare module 'fuse-native' {
  type Callback = (...args: unknown[]) => void;

  interface FuseNativeOptions {
    timeout?: number | false | Record<string, number | false>;
    force?: boolean;
    mkdir?: boolean;
  }

  class Fuse {
    constructor(mountpoint: string, ops: Record<string, Callback>, options?: FuseNativeOptions);
    readonly mnt: string;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    static unmount(mountpoint: string, cb: (err: Error | null) => void): void;
    protected _fuseOptions(): string;
    /** Builds the function the binding calls for each op code, given the request's native handle first. */
    protected _makeHandlerArray(): Array<((...args: never[]) => void) | undefined>;
  }

  export = Fuse;
}
