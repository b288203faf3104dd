import { FsError } from '../errors/fs-error';
import type { RequestContext } from '../interfaces/file-attr.interface';
import type { FuseRequest } from './fuse-request';

/**
 * A request's context on the kernel transport, and what the transport knows of the request while it runs: whether
 * the kernel has interrupted it. The abort signal is made only when a handler asks for it, so requests that never look
 * (almost all) cost no AbortController.
 */
export class KernelRequestContext implements RequestContext {
  readonly uid: number;
  readonly gid: number;
  readonly pid: number;
  readonly known = true;
  umask?: number;
  passthrough?: boolean;
  interrupted = false;
  private controller?: AbortController;
  /** Set while a request that changes nothing may be answered EINTR at once when interrupted. */
  answerEarly?: () => void;

  constructor(request: FuseRequest) {
    this.uid = request.uid;
    this.gid = request.gid;
    this.pid = request.pid;
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.interrupted && !this.controller.signal.aborted) this.controller.abort(FsError.interrupted());
    return this.controller.signal;
  }

  interrupt(): void {
    this.interrupted = true;
    this.controller?.abort(FsError.interrupted());
    this.answerEarly?.();
  }
}
