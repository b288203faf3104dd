import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { sh, shOk } from './support/shell';

let scripts = 0;

/** Runs a short Python program (the syscalls coreutils do not expose) from a file and returns what it prints. */
async function python(work: string, lines: string[]): Promise<string> {
  const file = join(work, `script-${scripts++}.py`);
  await fs.writeFile(file, lines.join('\n'));
  return (await shOk(`python3 ${file}`)).trim();
}

/**
 * What the kernel transport does that libfuse 2 through fuse-native cannot: each behaviour here is one the other
 * transport gets wrong (docs/SEMANTICS.md, "Known limitations"), checked on a local-backend mount served with --transport kernel.
 */
describe('the kernel transport', () => {
  let work: string;
  let src: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-kernel-'));
    src = join(work, 'src');
    mnt = join(work, 'mnt');
    await fs.mkdir(src);
    await fs.mkdir(mnt);
    await fs.writeFile(join(src, 'big.bin'), Buffer.alloc(4 * 1024 * 1024, 1));
    await fs.mkdir(join(src, 'shared'));
    await fs.chmod(join(src, 'shared'), 0o1777);
    await fs.chmod(work, 0o755);
    mount = await startCliMount(mnt, 'local', src, ['--transport', 'kernel', '--allow-other', '--debug']);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  it('sets the modification time alone, and the access time alone, leaving the other as it was', async () => {
    await fs.writeFile(join(src, 'times'), 'x');
    await fs.utimes(join(src, 'times'), 1_000_000_000, 1_500_000_000);
    await shOk(`touch -m -d @1600000000 ${mnt}/times`);
    let direct = await fs.stat(join(src, 'times'));
    expect([direct.atimeMs, direct.mtimeMs]).toEqual([1e12, 1.6e12]);
    await shOk(`touch -a -d @1700000000 ${mnt}/times`);
    direct = await fs.stat(join(src, 'times'));
    expect([direct.atimeMs, direct.mtimeMs]).toEqual([1.7e12, 1.6e12]);
  });

  it('sets times to the nanosecond, and leaves the other time exactly as it was', async () => {
    await fs.writeFile(join(src, 'precise'), 'x');
    await shOk(`touch -a -d @1500000000.987654321 ${src}/precise`);
    await shOk(`touch -m -d @1600000000.123456789 ${mnt}/precise`);
    const direct = await fs.stat(join(src, 'precise'), { bigint: true });
    expect([direct.atimeNs, direct.mtimeNs]).toEqual([1500000000987654321n, 1600000000123456789n]);
  });

  it('reports times to the nanosecond, so cp -p keeps them exactly', async () => {
    await fs.writeFile(join(src, 'stamped'), 'x');
    await shOk(`touch -d @1600000000.123456789 ${src}/stamped`);
    expect(await shOk(`stat -c %y ${mnt}/stamped`)).toBe('2020-09-13 12:26:40.123456789 +0000\n');
    await shOk(`cp -p ${mnt}/stamped ${mnt}/stamped-copy`);
    expect((await fs.stat(join(src, 'stamped-copy'), { bigint: true })).mtimeNs).toBe(1600000000123456789n);
  });

  it("shows a hard link's new count through every name at once, within the attribute TTL", async () => {
    await fs.writeFile(join(src, 'linked'), 'x');
    expect(await shOk(`stat -c %h ${mnt}/linked`)).toBe('1\n'); // now in the kernel's cache for 1 s
    await shOk(`ln ${mnt}/linked ${mnt}/other-name`);
    expect(await shOk(`stat -c %h ${mnt}/linked ${mnt}/other-name`)).toBe('2\n2\n');
    await shOk(`rm ${mnt}/other-name`);
    expect(await shOk(`stat -c %h ${mnt}/linked`)).toBe('1\n');
  });

  it('answers fstat of a file removed while open', async () => {
    const size = await python(work, [
      'import os',
      `path = ${JSON.stringify(join(mnt, 'unlinked'))}`,
      'fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)',
      "os.write(fd, b'12345')",
      'os.unlink(path)',
      'print(os.fstat(fd).st_size)',
      'os.close(fd)',
    ]);
    expect(size).toBe('5');
  });

  it('makes FIFOs that carry data, sockets, device nodes and regular files with mknod', async () => {
    await shOk(`mkfifo -m 640 ${mnt}/pipe`);
    expect(await shOk(`(echo through the pipe > ${mnt}/pipe &) ; timeout 5 cat ${mnt}/pipe`)).toBe('through the pipe\n');
    expect(
      await python(work, [
        'import os, stat',
        `os.mknod(${JSON.stringify(join(mnt, 'socket'))}, stat.S_IFSOCK | 0o600)`,
        `os.mknod(${JSON.stringify(join(mnt, 'null-device'))}, stat.S_IFCHR | 0o600, os.makedev(1, 3))`,
        `os.mknod(${JSON.stringify(join(mnt, 'made'))}, stat.S_IFREG | 0o640)`,
        'print("ok")',
      ]),
    ).toBe('ok');
    const direct = async (name: string): Promise<string> => {
      const stats = await fs.lstat(join(src, name));
      const kind = stats.isFIFO() ? 'fifo' : stats.isSocket() ? 'socket' : stats.isCharacterDevice() ? 'char' : stats.isFile() ? 'file' : '?';
      return `${kind} ${(stats.mode & 0o777).toString(8)}`;
    };
    expect(await Promise.all(['pipe', 'socket', 'null-device', 'made'].map(direct))).toEqual(['fifo 640', 'socket 600', 'char 600', 'file 640']);
    expect(await shOk(`stat -c '%F %t:%T' ${mnt}/null-device ${mnt}/pipe`)).toBe('character special file 1:3\nfifo 0:0\n');
    const again = await sh(`mkfifo ${mnt}/pipe`);
    expect(again.stderr).toMatch(/File exists/);
    // A socket's own path may not exceed 107 bytes; one deep in the tree is made all the same.
    const deep = join(mnt, 'd'.repeat(120));
    await fs.mkdir(join(src, 'd'.repeat(120)));
    expect(
      await python(work, ['import os, stat', `os.mknod(${JSON.stringify(join(deep, 's'.repeat(100)))}, stat.S_IFSOCK | 0o600)`, 'print("ok")']),
    ).toBe('ok');
    expect((await fs.lstat(join(src, 'd'.repeat(120), 's'.repeat(100)))).isSocket()).toBe(true);
  });

  it('honours RENAME_NOREPLACE and RENAME_EXCHANGE, and refuses RENAME_WHITEOUT rather than ignoring it', async () => {
    await fs.writeFile(join(src, 'one'), '1');
    await fs.mkdir(join(src, 'two'));
    const renameat2 = (from: string, to: string, flags: number): Promise<string> =>
      python(work, [
        'import ctypes',
        'libc = ctypes.CDLL(None, use_errno=True)',
        `result = libc.renameat2(-100, ${JSON.stringify(join(mnt, from))}.encode(), -100, ${JSON.stringify(join(mnt, to))}.encode(), ${flags})`,
        'print(ctypes.get_errno() if result != 0 else 0)',
      ]);
    expect(await renameat2('one', 'two', 1)).toBe('17'); // RENAME_NOREPLACE onto a name: EEXIST
    expect(await renameat2('one', 'nowhere', 4)).toBe('22'); // RENAME_WHITEOUT: EINVAL, nothing moved
    expect(await renameat2('one', 'two', 2)).toBe('0'); // RENAME_EXCHANGE: a file and a directory swap names
    expect([(await fs.stat(join(src, 'one'))).isDirectory(), await fs.readFile(join(src, 'two'), 'utf8')]).toEqual([true, '1']);
    expect(await shOk(`stat -c %F ${mnt}/one ${mnt}/two && cat ${mnt}/two`)).toBe('directory\nregular file\n1');
    expect(await renameat2('two', 'three', 1)).toBe('0');
    expect(await fs.readFile(join(src, 'three'), 'utf8')).toBe('1');
  });

  it('makes files, directories and symlinks owned by the user who made them', async () => {
    const asNobody = (command: string): Promise<string> => shOk(`runuser -u nobody -- sh -c ${JSON.stringify(command)}`);
    await asNobody(`echo mine > ${mnt}/shared/file && mkdir ${mnt}/shared/dir && ln -s file ${mnt}/shared/link`);
    const nobody = await shOk('id -u nobody');
    const nogroup = await shOk('id -g nobody');
    for (const name of ['file', 'dir', 'link']) {
      const direct = await fs.lstat(join(src, 'shared', name));
      expect(`${name} ${direct.uid} ${direct.gid}`).toBe(`${name} ${nobody.trim()} ${nogroup.trim()}`);
    }
    expect(await shOk(`stat -c '%U' ${mnt}/shared/file`)).toBe('nobody\n');
    // Another user may not remove them from the sticky directory; their owner may.
    expect((await sh(`runuser -u daemon -- rm -f ${mnt}/shared/file`)).code).not.toBe(0);
    await asNobody(`rm ${mnt}/shared/file ${mnt}/shared/link && rmdir ${mnt}/shared/dir`);
  });

  it('preallocates and punches holes with fallocate, and finds data and holes with SEEK_DATA / SEEK_HOLE', async () => {
    await shOk(`fallocate -l 1MiB ${mnt}/allocated`);
    const allocated = await fs.stat(join(src, 'allocated'));
    expect([allocated.size, allocated.blocks * 512 >= 1024 * 1024]).toEqual([1024 * 1024, true]);
    // 1 MiB of data, then a 1 MiB hole punched in the middle of 3 MiB.
    await shOk(`dd if=/dev/urandom of=${mnt}/holey bs=1M count=3 status=none && fallocate -p -o 1MiB -l 1MiB ${mnt}/holey`);
    expect((await fs.stat(join(src, 'holey'))).size).toBe(3 * 1024 * 1024);
    const offsets = await python(work, [
      'import os',
      `fd = os.open(${JSON.stringify(join(mnt, 'holey'))}, os.O_RDONLY)`,
      'print(os.lseek(fd, 0, os.SEEK_HOLE), os.lseek(fd, 1048576, os.SEEK_DATA))',
    ]);
    expect(offsets).toBe(`${1024 * 1024} ${2 * 1024 * 1024}`);
  });

  it('copies a range within the filesystem with copy_file_range', async () => {
    await fs.writeFile(join(src, 'copy-from'), Buffer.alloc(256 * 1024, 7));
    const copied = await python(work, [
      'import os',
      `src = os.open(${JSON.stringify(join(mnt, 'copy-from'))}, os.O_RDONLY)`,
      `dst = os.open(${JSON.stringify(join(mnt, 'copy-to'))}, os.O_WRONLY | os.O_CREAT, 0o644)`,
      'print(os.copy_file_range(src, dst, 100000, 1000, 5000))',
    ]);
    expect(copied).toBe('100000');
    const target = await fs.readFile(join(src, 'copy-to'));
    expect([target.length, target.subarray(5000).equals(Buffer.alloc(100000, 7)), target.subarray(0, 5000).equals(Buffer.alloc(5000))]).toEqual([
      105000,
      true,
      true,
    ]);
    expect(mount?.output()).toMatch(/LocalFilesystem\.copyFileRange\(/);
  });
});
