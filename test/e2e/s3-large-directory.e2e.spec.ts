import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultProxy } from './support/fault-proxy';
import { S3Fixture } from './support/s3-fixture';
import { startCliMount, stopMount, waitUntil } from './support/mount-process';
import { S3_CREDENTIALS } from './support/s3-server';
import { shOk } from './support/shell';
import { itOnKernelTransport, TRANSPORT } from './support/transport';

const BUCKET = 'large-directory';
const KEYS = Number(process.env.NESTJS_FUSE_LARGE_DIRECTORY_KEYS ?? 20_000);
/** s3rver answers ListObjectsV2 with at most 1,000 keys a page. */
const PAGES = Math.ceil(KEYS / 1000);

/**
 * A directory of many small objects, listed by the tools people point at one — `ls -l`, `find`, `du`, `rsync
 * --list-only` — each through a fresh mount: the listing's pages are all it may cost, never a request per name.
 */
describe(`a directory of ${KEYS} keys (${TRANSPORT} transport)`, () => {
  let s3: S3Fixture;
  let client: S3Client;
  let proxy: FaultProxy;
  let work: string;

  beforeAll(async () => {
    s3 = await S3Fixture.start(BUCKET, 'large-dir');
    ({ client, proxy, work } = s3);
    const keys = Array.from({ length: KEYS }, (_, i) => `big/f${String(i).padStart(6, '0')}`);
    for (let i = 0; i < keys.length; i += 200) {
      await Promise.all(keys.slice(i, i + 200).map((key) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }))));
    }
  }, 300_000);

  afterAll(async () => {
    await s3?.stop();
  });

  it.each([
    ['ls -l', (dir: string) => `ls -l ${dir} | tail -n +2 | wc -l`, `${KEYS}`],
    ['find -type f', (dir: string) => `find ${dir} -type f | wc -l`, `${KEYS}`],
    ['du -s --apparent-size -B1', (dir: string) => `du -s --apparent-size -B1 ${dir} | cut -f1`, undefined],
    ['rsync --list-only', (dir: string) => `rsync -r --list-only ${dir}/ | grep -c ' f[0-9]'`, `${KEYS}`],
  ])('%s costs the listing and nothing per name', async (_tool, command, expected) => {
    const mnt = join(work, `mnt-${_tool.split(' ')[0]}`);
    await fs.mkdir(mnt, { recursive: true });
    const mount = await startCliMount(mnt, 's3', BUCKET, ['--endpoint', proxy.endpoint, '--path-style', '--transport', TRANSPORT], S3_CREDENTIALS);
    try {
      const before = { ...proxy.requestsByKind };
      const output = (await shOk(command(join(mnt, 'big')), 240_000)).trim();
      const spent = Object.fromEntries(Object.entries(proxy.requestsByKind).map(([kind, n]) => [kind, n - (before[kind] ?? 0)]));
      if (expected !== undefined) expect(output).toBe(expected);
      // The names are `big/f000000`…: their bodies' lengths add up to 11 bytes each.
      else expect(Number(output)).toBeGreaterThanOrEqual(11 * KEYS);
      // The listing's pages, and the lookup of "big" itself (a HEAD and a one-key LIST); no HEAD or LIST per name.
      expect({ HEAD: spent.HEAD ?? 0, GET: spent.GET ?? 0 }).toEqual({ HEAD: expect.any(Number), GET: 0 });
      expect(spent.HEAD ?? 0).toBeLessThanOrEqual(2);
      expect(spent.LIST ?? 0).toBeLessThanOrEqual(PAGES + 3);
    } finally {
      await stopMount(mount, mnt);
    }
  });

  it('hands out the first entries while later pages are still to be listed', async () => {
    const mnt = join(work, 'mnt-stream');
    await fs.mkdir(mnt, { recursive: true });
    const mount = await startCliMount(mnt, 's3', BUCKET, ['--endpoint', proxy.endpoint, '--path-style', '--transport', TRANSPORT], S3_CREDENTIALS);
    // Reads one entry, says so, and waits for a line on stdin before reading the rest.
    const script = [
      'import os, sys',
      'it = os.scandir(sys.argv[1])',
      'next(it)',
      'print("first", flush=True)',
      'sys.stdin.readline()',
      'print(1 + sum(1 for _ in it))',
    ];
    try {
      await shOk(`stat ${join(mnt, 'big')} > /dev/null`);
      const before = proxy.requestsByKind.LIST ?? 0;
      const reader = spawn('python3', ['-c', script.join('\n'), join(mnt, 'big')], { stdio: ['pipe', 'pipe', 'inherit'] });
      let output = '';
      let listedAtFirst = -1;
      reader.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (listedAtFirst < 0 && output.startsWith('first')) {
          listedAtFirst = (proxy.requestsByKind.LIST ?? 0) - before;
          reader.stdin.end('\n');
        }
      });
      const code = await new Promise<number | null>((resolve) => reader.on('exit', resolve));
      expect([code, output]).toEqual([0, `first\n${KEYS}\n`]);
      // On fuse-native, libfuse 2 reads a directory whole before its first entry: there the whole listing comes first.
      if (TRANSPORT === 'kernel') expect(listedAtFirst).toBe(1);
      else expect(listedAtFirst).toBe(PAGES);
      expect((proxy.requestsByKind.LIST ?? 0) - before).toBe(PAGES);
    } finally {
      await stopMount(mount, mnt);
    }
  });

  it('answers names from a listing still open, long after its pages arrived (past --metadata-ttl)', async () => {
    const mnt = join(work, 'mnt-held');
    await fs.mkdir(mnt, { recursive: true });
    const flags = ['--endpoint', proxy.endpoint, '--path-style', '--metadata-ttl', '1', '--transport', TRANSPORT];
    const mount = await startCliMount(mnt, 's3', BUCKET, flags, S3_CREDENTIALS);
    // Reads every entry but the last (so the directory stays open), waits out the kernel's, the session's and the
    // listing's one-second caches, then stats names it read while the listing is still open.
    const script = [
      'import os, sys, time',
      'it = os.scandir(sys.argv[1])',
      `names = [next(it).name for _ in range(${KEYS - 1})]`,
      'time.sleep(2.5)',
      'print(len(names), sum(os.stat(os.path.join(sys.argv[1], name)).st_size for name in names[:500]))',
      'it.close()',
    ].join('\n');
    await fs.writeFile(join(work, 'held.py'), script);
    try {
      const before = { ...proxy.requestsByKind };
      expect(await shOk(`python3 ${work}/held.py ${join(mnt, 'big')}`, 240_000)).toBe(`${KEYS - 1} ${11 * 500}\n`);
      const spent = (kind: string): number => (proxy.requestsByKind[kind] ?? 0) - (before[kind] ?? 0);
      expect([spent('HEAD'), spent('GET')]).toEqual([expect.any(Number), 0]);
      expect(spent('HEAD')).toBeLessThanOrEqual(2);
      expect(spent('LIST')).toBeLessThanOrEqual(PAGES + 3);
    } finally {
      await stopMount(mount, mnt);
    }
  });

  // fuse-native's libfuse 2 keeps its own inode table and never passes FORGET on: there the daemon keeps every path.
  itOnKernelTransport('lets go of the names the kernel forgot, and answers them afresh', async () => {
    const mnt = join(work, 'mnt-forget');
    await fs.mkdir(mnt, { recursive: true });
    const mount = await startCliMount(mnt, 's3', BUCKET, ['--endpoint', proxy.endpoint, '--path-style'], S3_CREDENTIALS);
    const names = ['f000001', 'f000002', `f${String(KEYS - 1).padStart(6, '0')}`].map((name) => join(mnt, 'big', name));
    const inodes = async (): Promise<string> => shOk(`stat -c '%i %s' ${names.join(' ')}`);
    try {
      await shOk(`ls -l ${join(mnt, 'big')} > /dev/null`, 240_000);
      const held = await inodes();
      // Unused dentries and inodes go: the kernel sends FORGET for every name it held. Past the daemon's grace time,
      // a lookup finds the names forgotten and numbers them anew.
      await shOk('sync && echo 2 > /proc/sys/vm/drop_caches');
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await shOk(`stat ${join(mnt, 'big')} > /dev/null`);
      const afresh = await inodes();
      expect(afresh.split('\n').map((line) => line.split(' ')[1])).toEqual(held.split('\n').map((line) => line.split(' ')[1]));
      for (const [before, after] of afresh
        .trim()
        .split('\n')
        .map((line, i) => [held.split('\n')[i].split(' ')[0], line.split(' ')[0]])) {
        expect(after).not.toBe(before);
      }
    } finally {
      await stopMount(mount, mnt);
    }
  });

  itOnKernelTransport('keeps at most --max-inodes inodes: the kernel is asked to forget the oldest files', async () => {
    const mnt = join(work, 'mnt-max-inodes');
    await fs.mkdir(mnt, { recursive: true });
    const limit = Math.max(1000, Math.floor(KEYS / 10));
    // --debug logs every handler call: the FORGETs that reach the S3 handlers are counted from it.
    const flags = ['--endpoint', proxy.endpoint, '--path-style', '--max-inodes', String(limit), '--debug'];
    const mount = await startCliMount(mnt, 's3', BUCKET, flags, S3_CREDENTIALS);
    const forgotten = (): number => mount.output().match(/S3Filesystem\.forget\(/g)?.length ?? 0;
    try {
      const before = { ...proxy.requestsByKind };
      expect((await shOk(`ls -l ${join(mnt, 'big')} | tail -n +2 | wc -l`, 240_000)).trim()).toBe(`${KEYS}`);
      expect((proxy.requestsByKind.HEAD ?? 0) - (before.HEAD ?? 0)).toBeLessThanOrEqual(2);
      // Every name was handed to the kernel with its attributes; all but about `limit` were handed back and forgotten.
      await waitUntil(async () => forgotten() >= KEYS - limit, 10_000);
      expect(forgotten()).toBeGreaterThanOrEqual(KEYS - limit);
      expect((await shOk(`stat -c %s ${join(mnt, 'big', 'f000000')}`)).trim()).toBe('11');
    } finally {
      await stopMount(mount, mnt);
    }
  });
});
