import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MountProcess, REPO, startCliMount, startFixtureMount, stopMount } from './support/mount-process';
import { sh, shOk } from './support/shell';
import { TRANSPORT } from './support/transport';

const describeOnKernelTransport = TRANSPORT === 'kernel' ? describe : describe.skip;
const HANDLER_IO = /LocalFilesystem\.(read|write)\(/;
const OPEN_TWICE = join(REPO, 'test', 'e2e', 'fixtures', 'open-twice.py');

/**
 * Passthrough on the kernel transport (Linux 6.9+, as root): the local backend offers each open file's descriptor, and
 * the kernel reads, writes and maps the backing file itself. The handlers' debug log shows that no read or write
 * reached them; what the mount shows must still be exactly the backing file.
 */
describeOnKernelTransport('passthrough (kernel transport, local backend)', () => {
  let work: string;
  let src: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  const handlerLogSince = (from: number): string => mount?.output().slice(from) ?? '';

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-passthrough-'));
    src = join(work, 'src');
    mnt = join(work, 'mnt');
    await fs.mkdir(src);
    await fs.mkdir(mnt);
    mount = await startCliMount(mnt, 'local', src, ['--transport', 'kernel', '--debug']);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  it('reads and writes byte for byte without a read or write reaching the handlers', async () => {
    const data = randomBytes(8 * 1024 * 1024 + 123);
    await fs.writeFile(join(src, 'existing'), data);
    await fs.writeFile(join(work, 'incoming'), data);
    const from = mount?.output().length ?? 0;
    await shOk(`cmp ${src}/existing ${mnt}/existing`);
    await shOk(`cp ${work}/incoming ${mnt}/copied && cmp ${work}/incoming ${mnt}/copied`);
    await shOk(`cmp ${work}/incoming ${src}/copied`);
    const log = handlerLogSince(from);
    expect(log).toMatch(/LocalFilesystem\.open\(/);
    expect(log).not.toMatch(HANDLER_IO);
  });

  it('reports the size and times the backing file has after passthrough writes, at once', async () => {
    await fs.writeFile(join(src, 'grown'), 'x'.repeat(100));
    await shOk(`touch -d @1500000000 ${src}/grown`);
    expect(await shOk(`stat -c '%s %Y' ${mnt}/grown`)).toBe('100 1500000000\n'); // now cached by the kernel and the module
    await shOk(`dd if=/dev/zero of=${mnt}/grown bs=1k seek=3 count=2 conv=notrunc status=none`);
    const direct = await fs.stat(join(src, 'grown'));
    expect(direct.size).toBe(5 * 1024);
    expect(await shOk(`stat -c '%s %Y' ${mnt}/grown`)).toBe(`${direct.size} ${Math.floor(direct.mtimeMs / 1000)}\n`);
    // Held open for writing, stat between writes, once past the attribute TTL (1 s): the kernel then asks, and only
    // the backing file knows the size (the module's attribute cache must not answer for a passthrough file).
    const stat = `stat -c %s ${mnt}/grown`;
    const sizes = await shOk(`exec 3>>${mnt}/grown; ${stat}; echo tail >&3; ${stat}; sleep 1.2; ${stat}; echo tail >&3; ${stat}; exec 3>&-`);
    expect(sizes.trim().split('\n').map(Number)).toEqual([5120, 5125, 5125, 5130]);
    await shOk(`echo tail >> ${mnt}/grown && truncate -s 4000 ${mnt}/grown && echo end >> ${mnt}/grown`);
    expect(await shOk(`stat -c %s ${mnt}/grown`)).toBe('4004\n');
    expect((await fs.readFile(join(src, 'grown'))).subarray(4000).toString()).toBe('end\n');
  });

  it('maps files: stores through a shared mapping reach the backing file, and it reads back through one', async () => {
    await fs.writeFile(join(src, 'mapped'), Buffer.alloc(64 * 1024, 0x61));
    const script = [
      'import mmap, sys',
      'with open(sys.argv[1], "r+b") as f:',
      '    m = mmap.mmap(f.fileno(), 0)',
      '    m[4096:4101] = b"hello"',
      '    m.flush()',
      '    print(m[4094:4103].decode(), len(m))',
      '    m.close()',
    ].join('\n');
    await fs.writeFile(join(work, 'map.py'), script);
    expect(await shOk(`python3 ${work}/map.py ${mnt}/mapped`)).toBe('aahelloaa 65536\n');
    expect((await fs.readFile(join(src, 'mapped'))).subarray(4094, 4103).toString()).toBe('aahelloaa');
  });

  it('serves readers and writers of one file at once through one backing file', async () => {
    await fs.writeFile(join(src, 'shared'), '');
    const readers = `for i in $(seq 200); do cat ${mnt}/shared > /dev/null || exit 1; done`;
    const writer = `for i in $(seq 200); do echo line-$i >> ${mnt}/shared || exit 1; done`;
    const results = await Promise.all([sh(readers, 60_000), sh(writer, 60_000), sh(readers, 60_000)]);
    for (const result of results) expect([result.code, result.stderr]).toEqual([0, '']);
    const lines = (await fs.readFile(join(src, 'shared'), 'utf8')).trim().split('\n');
    expect(lines).toEqual(Array.from({ length: 200 }, (_, i) => `line-${i + 1}`));
  });
});

describeOnKernelTransport('without passthrough (--no-passthrough)', () => {
  let work: string;
  let src: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-no-passthrough-'));
    src = join(work, 'src');
    mnt = join(work, 'mnt');
    await fs.mkdir(src);
    await fs.mkdir(mnt);
    await fs.writeFile(join(src, 'big.bin'), Buffer.alloc(4 * 1024 * 1024, 1));
    mount = await startCliMount(mnt, 'local', src, ['--transport', 'kernel', '--debug', '--no-passthrough']);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  it('carries reads and writes to the handlers, 1 MiB in one request each', async () => {
    const from = mount?.output().length ?? 0;
    await shOk(`dd if=${mnt}/big.bin of=/dev/null bs=1M count=2 iflag=direct status=none`);
    await shOk(`dd if=/dev/zero of=${mnt}/written bs=1M count=2 oflag=direct status=none`);
    const log = mount?.output().slice(from) ?? '';
    expect(log).toMatch(/LocalFilesystem\.read\(\d+, \d+, 1048576, 1048576\)/);
    expect(log).toMatch(/LocalFilesystem\.write\(\d+, \d+, 1048576, <1048576 bytes>\)/);
    expect(await shOk(`cmp ${src}/written ${mnt}/written && stat -c %s ${mnt}/written`)).toBe(`${2 * 1024 * 1024}\n`);
  });

  it("reads ahead through the page cache in 1 MiB requests, not the kernel's 128 KiB", async () => {
    expect(await shOk(`cat /sys/class/bdi/$(mountpoint -d ${mnt})/read_ahead_kb`)).toBe('1024\n');
    const from = mount?.output().length ?? 0;
    await shOk(`cat ${mnt}/big.bin > /dev/null`);
    const sizes = [...(mount?.output().slice(from) ?? '').matchAll(/LocalFilesystem\.read\(\d+, \d+, \d+, (\d+)\)/g)].map((match) =>
      Number(match[1]),
    );
    expect(Math.max(...sizes)).toBe(1024 * 1024);
    expect(sizes.length).toBeLessThanOrEqual(8);
  });
});

/**
 * A filesystem that offers passthrough for some opens of a file and not others (here: only opens that may write). The
 * kernel fails an open (EIO) that would serve one inode through passthrough and through the page cache at once.
 */
describeOnKernelTransport('passthrough offered for some opens of a file only', () => {
  let work: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-selective-'));
    mnt = join(work, 'mnt');
    await fs.mkdir(mnt);
    await fs.writeFile(join(work, 'file'), 'hello world');
    mount = await startFixtureMount('serve-selective-passthrough.ts', [mnt, work], mnt);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  it.each([
    ['an ordinary open, then one offered passthrough', 'r', 'rw'],
    ['a passthrough open, then an ordinary one', 'rw', 'r'],
  ])('opens a file both ways at once: %s', async (_case, first, second) => {
    expect(await shOk(`python3 ${OPEN_TWICE} ${mnt}/file ${first} ${second}`)).toBe('hello hello\n');
  });
});
