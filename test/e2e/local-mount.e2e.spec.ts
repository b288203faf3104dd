import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { itWithPatchedBinding, PREBUILT_BINARY } from './support/binding';
import { isMounted, MountProcess, REPO, startCliMount, stopMount, waitUntil } from './support/mount-process';
import { sh, shOk } from './support/shell';

const BIG = 64 * 1024 * 1024;
const HOLD_LOCK = join(REPO, 'test', 'e2e', 'fixtures', 'hold-lock.py');

/** The local backend on a real mount, served by the CLI in a child process and driven with ordinary tools. */
describe('local backend on a real mount', () => {
  let work: string;
  let src: string;
  let mnt: string;
  let mount: MountProcess | undefined;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-e2e-'));
    src = join(work, 'src');
    mnt = join(work, 'mnt');
    await fs.mkdir(join(src, 'docs', 'deep'), { recursive: true });
    await fs.mkdir(mnt);
    await fs.writeFile(join(src, 'hello.txt'), 'hello world\n');
    await fs.writeFile(join(src, 'docs', 'a.md'), '# a\n');
    await fs.writeFile(join(src, 'docs', 'deep', 'b.md'), '# b\n');
    await fs.writeFile(join(src, 'big.bin'), randomBytes(BIG));
    await fs.symlink('/etc/hostname', join(src, 'abs-link'));
    mount = await startCliMount(mnt, 'local', src);
  });

  afterAll(async () => {
    await stopMount(mount, mnt);
    await fs.rm(work, { recursive: true, force: true });
  });

  it('lists with ls -la, including . and .., with the backing files’ inodes, sizes and times', async () => {
    const listing = await shOk(`ls -la ${mnt}`);
    for (const name of [' .', ' ..', 'hello.txt', 'docs', 'big.bin', 'abs-link -> /etc/hostname']) expect(listing).toContain(name);
    const viaMount = await shOk(`stat -c '%i %s %Y %a %F' ${mnt}/hello.txt ${mnt}/docs`);
    const direct = await shOk(`stat -c '%i %s %Y %a %F' ${src}/hello.txt ${src}/docs`);
    expect(viaMount).toBe(direct);
  });

  it('walks the tree with find exactly as the backing directory', async () => {
    const viaMount = await shOk(`cd ${mnt} && find . | sort`);
    const direct = await shOk(`cd ${src} && find . | sort`);
    expect(viaMount).toBe(direct);
    const typed = await shOk(`cd ${mnt} && find . -type f | sort`);
    expect(typed.split('\n').filter(Boolean)).toEqual(['./big.bin', './docs/a.md', './docs/deep/b.md', './hello.txt']);
  });

  it('reads a 64 MiB random file byte for byte', async () => {
    await shOk(`cmp ${src}/big.bin ${mnt}/big.bin`, 60_000);
    await shOk(`cat ${mnt}/hello.txt | grep -qx 'hello world'`);
  });

  it('serves 8 concurrent readers, each byte-exact', async () => {
    const result = await shOk(
      `for i in 1 2 3 4 5 6 7 8; do (dd if=${mnt}/big.bin bs=$((64 + i))k status=none | cmp - ${src}/big.bin && echo ok$i) & done; wait`,
      120_000,
    );
    expect(result.split('\n').filter((line) => line.startsWith('ok'))).toHaveLength(8);
  });

  it('writes, appends, overwrites in place and truncates', async () => {
    await shOk(`printf 'first line\\n' > ${mnt}/notes.txt && printf 'second\\n' >> ${mnt}/notes.txt`);
    expect(await fs.readFile(join(src, 'notes.txt'), 'utf8')).toBe('first line\nsecond\n');
    await shOk(`printf 'FIRST' | dd of=${mnt}/notes.txt conv=notrunc status=none`);
    expect(await fs.readFile(join(src, 'notes.txt'), 'utf8')).toBe('FIRST line\nsecond\n');
    await shOk(`truncate -s 5 ${mnt}/notes.txt`);
    expect(await shOk(`cat ${mnt}/notes.txt`)).toBe('FIRST');
    await shOk(`truncate -s 8 ${mnt}/notes.txt`);
    expect(await fs.readFile(join(src, 'notes.txt'))).toEqual(Buffer.from('FIRST\0\0\0'));
    await shOk(`: > ${mnt}/notes.txt`);
    expect((await fs.stat(join(src, 'notes.txt'))).size).toBe(0);
  });

  it('writes a 64 MiB file through the mount byte for byte', async () => {
    await shOk(`dd if=${src}/big.bin of=${mnt}/copy.bin bs=1M conv=fsync status=none`, 60_000);
    await shOk(`cmp ${src}/big.bin ${src}/copy.bin`, 60_000);
    await shOk(`cmp ${src}/big.bin ${mnt}/copy.bin`, 60_000);
    await shOk(`rm ${mnt}/copy.bin`);
  });

  it('reads and writes with O_DIRECT (unaligned request buffers never reach the backing file with it)', async () => {
    await shOk(`dd if=${mnt}/big.bin of=${mnt}/direct.bin bs=1M count=8 iflag=direct oflag=direct status=none`, 60_000);
    await shOk(`cmp -n 8388608 ${src}/big.bin ${src}/direct.bin`, 60_000);
    await shOk(`dd if=${mnt}/direct.bin bs=128k iflag=direct status=none | cmp - ${src}/direct.bin`, 60_000);
    await shOk(`rm ${mnt}/direct.bin`);
  });

  it('makes, renames and removes files and directories', async () => {
    await shOk(`mkdir ${mnt}/made && mkdir -p ${mnt}/made/x/y && echo data > ${mnt}/made/x/y/file`);
    await shOk(`mv ${mnt}/made ${mnt}/renamed && mv ${mnt}/renamed/x/y/file ${mnt}/renamed/moved`);
    expect(await fs.readFile(join(src, 'renamed', 'moved'), 'utf8')).toBe('data\n');
    expect(await shOk(`cat ${mnt}/renamed/moved`)).toBe('data\n');
    const notEmpty = await sh(`rmdir ${mnt}/renamed`);
    expect(notEmpty.code).not.toBe(0);
    expect(notEmpty.stderr).toMatch(/Directory not empty/);
    await shOk(`rm ${mnt}/renamed/moved && rmdir ${mnt}/renamed/x/y ${mnt}/renamed/x ${mnt}/renamed`);
    await expect(fs.stat(join(src, 'renamed'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('makes symlinks, reads them, and makes hard links', async () => {
    await shOk(`ln -s docs/a.md ${mnt}/rel-link && ln ${mnt}/hello.txt ${mnt}/hard.txt`);
    expect((await shOk(`readlink ${mnt}/rel-link`)).trim()).toBe('docs/a.md');
    expect(await fs.readlink(join(src, 'rel-link'))).toBe('docs/a.md');
    expect(await shOk(`cat ${mnt}/rel-link`)).toBe('# a\n');
    expect((await shOk(`readlink ${mnt}/abs-link`)).trim()).toBe('/etc/hostname');
    // Two names of one file: same inode number. (The kernel caches each name's attributes separately for the attr
    // TTL, so only the new name is guaranteed to show nlink 2 at once.)
    const [hello, hard] = (await shOk(`stat -c '%i %h' ${mnt}/hello.txt ${mnt}/hard.txt`)).trim().split('\n');
    expect(hello.split(' ')[0]).toBe(hard.split(' ')[0]);
    expect(hard.split(' ')[1]).toBe('2');
    expect((await fs.stat(join(src, 'hello.txt'))).nlink).toBe(2);
    await shOk(`rm ${mnt}/hard.txt ${mnt}/rel-link`);
    expect((await fs.stat(join(src, 'hello.txt'))).nlink).toBe(1);
  });

  it('changes modes and times with chmod and touch', async () => {
    await shOk(`chmod 640 ${mnt}/hello.txt && touch -d '2001-02-03 04:05:06 UTC' ${mnt}/hello.txt`);
    const direct = await fs.stat(join(src, 'hello.txt'));
    expect(direct.mode & 0o777).toBe(0o640);
    expect(direct.mtime.toISOString()).toBe('2001-02-03T04:05:06.000Z');
    expect((await shOk(`stat -c '%a %Y' ${mnt}/hello.txt`)).trim()).toBe(`640 ${Date.UTC(2001, 1, 3, 4, 5, 6) / 1000}`);
    await shOk(`touch ${mnt}/touched`);
    expect((await fs.stat(join(src, 'touched'))).size).toBe(0);
  });

  itWithPatchedBinding('keeps distinct access and modification times (cp -p, rsync -t)', async () => {
    await shOk(`python3 -c "import os; os.utime('${mnt}/hello.txt', (1000000000, 1500000000))"`);
    const direct = await fs.stat(join(src, 'hello.txt'));
    expect([direct.atimeMs, direct.mtimeMs]).toEqual([1e12, 1.5e12]);
    await shOk(`cp -p ${mnt}/hello.txt ${mnt}/copy.txt`);
    expect((await fs.stat(join(src, 'copy.txt'))).mtimeMs).toBe(1.5e12);
    await shOk(`rm ${mnt}/copy.txt`);
  });

  it('keeps a file removed while open readable, writable and truncatable through its handle', async () => {
    const script = [
      'import os',
      `path = ${JSON.stringify(join(mnt, 'removed-while-open.txt'))}`,
      'fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)',
      "os.write(fd, b'still here')",
      'os.unlink(path)',
      "assert not os.path.exists(path), 'the name is gone'",
      "assert os.pread(fd, 100, 0) == b'still here', 'read'",
      "os.pwrite(fd, b'S', 0)",
      'os.ftruncate(fd, 5)',
      'got = os.pread(fd, 100, 0)',
      "assert got == b'Still', got",
      'os.close(fd)',
      "print('ok')",
    ].join('; ');
    expect((await shOk(`python3 -c ${JSON.stringify(script)}`)).trim()).toBe('ok');
  });

  it("warns at mount when fuse-native's prebuilt binary serves it, and only then", () => {
    const warned = mount?.output().includes("fuse-native's prebuilt binary is in use");
    expect(warned).toBe(PREBUILT_BINARY);
  });

  it('keeps flock and POSIX record locks between processes using the mount (the kernel holds them, per machine)', async () => {
    await fs.writeFile(join(src, 'locked'), 'x');
    for (const kind of ['flock', 'posix']) {
      const marker = join(src, `held-${kind}`);
      const hold = `python3 ${HOLD_LOCK} ${kind} ${mnt}/locked ${marker}`;
      const check = `python3 ${HOLD_LOCK} ${kind} ${mnt}/locked`;
      const out = await shOk(`${hold} & holder=$!; until [ -e ${marker} ]; do sleep 0.05; done; ${check}; kill $holder; wait $holder; ${check}`);
      expect([kind, out]).toEqual([kind, 'busy\nlocked\n']);
    }
  });

  it('honours O_EXCL on create', async () => {
    const script = `import os\ntry:\n    os.open('${mnt}/hello.txt', os.O_CREAT | os.O_EXCL | os.O_WRONLY)\nexcept FileExistsError:\n    print('EEXIST')`;
    expect(await shOk(`printf "${script}" | python3`)).toBe('EEXIST\n');
    const fresh = `import os\nfd = os.open('${mnt}/excl.txt', os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)\nos.write(fd, b'x')\nos.close(fd)`;
    await shOk(`printf "${fresh}" | python3`);
    expect((await fs.stat(join(src, 'excl.txt'))).mode & 0o777).toBe(0o600);
    await shOk(`rm ${mnt}/excl.txt`);
  });

  it('sets, reads, lists and removes extended attributes', async () => {
    await shOk(`setfattr -n user.colour -v blue ${mnt}/hello.txt`);
    expect(await shOk(`getfattr --only-values -n user.colour ${mnt}/hello.txt`)).toBe('blue');
    expect(await shOk(`getfattr -d --absolute-names ${mnt}/hello.txt`)).toContain('user.colour="blue"');
    expect(await shOk(`getfattr --only-values -n user.colour ${src}/hello.txt`)).toBe('blue');
    await shOk(`setfattr -x user.colour ${mnt}/hello.txt`);
    const gone = await sh(`getfattr -n user.colour ${mnt}/hello.txt`);
    expect(gone.stderr).toMatch(/No such attribute/);
  });

  it('answers ENAMETOOLONG for a name over 255 bytes', async () => {
    const long = 'n'.repeat(256);
    expect((await sh(`touch ${mnt}/${long}`)).stderr).toMatch(/File name too long/);
    expect((await sh(`mkdir ${mnt}/${'é'.repeat(128)}`)).stderr).toMatch(/File name too long/);
    await shOk(`touch ${mnt}/${'n'.repeat(255)} && rm ${mnt}/${'n'.repeat(255)}`);
  });

  it('answers ENOENT for a missing file', async () => {
    const missing = await sh(`cat ${mnt}/no-such-file`);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/No such file or directory/);
  });

  it('reports the backing filesystem’s size in df', async () => {
    const df = await shOk(`df -P ${mnt} | tail -1`);
    expect(df).toMatch(/^nestjs-fuse-local\s+\d+/);
  });

  it('keeps no file open after every reader is done', async () => {
    const open = await shOk(`ls -l /proc/${mount?.child.pid}/fd | grep -c -- '${src}' || true`);
    expect(open.trim()).toBe('0');
  });
});

describe('local mount lifecycle', () => {
  let work: string;
  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-life-'));
    await fs.mkdir(join(work, 'src'));
    await fs.mkdir(join(work, 'mnt'));
    await fs.writeFile(join(work, 'src', 'file'), 'content');
  });
  afterAll(async () => {
    await stopMount(undefined, join(work, 'mnt'));
    await fs.rm(work, { recursive: true, force: true });
  });

  it('unmounts and exits 0 on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const mount = await startCliMount(join(work, 'mnt'), 'local', join(work, 'src'));
      try {
        expect(await isMounted(join(work, 'mnt'))).toBe(true);
        mount.child.kill(signal);
        expect(await mount.exited).toBe(0);
        expect(await isMounted(join(work, 'mnt'))).toBe(false);
        expect(mount.output()).toContain('unmounted');
      } finally {
        await stopMount(mount);
      }
    }
  });

  it('recovers the stale mount a SIGKILLed daemon leaves behind', async () => {
    const mnt = join(work, 'mnt');
    const killed = await startCliMount(mnt, 'local', join(work, 'src'));
    let next: MountProcess | undefined;
    try {
      killed.child.kill('SIGKILL');
      await killed.exited;
      expect((await sh(`stat ${mnt}`, 10_000)).stderr).toMatch(/Transport endpoint is not connected/);
      next = await startCliMount(mnt, 'local', join(work, 'src'));
      expect(next.output()).not.toMatch(/error/i);
      expect(await shOk(`cat ${mnt}/file`)).toBe('content');
    } finally {
      await stopMount(next);
      await stopMount(killed, mnt);
    }
    expect(await waitUntil(async () => !(await isMounted(mnt)))).toBe(true);
  });
});
