import { FuseOpcode } from './fuse-protocol';
import { FuseRequest } from './fuse-request';
import { KernelRequestContext } from './kernel-request-context';

function request(): FuseRequest {
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeUInt32LE(FuseOpcode.Read, 4);
  header.writeUInt32LE(1000, 24);
  header.writeUInt32LE(100, 28);
  header.writeUInt32LE(77, 32);
  return new FuseRequest(header);
}

describe('KernelRequestContext', () => {
  it('carries the caller the kernel named', () => {
    expect(new KernelRequestContext(request())).toMatchObject({ uid: 1000, gid: 100, pid: 77, known: true, interrupted: false });
  });

  it('aborts the signal a handler holds when the kernel interrupts the request, with EINTR as the reason', () => {
    const context = new KernelRequestContext(request());
    const signal = context.signal;
    const early = jest.fn();
    context.answerEarly = early;
    context.interrupt();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ code: 'EINTR' });
    expect(early).toHaveBeenCalledTimes(1);
  });

  it('hands out an aborted signal when asked only after the interrupt', () => {
    const context = new KernelRequestContext(request());
    context.interrupt();
    expect(context.signal.aborted).toBe(true);
  });
});
