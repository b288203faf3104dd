import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { BIG_FILE_SIZE, MemoryFilesystem, patternBytes } from '../../../test/fixtures/memory.filesystem';
import { FileHandle, FilesystemSession, FsError, FuseFilesystemRegistry, FuseModule } from './index';

describe('FileHandle', () => {
  let moduleRef: TestingModule;
  let filesystem: FilesystemSession;
  let memory: MemoryFilesystem;
  const big = patternBytes(BIG_FILE_SIZE);

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [FuseModule.forRoot({})],
      providers: [MemoryFilesystem],
    }).compile();
    await moduleRef.init();
    filesystem = moduleRef.get(FuseFilesystemRegistry).get('memory');
    memory = moduleRef.get(MemoryFilesystem);
  });

  afterEach(() => moduleRef.close());

  it('reads at any offset without moving the position', async () => {
    const file = await FileHandle.open(filesystem, '/big.bin');
    try {
      expect((await file.read(1000, 5000)).equals(big.subarray(1000, 6000))).toBe(true);
      expect((await file.read(BIG_FILE_SIZE - 10, 100)).equals(big.subarray(BIG_FILE_SIZE - 10))).toBe(true);
      expect((await file.read(BIG_FILE_SIZE + 5, 10)).length).toBe(0);
      expect(file.position).toBe(0);
    } finally {
      await file.close();
    }
  });

  it('reads sequentially and seeks from the start, the current position and the end', async () => {
    const file = await FileHandle.open(filesystem, '/hello.txt');
    try {
      expect((await file.readNext(5)).toString()).toBe('hello');
      expect(file.position).toBe(5);
      expect(await file.seek(1, 'current')).toBe(6);
      expect((await file.readNext(5)).toString()).toBe('world');
      expect(await file.seek(-6, 'end')).toBe(6);
      expect((await file.readNext(100)).toString()).toBe('world\n');
      expect(await file.seek(0)).toBe(0);
      expect((await file.readNext(4)).toString()).toBe('hell');
      await expect(file.seek(-1, 'start')).rejects.toThrow(FsError);
    } finally {
      await file.close();
    }
  });

  it('streams the whole file, a range, or from the position as a Node Readable', async () => {
    const file = await FileHandle.open(filesystem, '/big.bin');
    try {
      const collect = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      };
      expect((await collect(file.createReadStream({ chunkSize: 4096 }))).equals(big)).toBe(true);
      expect((await collect(file.createReadStream({ start: 10, end: 19 }))).equals(big.subarray(10, 20))).toBe(true);
      await file.seek(-3, 'end');
      expect((await collect(file.createReadStream())).equals(big.subarray(BIG_FILE_SIZE - 3))).toBe(true);
    } finally {
      await file.close();
    }
  });

  it('opens by inode number', async () => {
    const ino = await filesystem.resolve('/dir/nested.txt');
    const file = await FileHandle.open(filesystem, ino);
    expect((await file.read(0, 100)).toString()).toBe('nested\n');
    expect((await file.stat()).size).toBe(7);
    await file.close();
  });

  it('reads an empty file as empty', async () => {
    const file = await FileHandle.open(filesystem, '/empty');
    expect((await file.read(0, 10)).length).toBe(0);
    await file.close();
  });

  it('calls release on close, once, and refuses use after close', async () => {
    const file = await FileHandle.open(filesystem, '/hello.txt');
    expect(memory.openHandles.size).toBe(1);
    await file.close();
    await file.close();
    expect(memory.openHandles.size).toBe(0);
    await expect(file.read(0, 1)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('reports errors as FsError with the errno a mount would answer', async () => {
    await expect(FileHandle.open(filesystem, '/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(FileHandle.open(filesystem, '/dir')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(FileHandle.open(filesystem, '/denied')).rejects.toMatchObject({ code: 'EACCES' });
    const boom = await FileHandle.open(filesystem, '/boom');
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await expect(boom.read(0, 1)).rejects.toMatchObject({ code: 'EIO' });
    const stream = boom.createReadStream();
    await expect(new Promise((resolve, reject) => stream.on('error', reject).on('end', resolve).resume())).rejects.toMatchObject({ code: 'EIO' });
    await boom.close();
    expect(logged).toHaveBeenCalledTimes(2);
    logged.mockRestore();
  });
});
