import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { DirEntry, Entry, FileAttr, FsError, FuseFilesystem, FuseFilesystemRegistry, FuseModule, GetAttr, Ino, Lookup, Read, ReadDir } from './index';
import { FuseNativeHandles } from './fuse-native.handles';
import { FuseNativeReads } from './fuse-native.reads';
import { RequestBufferPool } from './request-buffer.pool';

const FILLS_INTO = 2; // reads into the buffer it is given, as the backends do
const OWN_BUFFER = 3; // answers with a buffer of its own
const LATE = 4; // keeps writing to its buffer after its deadline
const FAILS = 5; // rejects with EACCES

/** A file system whose reads record the buffer each was given. */
@FuseFilesystem('buffers')
class BufferRecordingFilesystem {
  readonly given: Array<Buffer | undefined> = [];
  readonly ownBytes = Buffer.from('bytes of its own');

  @Lookup()
  async lookup(_parent: Ino, name: string): Promise<Entry> {
    throw FsError.notFound(name);
  }

  @GetAttr()
  async getattr(ino: Ino): Promise<FileAttr> {
    const now = new Date();
    return { ino, kind: 'file', perm: 0o644, size: 1024, blocks: 2, nlink: 1, uid: 0, gid: 0, atime: now, mtime: now, ctime: now };
  }

  @ReadDir()
  async readdir(): Promise<DirEntry[]> {
    return [];
  }

  @Read()
  async read(ino: Ino, _fh: number, offset: number, size: number, into?: Buffer): Promise<Buffer> {
    this.given.push(into);
    if (ino === OWN_BUFFER) return this.ownBytes;
    if (ino === FAILS) throw FsError.accessDenied('refused');
    if (!into) throw FsError.invalid('no buffer given');
    if (ino === LATE) await new Promise((resolve) => setTimeout(resolve, 100));
    // One byte short of the request, so the answer's length must come from what the handler returned.
    into.fill(offset, 0, size - 1);
    return into.subarray(0, size - 1);
  }
}

describe("FuseNativeReads (a fuse-native mount's read path, without a mount)", () => {
  let moduleRef: TestingModule;
  let handles: FuseNativeHandles;
  let reads: FuseNativeReads;
  let filesystem: BufferRecordingFilesystem;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [FuseModule.forRoot({ deadlineMs: { read: 30 } })],
      providers: [BufferRecordingFilesystem],
    }).compile();
    await moduleRef.init();
    const session = moduleRef.get(FuseFilesystemRegistry).get('buffers');
    handles = new FuseNativeHandles();
    reads = new FuseNativeReads(session, handles, new RequestBufferPool());
    filesystem = moduleRef.get(BufferRecordingFilesystem);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    await moduleRef.close();
    jest.restoreAllMocks();
  });

  function read(ino: Ino, buf: Buffer, lendable: boolean): Promise<unknown> {
    const fd = handles.add(ino, 1);
    return new Promise((resolve) => reads.read(fd, buf, buf.length, 7, lendable, resolve));
  }

  it('lets the handler read straight into a buffer the binding lends', async () => {
    const kernel = Buffer.alloc(64);
    expect(await read(FILLS_INTO, kernel, true)).toBe(63);
    expect(filesystem.given[0]).toBe(kernel);
    expect(kernel.subarray(0, 63).every((byte) => byte === 7)).toBe(true);
  });

  it('copies an answer in a buffer of its own into the lent buffer', async () => {
    const kernel = Buffer.alloc(64);
    expect(await read(OWN_BUFFER, kernel, true)).toBe(filesystem.ownBytes.length);
    expect(kernel.subarray(0, filesystem.ownBytes.length)).toEqual(filesystem.ownBytes);
  });

  it('never lends libfuse’s own memory: the handler fills another buffer, which is copied', async () => {
    const kernel = Buffer.alloc(64);
    expect(await read(FILLS_INTO, kernel, false)).toBe(63);
    expect(filesystem.given[0]).not.toBe(kernel);
    expect(filesystem.given[0]?.buffer).not.toBe(kernel.buffer);
    expect(kernel.subarray(0, 63).every((byte) => byte === 7)).toBe(true);
  });

  it('answers ETIMEDOUT at the deadline and never reuses a buffer a late handler still holds', async () => {
    const kernel = Buffer.alloc(64);
    expect(await read(LATE, kernel, false)).toBe(-FsError.timedOut().errno);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await read(FILLS_INTO, Buffer.alloc(64), false)).toBe(63);
    expect(filesystem.given[1]).not.toBe(filesystem.given[0]);
  });

  it('answers a failed read with its errno and reuses its buffer; an unknown handle answers EBADF', async () => {
    expect(await read(FAILS, Buffer.alloc(64), false)).toBe(-FsError.accessDenied().errno);
    expect(await read(FILLS_INTO, Buffer.alloc(64), false)).toBe(63);
    expect(filesystem.given[1]).toBe(filesystem.given[0]);
    const unknown = await new Promise((resolve) => reads.read(999, Buffer.alloc(64), 64, 0, true, resolve));
    expect(unknown).toBe(-FsError.badHandle().errno);
  });
});
