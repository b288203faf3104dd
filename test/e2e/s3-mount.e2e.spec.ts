import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultProxy } from './support/fault-proxy';
import { S3Fixture } from './support/s3-fixture';
import { itWithPatchedBinding } from './support/binding';
import { CLI, MountProcess, startCliMount, stopMount } from './support/mount-process';
import { readObject, S3_CREDENTIALS, S3Server } from './support/s3-server';
import { sh, shOk } from './support/shell';
import { SteppedProcess } from './support/stepped-process';
import { itOnKernelTransport } from './support/transport';

const BUCKET = 'e2e-bucket';
const BIG = 256 * 1024 * 1024;
const MANY = 5_000;

/** The S3 backend on a real mount, against a real S3 server (s3rver) on loopback, driven from child processes. */
describe('S3 backend on a real mount', () => {
  let s3: S3Fixture;
  let server: S3Server;
  let client: S3Client;
  let proxy: FaultProxy;
  let work: string;
  let mnt: string;
  let bigFile: string;
  let mount: MountProcess | undefined;

  // Changes made behind the mount must show within a second here.
  const flags = (): string[] => [
    '--endpoint',
    server.endpoint,
    '--path-style',
    '--request-timeout',
    '3000',
    '--max-attempts',
    '2',
    '--metadata-ttl',
    '1',
  ];
  const mountBucket = async (extra: string[] = []): Promise<MountProcess> =>
    startCliMount(mnt, 's3', BUCKET, [...flags(), '--symlinks', ...extra], S3_CREDENTIALS);
  const put = (key: string, body: string | Buffer): Promise<unknown> => s3.put(key, body);
  const get = (key: string): Promise<Buffer> => s3.read(key);
  const exists = (key: string): Promise<boolean> =>
    client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    s3 = await S3Fixture.start(BUCKET, 's3e2e');
    ({ server, client, proxy, work, mnt } = s3);
    bigFile = join(work, 'big.bin');
    await fs.writeFile(bigFile, randomBytes(BIG));
    await put('big.bin', await fs.readFile(bigFile));
    await put('hello.txt', 'hello from s3\n');
    await put('empty', '');
    await put('docs/readme.md', '# readme\n');
    await put('with space.txt', 'spaced\n');
    await put('ünïcødé-文件.txt', 'unicode\n');
    await put('shadow', 'a file hidden by the directory below');
    await put('shadow/inside.txt', 'inside\n');
    await put('marker-only/', '');
    // 5,000 keys under one prefix: five pages of s3rver's 1,000-key listings.
    const names = Array.from({ length: MANY }, (_, i) => `many/f${String(i).padStart(5, '0')}`);
    for (let i = 0; i < names.length; i += 100) await Promise.all(names.slice(i, i + 100).map((key) => put(key, key)));
    mount = await mountBucket();
  }, 180_000);

  afterAll(async () => {
    await stopMount(mount, mnt);
    await s3?.stop();
  });

  it('reads a 256 MiB object byte for byte, sequentially and at random ranges', async () => {
    await shOk(`cmp ${bigFile} ${mnt}/big.bin`, 120_000);
    const script = [
      'import os, random, sys',
      'random.seed(42)',
      `a = open('${bigFile}', 'rb'); b = open('${mnt}/big.bin', 'rb')`,
      'for i in range(300):',
      `    size = random.choice([1, 4096, 65536, 1000000]); off = random.randrange(0, ${BIG} - 1)`,
      '    a.seek(off); b.seek(off)',
      '    if a.read(size) != b.read(size): sys.exit(f"mismatch at {off}+{size}")',
      'print("ok")',
    ].join('\n');
    await fs.writeFile(join(work, 'random.py'), script);
    expect(await shOk(`python3 ${join(work, 'random.py')}`, 120_000)).toBe('ok\n');
  });

  it('lists a 5,000-key prefix completely with ls -l and find (pagination)', async () => {
    const fast = join(work, 'fast');
    await fs.mkdir(fast, { recursive: true });
    const mount = await startCliMount(fast, 's3', BUCKET, flags(), S3_CREDENTIALS);
    try {
      const listing = (await shOk(`ls -l ${fast}/many | tail -n +2`, 60_000)).trim().split('\n');
      expect(listing).toHaveLength(MANY);
      expect(listing[0]).toMatch(/^-rw-r--r-- 1 \S+ \S+ 11 .* f00000$/);
      const found = (await shOk(`find ${fast}/many -type f | sort`, 60_000)).trim().split('\n');
      expect(found).toHaveLength(MANY);
      expect(new Set(found).size).toBe(MANY);
      expect(await shOk(`cat ${fast}/many/f04999`)).toBe('many/f04999');
    } finally {
      await stopMount(mount, fast);
    }
  }, 90_000);

  it('answers ls -l of 5,000 keys from the listing, with no request per file (default metadata TTL)', async () => {
    const counted = join(work, 'counted');
    await fs.mkdir(counted, { recursive: true });
    let counting: MountProcess | undefined;
    try {
      counting = await startCliMount(counted, 's3', BUCKET, ['--endpoint', proxy.endpoint, '--path-style'], S3_CREDENTIALS);
      const before = proxy.requests;
      const listing = (await shOk(`ls -l ${counted}/many | tail -n +2`, 60_000)).trim().split('\n');
      expect(listing).toHaveLength(MANY);
      // Five listing pages and the lookup of "many" — not 5,000 HEADs.
      expect(proxy.requests - before).toBeLessThan(20);
      // Later stats of listed names, once the kernel's and the session's 1 s caches have expired, still need no
      // request: a large directory's stat phase may outlast a second.
      const names = listing
        .slice(0, 500)
        .map((line) => line.split(' ').pop())
        .join('\n');
      await fs.writeFile(join(work, 'names.txt'), `${names}\n`);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const after = proxy.requests;
      expect(await shOk(`cd ${counted}/many && xargs stat -c %s < ${join(work, 'names.txt')} | sort -u`, 60_000)).toBe('11\n');
      expect(proxy.requests - after).toBeLessThan(20);
    } finally {
      await stopMount(counting, counted);
    }
  });

  it('reads object data with directly signed requests, or through the SDK with --sdk-reads, byte for byte either way', async () => {
    const viaProxy = join(work, 'via-proxy');
    await fs.mkdir(viaProxy, { recursive: true });
    const expected = (await fs.readFile(bigFile)).subarray(0, 24 * 1024 * 1024);
    for (const sdkReads of [false, true]) {
      const reading = await startCliMount(
        viaProxy,
        's3',
        BUCKET,
        ['--endpoint', proxy.endpoint, '--path-style', ...(sdkReads ? ['--sdk-reads'] : [])],
        S3_CREDENTIALS,
      );
      try {
        const before = { ...proxy.rangedGets };
        await shOk(`head -c ${expected.length} ${viaProxy}/big.bin > ${join(work, 'head.bin')}`, 60_000);
        expect((await fs.readFile(join(work, 'head.bin'))).equals(expected)).toBe(true);
        const sdk = proxy.rangedGets.sdk - before.sdk;
        const direct = proxy.rangedGets.direct - before.direct;
        expect(sdkReads ? [sdk > 0, direct] : [direct > 0, sdk]).toEqual([true, 0]);
      } finally {
        await stopMount(reading, viaProxy);
      }
    }
  });

  it('shows edge-case keys: spaces, unicode, empty objects, markers, a file shadowed by a directory', async () => {
    const names = (await shOk(`ls -1a ${mnt}`)).split('\n').filter(Boolean);
    expect(names).toEqual(expect.arrayContaining(['.', '..', 'with space.txt', 'ünïcødé-文件.txt', 'empty', 'marker-only', 'shadow', 'docs']));
    expect(await shOk(`cat "${mnt}/with space.txt" "${mnt}/ünïcødé-文件.txt"`)).toBe('spaced\nunicode\n');
    expect(await shOk(`stat -c '%s %F' ${mnt}/empty`)).toBe('0 regular empty file\n');
    expect(await shOk(`cat ${mnt}/empty | wc -c`)).toBe('0\n');
    expect(await shOk(`stat -c '%F' ${mnt}/marker-only ${mnt}/shadow`)).toBe('directory\ndirectory\n');
    expect(await shOk(`ls -A ${mnt}/marker-only | wc -l`)).toBe('0\n');
    expect(await shOk(`cat ${mnt}/shadow/inside.txt`)).toBe('inside\n');
    expect(mount?.output()).toMatch(/S3 key "shadow" is hidden by the directory/);
  });

  it('writes with dd and cp; the SDK reads the objects back byte for byte', async () => {
    await shOk(`dd if=${bigFile} of=${mnt}/written.bin bs=1M count=40 status=none`, 60_000);
    const expected = (await fs.readFile(bigFile)).subarray(0, 40 * 1024 * 1024);
    expect((await get('written.bin')).equals(expected)).toBe(true);
    await fs.writeFile(join(work, 'small.txt'), 'small file\n');
    await shOk(`cp ${join(work, 'small.txt')} ${mnt}/docs/small.txt`);
    expect((await get('docs/small.txt')).toString()).toBe('small file\n');
    expect(await shOk(`cat ${mnt}/docs/small.txt`)).toBe('small file\n');
  });

  it('overwrites, appends, writes at random offsets and truncates', async () => {
    await shOk(`printf 'version one\\n' > ${mnt}/edit.txt && printf 'v2\\n' > ${mnt}/edit.txt`);
    expect((await get('edit.txt')).toString()).toBe('v2\n');
    await shOk(`printf 'appended\\n' >> ${mnt}/edit.txt`);
    expect((await get('edit.txt')).toString()).toBe('v2\nappended\n');
    await shOk(`printf 'XY' | dd of=${mnt}/edit.txt bs=1 seek=4 conv=notrunc status=none`);
    expect((await get('edit.txt')).toString()).toBe('v2\naXYended\n');
    await shOk(`truncate -s 5 ${mnt}/edit.txt`);
    expect((await get('edit.txt')).toString()).toBe('v2\naX');
    await shOk(`truncate -s 0 ${mnt}/edit.txt`);
    expect((await get('edit.txt')).length).toBe(0);
    expect(await shOk(`stat -c %s ${mnt}/edit.txt`)).toBe('0\n');
  });

  it('keeps writing after an fsync, and a file is whole to a reader that opens it as the writer closes', async () => {
    const script = [
      "const fs = require('fs'); const path = process.argv[1];",
      "const fd = fs.openSync(path, 'w'); fs.writeSync(fd, 'first half, '); fs.fsyncSync(fd);",
      "const early = fs.readFileSync(path, 'utf8'); fs.writeSync(fd, 'second half'); fs.closeSync(fd);",
      "process.stdout.write(early + '|' + fs.readFileSync(path, 'utf8'));",
    ].join(' ');
    for (let round = 0; round < 20; round++) {
      expect(await shOk(`node -e "${script}" ${mnt}/synced-${round}.txt`)).toBe('first half, |first half, second half');
    }
    expect((await get('synced-0.txt')).toString()).toBe('first half, second half');
  });

  it('renames files and directories, unlinks, makes and removes directories', async () => {
    await shOk(`mkdir ${mnt}/tree && mkdir ${mnt}/tree/sub && echo one > ${mnt}/tree/sub/one.txt && echo two > ${mnt}/tree/two.txt`);
    expect(await exists('tree/')).toBe(true);
    await shOk(`mv ${mnt}/tree/two.txt ${mnt}/tree/deux.txt`);
    expect(await exists('tree/two.txt')).toBe(false);
    expect((await get('tree/deux.txt')).toString()).toBe('two\n');
    await shOk(`mv ${mnt}/tree ${mnt}/moved`);
    expect(await exists('tree/sub/one.txt')).toBe(false);
    expect((await get('moved/sub/one.txt')).toString()).toBe('one\n');
    expect(await shOk(`cat ${mnt}/moved/sub/one.txt ${mnt}/moved/deux.txt`)).toBe('one\ntwo\n');
    const notEmpty = await sh(`rmdir ${mnt}/moved`);
    expect(notEmpty.stderr).toMatch(/Directory not empty/);
    await shOk(`rm ${mnt}/moved/sub/one.txt ${mnt}/moved/deux.txt && rmdir ${mnt}/moved/sub ${mnt}/moved`);
    expect(await exists('moved/')).toBe(false);
    expect(await exists('moved/sub/')).toBe(false);
    expect((await sh(`ls ${mnt}/moved`)).stderr).toMatch(/No such file or directory/);
  });

  itWithPatchedBinding('keeps modification times set by cp -p and touch -d, and saves the way editors do (write, then rename over)', async () => {
    await fs.writeFile(join(work, 'dated.txt'), 'dated\n');
    await fs.utimes(join(work, 'dated.txt'), new Date('2010-01-01T00:00:00Z'), new Date('2012-03-04T05:06:07Z'));
    await shOk(`cp -p ${join(work, 'dated.txt')} ${mnt}/dated.txt`);
    expect(await shOk(`stat -c %Y ${mnt}/dated.txt`)).toBe(`${Date.UTC(2012, 2, 4, 5, 6, 7) / 1000}\n`);
    await shOk(`touch -d '2001-02-03 04:05:06 UTC' ${mnt}/hello.txt`);
    expect(await shOk(`stat -c %Y ${mnt}/hello.txt`)).toBe(`${Date.UTC(2001, 1, 3, 4, 5, 6) / 1000}\n`);
    await shOk(`printf 'draft\n' > ${mnt}/doc.txt && printf 'saved\n' > ${mnt}/.doc.txt.swp && mv ${mnt}/.doc.txt.swp ${mnt}/doc.txt`);
    expect((await get('doc.txt')).toString()).toBe('saved\n');
    expect(await exists('.doc.txt.swp')).toBe(false);
    expect(await shOk(`cat ${mnt}/doc.txt`)).toBe('saved\n');
  });

  it('stores symlinks as objects that readlink reads', async () => {
    await shOk(`ln -s docs/readme.md ${mnt}/link`);
    expect(await shOk(`readlink ${mnt}/link`)).toBe('docs/readme.md\n');
    expect(await shOk(`cat ${mnt}/link`)).toBe('# readme\n');
    // The target is the object's body, as s3fs keeps it, and (short) in metadata too, so a HEAD alone knows it.
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'link' }));
    expect(head.Metadata?.['symlink-target']).toBe('docs%2Freadme.md');
    expect(head.ContentLength).toBe('docs/readme.md'.length);
    expect((await readObject(client, BUCKET, 'link')).toString()).toBe('docs/readme.md');
    await shOk(`rm ${mnt}/link`);
    expect(await exists('link')).toBe(false);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 's3fs-link', Body: 'hello.txt', Metadata: { mode: String(0o120777) } }));
    expect(await shOk(`readlink ${mnt}/s3fs-link`)).toBe('hello.txt\n');
    await shOk(`ln -s hello.txt ${mnt}/link2`);
    // Listed as an object small enough to be a symlink, so the listing asks and find sees a symlink, sized as lstat does.
    expect(await shOk(`find ${mnt} -maxdepth 1 -type l -name 'link2'`)).toBe(`${mnt}/link2\n`);
    expect(await shOk(`stat -c '%F %s' ${mnt}/link2`)).toBe('symbolic link 9\n');
  });

  itOnKernelTransport('shows an object replaced by another client at the next open, even with --page-cache keep', async () => {
    const kept = join(work, 'kept');
    await fs.mkdir(kept, { recursive: true });
    const keeping = await startCliMount(kept, 's3', BUCKET, [...flags(), '--page-cache', 'keep'], S3_CREDENTIALS);
    try {
      await put('replaced.txt', 'first version\n');
      expect(await shOk(`cat ${kept}/replaced.txt`)).toBe('first version\n');
      // Same size: neither the size nor a stale page tells the kernel anything changed.
      await put('replaced.txt', 'other version\n');
      expect(await shOk(`cat ${kept}/replaced.txt`)).toBe('other version\n');
    } finally {
      await stopMount(keeping, kept);
    }
  });

  it('pins the version opened: an object replaced under a reader gives ESTALE, never a mix of versions', async () => {
    await put('versioned.bin', Buffer.alloc(10 * 1024 * 1024, 1));
    const script = [
      'import sys',
      `f = open('${mnt}/versioned.bin', 'rb', buffering=0)`,
      'assert f.read(4096) == bytes([1]) * 4096',
      "print('opened', flush=True)",
      'sys.stdin.readline()',
      'try:',
      '    f.seek(8 * 1024 * 1024); data = f.read(4096)',
      "    print('old' if data == bytes([1]) * 4096 else 'MIXED', flush=True)",
      'except OSError as e:',
      "    print(f'errno {e.errno}', flush=True)",
    ].join('\n');
    await fs.writeFile(join(work, 'versioned.py'), script);
    const reader = new SteppedProcess('python3', [join(work, 'versioned.py')]);
    try {
      await reader.waitFor(/opened/);
      await put('versioned.bin', Buffer.alloc(10 * 1024 * 1024, 2));
      reader.step();
      await reader.waitFor(/errno|old|MIXED/);
      expect(reader.output).toContain('errno 116');
      expect(mount?.output()).toMatch(/versioned\.bin.*changed since it was opened; close and reopen/);
    } finally {
      reader.kill();
    }
    // Once the metadata TTL (1 s here) has passed, a new open reads the new version.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await shOk(`head -c 1 ${mnt}/versioned.bin | od -An -tu1`)).trim()).toBe('2');
  });

  it('answers ENOENT for a missing key', async () => {
    expect((await sh(`cat ${mnt}/nope`)).stderr).toMatch(/No such file or directory/);
  });

  it('keeps chmod, and a symlink, across a remount', async () => {
    await shOk(`echo secret > ${mnt}/private.txt && chmod 600 ${mnt}/private.txt && ln -s private.txt ${mnt}/plink`);
    await stopMount(mount, mnt);
    mount = await mountBucket();
    expect(await shOk(`stat -c '%a %s' ${mnt}/private.txt`)).toBe('600 7\n');
    expect(await shOk(`readlink ${mnt}/plink`)).toBe('private.txt\n');
  });

  it('fails close() when the upload fails, and no object appears', async () => {
    const script = [
      'import os, sys',
      `fd = os.open('${mnt}/doomed.txt', os.O_CREAT | os.O_WRONLY, 0o644)`,
      "os.write(fd, b'data that cannot be uploaded')",
      "print('written', flush=True)",
      'sys.stdin.readline()',
      'try:',
      '    os.close(fd)',
      "    print('closed without error', flush=True)",
      'except OSError as e:',
      "    print(f'close failed errno {e.errno}', flush=True)",
    ].join('\n');
    await fs.writeFile(join(work, 'doomed.py'), script);
    const writer = new SteppedProcess('python3', [join(work, 'doomed.py')]);
    try {
      await writer.waitFor(/written/);
      await server.stop();
      writer.step();
      await writer.waitFor(/close/);
      expect(writer.output).toContain('close failed errno 5');
    } finally {
      writer.kill();
      await server.restart();
    }
    expect(await exists('doomed.txt')).toBe(false);
    expect(mount?.output()).toMatch(/Upload of doomed\.txt failed/);
  });

  it('fails reads with EIO within the request timeout while the server is gone, and reads again once it is back', async () => {
    const script = [
      'import sys, time',
      `f = open('${mnt}/big.bin', 'rb', buffering=0)`,
      'f.read(1024)',
      "print('opened', flush=True)",
      'sys.stdin.readline()',
      'start = time.time()',
      'try:',
      "    f.seek(200 * 1024 * 1024); f.read(65536); print('unexpected success', flush=True)",
      'except OSError as e:',
      "    print(f'errno {e.errno} after {time.time() - start:.1f}s', flush=True)",
      'sys.stdin.readline()',
      'f.seek(150 * 1024 * 1024); data = f.read(65536)',
      `g = open('${bigFile}', 'rb'); g.seek(150 * 1024 * 1024)`,
      "print('same' if g.read(65536) == data else 'different', flush=True)",
    ].join('\n');
    await fs.writeFile(join(work, 'outage.py'), script);
    const reader = new SteppedProcess('python3', [join(work, 'outage.py')]);
    try {
      await reader.waitFor(/opened/);
      await server.stop();
      reader.step();
      await reader.waitFor(/errno|unexpected/);
      expect(reader.output).toMatch(/errno 5 after \d+\.\ds/);
      expect(Number(/after (\d+\.\d)s/.exec(reader.output)?.[1])).toBeLessThan(10);
      await server.restart();
      reader.step();
      await reader.waitFor(/same|different/);
      expect(reader.output).toContain('same');
    } finally {
      reader.kill();
      await server.restart();
    }
  });
});

describe('S3 mount configuration errors', () => {
  let server: S3Server;
  let work: string;

  beforeAll(async () => {
    server = await S3Server.start();
    await server.createBucket('exists');
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-s3cfg-'));
    await fs.mkdir(join(work, 'mnt'));
  });

  afterAll(async () => {
    await stopMount(undefined, join(work, 'mnt'));
    await server.destroy();
    await fs.rm(work, { recursive: true, force: true });
  });

  const mountCli = (source: string, extra: string, env = 'AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER') =>
    sh(`env ${env} ${CLI} mount ${join(work, 'mnt')} s3 ${source} --path-style --max-attempts 1 --request-timeout 2000 ${extra}`, 30_000);

  it('names a missing bucket and exits 1 before mounting', async () => {
    const result = await mountCli('no-such-bucket', `--endpoint ${server.endpoint}`);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^nestjs-fuse: Bucket "no-such-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+\. Check the bucket name/);
  });

  it('names an unreachable endpoint', async () => {
    const result = await mountCli('exists', '--endpoint http://127.0.0.1:9');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9 for bucket "exists".*Check --endpoint/);
  });

  it('reports refused credentials without printing them', async () => {
    const result = await mountCli('exists', `--endpoint ${server.endpoint}`, 'AWS_ACCESS_KEY_ID=WRONGKEY AWS_SECRET_ACCESS_KEY=topsecret');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Access to bucket "exists" .* was refused .*Check the credentials/);
    expect(result.stderr).not.toContain('topsecret');
  });

  it('names a CA bundle that cannot be read', async () => {
    const result = await mountCli('exists', `--endpoint ${server.endpoint} --ca-bundle /nonexistent/ca.pem`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/The CA bundle \/nonexistent\/ca\.pem \(from --ca-bundle or AWS_CA_BUNDLE\) cannot be read/);
  });

  it('never writes credentials or request signatures to the log, even with --debug', async () => {
    const mnt = join(work, 'mnt');
    let mount: MountProcess | undefined;
    try {
      mount = await startCliMount(mnt, 's3', 'exists', ['--endpoint', server.endpoint, '--path-style', '--debug', '--max-attempts', '1'], {
        ...S3_CREDENTIALS,
        AWS_SESSION_TOKEN: 'session-token-must-not-leak',
      });
      await shOk(`echo data > ${mnt}/f.txt && cat ${mnt}/f.txt && ls -l ${mnt} && rm ${mnt}/f.txt`);
      await sh(`cat ${mnt}/missing`);
      await server.stop();
      await sh(`cat ${mnt}/gone`, 30_000);
    } finally {
      await server.restart();
      await stopMount(mount, mnt);
    }
    const log = mount?.output() ?? '';
    expect(log).toMatch(/lookup S3Filesystem\.lookup/);
    for (const secret of ['S3RVER', 'session-token-must-not-leak', 'AWS4-HMAC-SHA256', 'Signature=', 'X-Amz-Credential', 'X-Amz-Security-Token']) {
      expect(log).not.toContain(secret);
    }
  });

  it('rejects malformed flags as usage errors', async () => {
    expect((await mountCli('exists', '--endpoint not-a-url')).code).toBe(2);
    expect((await mountCli('exists', `--endpoint ${server.endpoint} --cache-size lots`)).stderr).toMatch(/--cache-size needs a size/);
    expect((await mountCli('Bad_Bucket', `--endpoint ${server.endpoint}`)).stderr).toMatch(/is not a valid bucket name/);
    expect((await mountCli('exists', `--endpoint ${server.endpoint} --part-size 1M`)).stderr).toMatch(/--part-size must be between 5M and 5G/);
  });
});
