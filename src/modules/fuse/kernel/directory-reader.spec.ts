import { Test, TestingModule } from '@nestjs/testing';
import { MemoryFilesystem } from '../../../../test/fixtures/memory.filesystem';
import { FilesystemSession, FuseFilesystemRegistry, FuseModule, ROOT_INO } from '../index';
import { DirectoryReader } from './directory-reader';
import { validity } from './fuse-reply';

interface Listed {
  ino: bigint;
  offset: number;
  name: string;
  nodeid?: bigint;
}

/** Decodes a READDIR(PLUS) reply. */
function decode(body: Buffer, plus: boolean): Listed[] {
  const listed: Listed[] = [];
  for (let at = 0; at < body.length;) {
    const nodeid = plus ? body.readBigUInt64LE(at) : undefined;
    const dirent = at + (plus ? 128 : 0);
    const length = body.readUInt32LE(dirent + 16);
    listed.push({
      ino: body.readBigUInt64LE(dirent),
      offset: Number(body.readBigUInt64LE(dirent + 8)),
      name: body.toString('utf8', dirent + 24, dirent + 24 + length),
      ...(plus ? { nodeid } : {}),
    });
    at = dirent + ((24 + length + 7) & ~7);
  }
  return listed;
}

describe('DirectoryReader', () => {
  let moduleRef: TestingModule;
  let session: FilesystemSession;
  let reader: DirectoryReader;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({ imports: [FuseModule.forRoot({})], providers: [MemoryFilesystem] }).compile();
    await moduleRef.init();
    session = moduleRef.get(FuseFilesystemRegistry).get('memory');
    reader = new DirectoryReader(session, (attr) => attr, validity(1), validity(1));
  });

  afterEach(() => moduleRef.close());

  it("lists . and .. first, then the handler's entries across its pages, in one reply", async () => {
    const { body } = await reader.read(ROOT_INO, 0, 0, 4096, false);
    const names = decode(body, false).map((entry) => entry.name);
    expect(names.slice(0, 2)).toEqual(['.', '..']);
    expect(names.slice(2).sort()).toEqual((await session.readdirAll(ROOT_INO, 0)).map((entry) => entry.name).sort());
  });

  it('continues from any offset it handed out, without repeating or skipping a name, when the buffer fills', async () => {
    const all = decode((await reader.read(ROOT_INO, 0, 0, 4096, false)).body, false).map((entry) => entry.name);
    const walked: string[] = [];
    let offset = 0;
    for (let request = 0; request < 100; request++) {
      const page = decode((await reader.read(ROOT_INO, 0, offset, 80, false)).body, false);
      if (page.length === 0) break;
      walked.push(...page.map((entry) => entry.name));
      offset = page[page.length - 1].offset;
    }
    expect(walked).toEqual(all);
  });

  it('gives READDIRPLUS entries their attributes and counts each as a lookup; . and .. have none', async () => {
    const { body, counted } = await reader.read(ROOT_INO, 0, 0, 8192, true);
    const listed = decode(body, true);
    expect(listed.slice(0, 2).map((entry) => entry.nodeid)).toEqual([0n, 0n]);
    const named = listed.slice(2);
    expect(named.every((entry) => entry.nodeid === entry.ino && entry.ino > 0n)).toBe(true);
    expect(counted.map(BigInt)).toEqual(named.map((entry) => entry.ino));
  });

  it('refuses a handler whose offsets do not grow, instead of listing forever', async () => {
    const stuck = new DirectoryReader(
      { readdir: async () => [{ ino: 9, name: 'again', kind: 'file', offset: 0 }] } as unknown as FilesystemSession,
      (attr) => attr,
      validity(1),
      validity(1),
    );
    await expect(stuck.read(ROOT_INO, 0, 0, 4096, false)).rejects.toMatchObject({ code: 'EIO' });
  });
});
