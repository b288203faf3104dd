import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { constants, readSync as readFdSync, writeSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { rm } from 'node:fs/promises';
import { readObject, S3Server } from '../../../test/e2e/support/s3-server';
import { FilesystemSession, FsError, FuseFilesystemRegistry, FuseModule, ROOT_INO } from '../fuse';
import { S3_STORE } from './s3.constants';
import { S3Module } from './s3.module';
import type { S3ObjectStore } from './store/s3-object.store';

function readSync(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  return buffer.subarray(0, readFdSync(fd, buffer, 0, length, position));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** The one HEAD the request counter below holds back for half a second. */
const SLOW_KEY = 'small/s00';

describe('S3Filesystem handlers against s3rver', () => {
  let server: S3Server;
  let client: S3Client;
  let moduleRef: TestingModule;
  let s3: FilesystemSession;
  let store: S3ObjectStore;
  const requests: string[] = [];
  let headsInFlight = 0;
  let mostHeadsInFlight = 0;
  let slowHeadPending = false;
  let headsStartedDuringSlow = 0;
  /** HEADs of these keys are answered by the server, then held here until the promise settles. */
  const heldAnswers = new Map<string, Promise<void>>();
  /** PUTs of these keys wait here before they are sent. */
  const heldPuts = new Map<string, Promise<void>>();

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket('fs-bucket');
    client = server.client();
    for (const key of ['a.txt', 'b.txt', 'dir/c.txt', 'dir/e.txt', 'deep/er/d.txt']) {
      await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: key, Body: key }));
    }
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    moduleRef = await Test.createTestingModule({
      imports: [
        S3Module.forRoot({
          bucket: 'fs-bucket',
          endpoint: server.endpoint,
          forcePathStyle: true,
          metadataTtlMs: 60_000,
          negativeTtlMs: 60_000,
          symlinks: true,
        }),
        // The module's own caches off: every call reaches the S3 handlers, whose caching is under test.
        FuseModule.forRoot({ entryTtlMs: 0, attrTtlMs: 0 }),
      ],
    }).compile();
    await moduleRef.init();
    s3 = moduleRef.get(FuseFilesystemRegistry).get('s3');
    store = moduleRef.get<S3ObjectStore>(S3_STORE);
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        requests.push(String(context.commandName));
        if (context.commandName === 'PutObjectCommand') await heldPuts.get((args.input as { Key?: string }).Key ?? '');
        if (context.commandName !== 'HeadObjectCommand') return next(args);
        mostHeadsInFlight = Math.max(mostHeadsInFlight, ++headsInFlight);
        if (slowHeadPending) headsStartedDuringSlow += 1;
        try {
          const key = (args.input as { Key?: string }).Key ?? '';
          if (key === SLOW_KEY) {
            slowHeadPending = true;
            await new Promise((resolve) => setTimeout(resolve, 500));
            slowHeadPending = false;
          }
          const answer = await next(args);
          await heldAnswers.get(key);
          return answer;
        } finally {
          headsInFlight -= 1;
        }
      },
      { step: 'initialize', name: 'countRequests' },
    );
  });

  afterAll(async () => {
    await moduleRef?.close();
    client?.destroy();
    await server?.destroy();
  });

  /** Resolves once a request of this command has gone out since the test began. */
  async function sent(command: string): Promise<void> {
    while (!requests.includes(command)) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  beforeEach(() => {
    requests.length = 0;
  });

  it('looks a name up in one round trip (HEAD and LIST in parallel), then from its cache', async () => {
    const entry = await s3.lookup(ROOT_INO, 'a.txt');
    expect(entry.attr).toMatchObject({ kind: 'file', size: 5 });
    expect(requests.sort()).toEqual(['HeadObjectCommand', 'ListObjectsV2Command']);
    requests.length = 0;
    await s3.lookup(ROOT_INO, 'a.txt');
    await s3.getattr(entry.attr.ino);
    expect(requests).toEqual([]);
  });

  it('remembers a missing name for the negative TTL', async () => {
    await expect(s3.lookup(ROOT_INO, 'missing')).rejects.toMatchObject({ code: 'ENOENT' });
    requests.length = 0;
    await expect(s3.lookup(ROOT_INO, 'missing')).rejects.toBeInstanceOf(FsError);
    expect(requests).toEqual([]);
  });

  // (s3rver leaves such a directory out of its delimited listings of the parent — a bug of its own that real S3 does
  // not have — so only lookup is checked here.)
  it('knows a directory it has just made is empty: a lookup in it costs no request', async () => {
    const made = await s3.mkdir(ROOT_INO, 'made-here', 0o755);
    requests.length = 0;
    await expect(s3.lookup(made.attr.ino, 'anything')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(requests).toEqual([]);
    // What is created in it is found at once, not answered missing from the empty record.
    const created = await s3.create(made.attr.ino, 'new.txt', 0o644, constants.O_CREAT | constants.O_WRONLY);
    await s3.release(created.entry.attr.ino, created.fh, 0);
    expect((await s3.lookup(made.attr.ino, 'new.txt')).attr.kind).toBe('file');
  });

  it('finds a directory that holds only subdirectories', async () => {
    expect((await s3.lookup(ROOT_INO, 'deep')).attr.kind).toBe('dir');
    expect(await s3.resolve('/deep/er/d.txt')).toBeGreaterThan(ROOT_INO);
  });

  it('lists a directory as a snapshot that stays stable across its offsets', async () => {
    const dir = (await s3.lookup(ROOT_INO, 'dir')).attr.ino;
    const fh = await s3.opendir(dir, 0);
    const first = await s3.readdir(dir, fh, 0);
    await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'dir/late.txt', Body: 'late' }));
    const again = await s3.readdirAll(dir, fh);
    await s3.releasedir(dir, fh);
    expect(again.map((entry) => entry.name)).toEqual(first.map((entry) => entry.name));
    expect(again.map((entry) => entry.name)).toEqual(['c.txt', 'e.txt']);
    expect(again.find((entry) => entry.name === 'c.txt')?.attr?.size).toBe(9);
  });

  it('lists a directory again when a reader goes back before the entries it moved past (rewinddir)', async () => {
    const dir = (await s3.lookup(ROOT_INO, 'dir')).attr.ino;
    const fh = await s3.opendir(dir, 0);
    try {
      const all = (await s3.readdir(dir, fh, 0)).map((entry) => entry.name);
      expect((await s3.readdir(dir, fh, 1)).map((entry) => entry.name)).toEqual(all.slice(1));
      requests.length = 0;
      expect((await s3.readdir(dir, fh, 0)).map((entry) => entry.name)).toEqual(all);
      expect(requests).toEqual(['ListObjectsV2Command']);
    } finally {
      await s3.releasedir(dir, fh);
    }
  });

  it('never uploads a file renamed over while it is still open onto the name it lost', async () => {
    const target = await s3.create(ROOT_INO, 'target.txt', 0o644, constants.O_CREAT | constants.O_WRONLY);
    await s3.write(target.entry.attr.ino, target.fh, 0, Buffer.from('old content, still open'));
    const source = await s3.create(ROOT_INO, 'source.txt', 0o644, constants.O_CREAT | constants.O_WRONLY);
    await s3.write(source.entry.attr.ino, source.fh, 0, Buffer.from('new'));
    await s3.release(source.entry.attr.ino, source.fh, 0);
    await s3.rename(ROOT_INO, 'source.txt', ROOT_INO, 'target.txt');
    await s3.release(target.entry.attr.ino, target.fh, 0);
    expect((await readObject(client, 'fs-bucket', 'target.txt')).toString()).toBe('new');
  });

  it("lets go of a file's writer when its last handle closes after a rename, whatever name the handle was opened by", async () => {
    const created = await s3.create(ROOT_INO, 'moving.txt', 0o644, constants.O_CREAT | constants.O_WRONLY);
    const ino = created.entry.attr.ino;
    await s3.write(ino, created.fh, 0, Buffer.from('first'));
    // A reader (cat, say) opens it while it is open for writing, and is the last to close it.
    const reader = await s3.open(ino, constants.O_RDONLY);
    await s3.flush(ino, created.fh);
    await s3.release(ino, created.fh, 0);
    await s3.rename(ROOT_INO, 'moving.txt', ROOT_INO, 'moved.txt');
    await s3.release(ino, reader, 0);
    await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'moved.txt', Body: 'written elsewhere' }));
    const moved = await s3.resolve('/moved.txt');
    const fh = await s3.open(moved, constants.O_RDONLY);
    try {
      expect((await s3.read(moved, fh, 0, 100)).toString()).toBe('written elsewhere');
    } finally {
      await s3.release(moved, fh, 0);
    }
  });

  it('opens a file renamed while its open was under way by its new name, and keeps nothing of the old one', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'racing.txt', Body: 'racing' }));
    const ino = await s3.resolve('/racing.txt');
    let answer = (): void => undefined;
    heldAnswers.set('racing.txt', new Promise<void>((resolve) => (answer = resolve)));
    // The open's HEAD finds the object; its answer arrives only after the rename has moved it.
    const opening = s3.open(ino, constants.O_RDONLY);
    await sent('HeadObjectCommand');
    await s3.rename(ROOT_INO, 'racing.txt', ROOT_INO, 'raced.txt');
    heldAnswers.delete('racing.txt');
    answer();
    const fh = await opening;
    try {
      expect((await s3.read(ino, fh, 0, 100)).toString()).toBe('racing');
    } finally {
      await s3.release(ino, fh, 0);
    }
    await expect(s3.lookup(ROOT_INO, 'racing.txt')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads and truncates an unlinked file through a handle still open on it, never touching the new file of that name', async () => {
    const first = await s3.create(ROOT_INO, 'replaced.txt', 0o644, constants.O_CREAT | constants.O_RDWR);
    await s3.write(first.entry.attr.ino, first.fh, 0, Buffer.from('first content'));
    await s3.unlink(ROOT_INO, 'replaced.txt');
    await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'replaced.txt', Body: 'the new file' }));
    try {
      expect((await s3.read(first.entry.attr.ino, first.fh, 0, 100)).toString()).toBe('first content');
      await s3.setattr(first.entry.attr.ino, { size: 5 }, first.fh);
      expect((await s3.read(first.entry.attr.ino, first.fh, 0, 100)).toString()).toBe('first');
    } finally {
      await s3.release(first.entry.attr.ino, first.fh, 0);
    }
    expect((await readObject(client, 'fs-bucket', 'replaced.txt')).toString()).toBe('the new file');
  });

  it('holds an open of a file until its last close has uploaded it, then writes on from there', async () => {
    const created = await s3.create(ROOT_INO, 'reopened.txt', 0o644, constants.O_CREAT | constants.O_WRONLY);
    const ino = created.entry.attr.ino;
    await s3.write(ino, created.fh, 0, Buffer.from('before'));
    let upload = (): void => undefined;
    heldPuts.set('reopened.txt', new Promise<void>((resolve) => (upload = resolve)));
    const closing = s3.release(ino, created.fh, 0);
    await sent('PutObjectCommand');
    let opened = false;
    const opening = s3.open(ino, constants.O_WRONLY).then((fh) => ((opened = true), fh));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(opened).toBe(false);
    heldPuts.delete('reopened.txt');
    upload();
    await closing;
    const again = await opening;
    try {
      await s3.write(ino, again, 6, Buffer.from(' and after'));
      await s3.flush(ino, again);
    } finally {
      await s3.release(ino, again, 0);
    }
    expect((await readObject(client, 'fs-bucket', 'reopened.txt')).toString()).toBe('before and after');
  });

  it("lists a file open for writing with the size its writer holds, not the old object's", async () => {
    await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'growing.txt', Body: 'small' }));
    const ino = await s3.resolve('/growing.txt');
    const fh = await s3.open(ino, constants.O_WRONLY);
    await s3.write(ino, fh, 0, Buffer.alloc(4096, 1));
    try {
      const dirFh = await s3.opendir(ROOT_INO, 0);
      const listed = (await s3.readdirAll(ROOT_INO, dirFh)).find((entry) => entry.name === 'growing.txt');
      await s3.releasedir(ROOT_INO, dirFh);
      expect(listed?.attr?.size).toBe(4096);
    } finally {
      await s3.release(ino, fh, 0);
    }
  });

  it('refuses the renames rename(2) refuses, and one of a directory with a file open for writing below it', async () => {
    const code = (promise: Promise<unknown>): Promise<string | undefined> =>
      promise.then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
    await s3.mkdir(ROOT_INO, 'full', 0o755);
    const full = await s3.resolve('/full');
    const inside = await s3.create(full, 'x.txt', 0o644, constants.O_CREAT | constants.O_WRONLY);
    await s3.release(inside.entry.attr.ino, inside.fh, 0);
    expect(await code(s3.rename(ROOT_INO, 'dir', ROOT_INO, 'full'))).toBe('ENOTEMPTY');
    expect(await code(s3.rename(ROOT_INO, 'dir', ROOT_INO, 'a.txt'))).toBe('ENOTDIR');
    expect(await code(s3.rename(ROOT_INO, 'a.txt', ROOT_INO, 'dir'))).toBe('EISDIR');
    const open = await s3.create(full, 'open.txt', 0o644, constants.O_CREAT | constants.O_WRONLY);
    try {
      await expect(s3.rename(ROOT_INO, 'full', ROOT_INO, 'elsewhere')).rejects.toMatchObject({
        code: 'EINVAL',
        message: expect.stringContaining('full/open.txt is open for writing'),
      });
    } finally {
      await s3.release(open.entry.attr.ino, open.fh, 0);
    }
    expect((await readObject(client, 'fs-bucket', 'dir/c.txt')).toString()).toBe('dir/c.txt');
    expect((await readObject(client, 'fs-bucket', 'full/x.txt')).length).toBe(0);
  });

  it('moves a reader of a file to the version written through the mount, and leaves it on its own version otherwise', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'follow.txt', Body: 'first' }));
    const ino = await s3.resolve('/follow.txt');
    const reader = await s3.open(ino, constants.O_RDONLY);
    const writer = await s3.open(ino, constants.O_WRONLY | constants.O_TRUNC);
    try {
      await s3.write(ino, writer, 0, Buffer.from('rewritten'));
      await s3.flush(ino, writer);
      await s3.release(ino, writer, 0);
      expect((await s3.read(ino, reader, 0, 100)).toString()).toBe('rewritten');
      await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'follow.txt', Body: 'written elsewhere' }));
      await expect(s3.read(ino, reader, 0, 100)).rejects.toMatchObject({ code: 'ESTALE' });
    } finally {
      await s3.release(ino, reader, 0);
    }
  });

  it('keeps a file renamed onto its own name', async () => {
    await s3.rename(ROOT_INO, 'b.txt', ROOT_INO, 'b.txt');
    expect((await readObject(client, 'fs-bucket', 'b.txt')).toString()).toBe('b.txt');
  });

  it("completes a listing's entries with their HEADs in flight together, not one after another", async () => {
    // Empty objects may be symlinks: the listing cannot tell, so each needs its HEAD.
    for (let i = 0; i < 40; i++) await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: `empties/e${i}`, Body: '' }));
    const dir = (await s3.lookup(ROOT_INO, 'empties')).attr.ino;
    mostHeadsInFlight = 0;
    requests.length = 0;
    const fh = await s3.opendir(dir, 0);
    const listed = await s3.readdirAll(dir, fh);
    await s3.releasedir(dir, fh);
    expect(listed.filter((entry) => entry.attr?.kind === 'file')).toHaveLength(40);
    expect(requests.filter((name) => name === 'HeadObjectCommand')).toHaveLength(40);
    expect(mostHeadsInFlight).toBeGreaterThanOrEqual(16);
  });

  it("keeps starting a listing's HEADs while one of them is slow, not waiting for it batch by batch", async () => {
    for (let i = 0; i < 80; i++)
      await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: `small/s${String(i).padStart(2, '0')}`, Body: 'x' }));
    const dir = (await s3.lookup(ROOT_INO, 'small')).attr.ino;
    headsStartedDuringSlow = 0;
    const fh = await s3.opendir(dir, 0);
    const listed = await s3.readdirAll(dir, fh);
    await s3.releasedir(dir, fh);
    expect(listed.filter((entry) => entry.attr?.kind === 'file')).toHaveLength(80);
    // s00 is the slow one: in batches of 32 only the 31 beside it would start while it is pending.
    expect(headsStartedDuringSlow).toBeGreaterThan(40);
  });

  it('keeps --dir-mode for a directory that exists only as a prefix when it is given an owner', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'prefix-only/f.txt', Body: 'f' }));
    const private700 = await Test.createTestingModule({
      imports: [
        S3Module.forRoot({ bucket: 'fs-bucket', endpoint: server.endpoint, forcePathStyle: true, dirMode: 0o700 }),
        FuseModule.forRoot({ entryTtlMs: 0, attrTtlMs: 0 }),
      ],
    }).compile();
    await private700.init();
    try {
      const session = private700.get(FuseFilesystemRegistry).get('s3');
      const dir = await session.resolve('/prefix-only');
      expect((await session.getattr(dir)).perm).toBe(0o700);
      expect(await session.setattr(dir, { uid: 4242 })).toMatchObject({ perm: 0o700, uid: 4242 });
      const marker = await client.send(new HeadObjectCommand({ Bucket: 'fs-bucket', Key: 'prefix-only/' }));
      expect(Number(marker.Metadata?.mode) & 0o7777).toBe(0o700);
    } finally {
      await private700.close();
    }
  });

  describe('an existing file opened for writing where the kernel could serve it from a descriptor (passthrough)', () => {
    const passthrough = { uid: 0, gid: 0, pid: 0, known: true, passthrough: true };

    it('stages it whole at open and hands out one staging descriptor, whose writes it uploads at close', async () => {
      await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'staged.txt', Body: 'hello world' }));
      const ino = await s3.resolve('/staged.txt');
      const gets = jest.spyOn(store, 'getRange');
      const writing = await s3.openReply(ino, constants.O_RDWR, passthrough);
      expect(gets).toHaveBeenCalledWith('staged.txt', 0, 10, expect.any(String));
      gets.mockRestore();
      const fd = writing.passthrough as number;
      expect(readSync(fd, 0, 11).toString()).toBe('hello world');
      const reading = await s3.openReply(ino, constants.O_RDONLY, passthrough);
      expect(reading.passthrough).toBe(fd);
      try {
        // What the kernel does with a passthrough write: straight into the file, no write handler.
        writeSync(fd, Buffer.from('HELLO'), 0, 5, 0);
        writeSync(fd, Buffer.from('!!'), 0, 2, 11);
        expect((await s3.getattr(ino)).size).toBe(13);
        expect((await s3.read(ino, reading.fh, 0, 100)).toString()).toBe('HELLO world!!');
        await s3.flush(ino, writing.fh);
        expect((await readObject(client, 'fs-bucket', 'staged.txt')).toString()).toBe('HELLO world!!');
        // A change after an upload is a change again.
        writeSync(fd, Buffer.from('J'), 0, 1, 0);
      } finally {
        await s3.release(ino, reading.fh, 0);
        await s3.release(ino, writing.fh, 0);
      }
      expect((await readObject(client, 'fs-bucket', 'staged.txt')).toString()).toBe('JELLO world!!');
    });

    it('lists a file written through its descriptor with the size the staging file has now', async () => {
      await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'listed/grown.txt', Body: 'abc' }));
      const dir = await s3.resolve('/listed');
      const ino = await s3.resolve('/listed/grown.txt');
      const writing = await s3.openReply(ino, constants.O_RDWR, passthrough);
      try {
        writeSync(writing.passthrough as number, Buffer.from('a longer text'), 0, 13, 0);
        const fh = await s3.opendir(dir, 0);
        try {
          const entries = await s3.readdir(dir, fh, 0);
          expect(entries.find((entry) => entry.name === 'grown.txt')?.attr?.size).toBe(13);
        } finally {
          await s3.releasedir(dir, fh);
        }
      } finally {
        await s3.release(ino, writing.fh, 0);
      }
    });

    it('lets an open that comes while the file is being staged join that staging, so no write is uploaded over', async () => {
      await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'raced.txt', Body: 'hello' }));
      const ino = await s3.resolve('/raced.txt');
      const getRange = store.getRange.bind(store);
      const gates = [deferred(), deferred()];
      let calls = 0;
      const gets = jest.spyOn(store, 'getRange').mockImplementation(async (...args) => {
        await gates[calls++]?.promise;
        return getRange(...args);
      });
      try {
        const first = s3.openReply(ino, constants.O_RDWR, passthrough);
        while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        const second = s3.openReply(ino, constants.O_RDWR, passthrough);
        await new Promise((resolve) => setTimeout(resolve, 50));
        gates[0].resolve();
        const one = await first;
        writeSync(one.passthrough as number, Buffer.from('A'), 0, 1, 0);
        await s3.flush(ino, one.fh);
        await s3.release(ino, one.fh, 0);
        gates[1].resolve();
        const two = await second;
        writeSync(two.passthrough as number, Buffer.from('B'), 0, 1, 1);
        await s3.release(ino, two.fh, 0);
      } finally {
        gets.mockRestore();
      }
      expect((await readObject(client, 'fs-bucket', 'raced.txt')).toString()).toBe('ABllo');
      expect(calls).toBe(1);
    });

    it('moves a stored modification time to the time of a later write, through passthrough or the handlers', async () => {
      for (const [key, viaPassthrough] of [
        ['dated-pt.txt', true],
        ['dated-h.txt', false],
      ] as const) {
        await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: key, Body: 'old', Metadata: { mtime: '1000000000' } }));
        const ino = await s3.resolve(`/${key}`);
        expect((await s3.getattr(ino)).mtime.getTime()).toBe(1_000_000_000_000);
        const before = Date.now() - 1000;
        const opened = await s3.openReply(ino, constants.O_RDWR, viaPassthrough ? passthrough : undefined);
        if (viaPassthrough) writeSync(opened.passthrough as number, Buffer.from('new'), 0, 3, 0);
        else await s3.write(ino, opened.fh, 0, Buffer.from('new'));
        expect((await s3.getattr(ino)).mtime.getTime()).toBeGreaterThan(before);
        await s3.release(ino, opened.fh, 0);
        const stored = await client.send(new HeadObjectCommand({ Bucket: 'fs-bucket', Key: key }));
        expect([key, Number(stored.Metadata?.mtime) * 1000]).toEqual([key, expect.any(Number)]);
        expect(Number(stored.Metadata?.mtime) * 1000).toBeGreaterThan(before);
      }
    });

    it('uploads nothing when nothing was written', async () => {
      await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'untouched.txt', Body: 'as it was' }));
      const ino = await s3.resolve('/untouched.txt');
      const opened = await s3.openReply(ino, constants.O_WRONLY, passthrough);
      expect(opened.passthrough).toEqual(expect.any(Number));
      await s3.flush(ino, opened.fh);
      await s3.release(ino, opened.fh, 0);
      expect(requests.filter((name) => /Put|Upload|Multipart/.test(name))).toEqual([]);
    });

    it('keeps writable opens on the handlers, saying why once, where the staging file would not show every change', async () => {
      await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'on-tmpfs.txt', Body: 'tmpfs' }));
      const onTmpfs = await Test.createTestingModule({
        imports: [
          S3Module.forRoot({
            bucket: 'fs-bucket',
            endpoint: server.endpoint,
            forcePathStyle: true,
            stagingDir: `/dev/shm/nestjs-fuse-spec-${process.pid}`,
          }),
          FuseModule.forRoot({ entryTtlMs: 0, attrTtlMs: 0 }),
        ],
      }).compile();
      await onTmpfs.init();
      const logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      try {
        const session = onTmpfs.get(FuseFilesystemRegistry).get('s3');
        const ino = await session.resolve('/on-tmpfs.txt');
        for (let i = 0; i < 2; i++) {
          const opened = await session.openReply(ino, constants.O_RDWR, passthrough);
          await session.release(ino, opened.fh, 0);
          expect(opened.passthrough).toBeUndefined();
        }
        const reasons = logged.mock.calls.map(([message]) => String(message)).filter((message) => message.includes('rather than passthrough'));
        expect(reasons).toEqual([expect.stringMatching(/nestjs-fuse-spec-\d+ is on a filesystem \(type 0x1021994\)/)]);
      } finally {
        logged.mockRestore();
        await onTmpfs.close();
        await rm(`/dev/shm/nestjs-fuse-spec-${process.pid}`, { recursive: true, force: true });
      }
    });

    it('stages nothing at open where the transport cannot pass through, nor for O_TRUNC', async () => {
      await client.send(new PutObjectCommand({ Bucket: 'fs-bucket', Key: 'lazy.txt', Body: 'lazy' }));
      const ino = await s3.resolve('/lazy.txt');
      const gets = jest.spyOn(store, 'getRange');
      for (const [flags, context] of [
        [constants.O_RDWR, undefined],
        [constants.O_RDWR, { ...passthrough, passthrough: false }],
        [constants.O_RDWR | constants.O_TRUNC, passthrough],
      ] as const) {
        const opened = await s3.openReply(ino, flags, context);
        await s3.release(ino, opened.fh, 0);
        expect(opened.passthrough).toBeUndefined();
      }
      expect(gets).not.toHaveBeenCalled();
      gets.mockRestore();
    });
  });

  it('reports statfs figures that fit and say "plenty of room"', async () => {
    const stats = await s3.statfs(ROOT_INO);
    expect(stats.bavail * stats.bsize).toBeGreaterThan(2 ** 49);
  });
});
