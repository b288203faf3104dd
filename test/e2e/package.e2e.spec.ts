import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, startMount, stopMount } from './support/mount-process';
import { sh, shOk } from './support/shell';
import { TRANSPORT } from './support/transport';

const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/** The first TypeScript block of the README's "Write your own filesystem", as a user would paste it. */
async function readmeExample(): Promise<string> {
  const readme = await fs.readFile(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Write your own filesystem'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('the README has no example under "Write your own filesystem"');
  return match[1];
}

/**
 * What a user of the published package gets: `npm pack`, installed into a fresh project (its install script builds the
 * kernel transport's addon and the patched fuse-native binding), the README's example compiled with tsc against it and
 * mounted on each transport.
 */
// Run once, on the kernel transport's pass: it mounts on both transports itself.
(TRANSPORT === 'kernel' ? describe : describe.skip)('the packed package in a fresh project', () => {
  let work: string;
  let app: string;

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-package-'));
    app = join(work, 'app');
    await fs.mkdir(app);
    const packed = (await shOk(`cd ${REPO} && npm pack --silent --pack-destination ${work}`, 120_000)).trim().split('\n').pop();
    await shOk(`cd ${app} && npm init -y > /dev/null && npm install --prefer-offline --no-audit --no-fund ${join(work, packed as string)}`, 600_000);
  }, 700_000);

  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('builds its native parts at install', async () => {
    await fs.access(join(app, 'node_modules', 'nestjs-fuse', 'native', 'kernel-transport', 'build', 'Release', 'fuse_device.node'));
    await fs.access(join(app, 'node_modules', 'fuse-native', 'build', 'Release', '.nestjs-fuse-patched'));
  });

  it('compiles the README example and serves it on each transport', async () => {
    const mnt = join(work, 'hello');
    await fs.mkdir(mnt);
    const source = (await readmeExample()).replace("'/tmp/hello'", JSON.stringify(mnt));
    await fs.writeFile(join(app, 'main.ts'), `import 'reflect-metadata';\n${source}`);
    const compiled = await sh(
      `cd ${app} && node ${TSC} --strict --experimentalDecorators --emitDecoratorMetadata --target es2022 --module commonjs ` +
        `--moduleResolution node --esModuleInterop --skipLibCheck --typeRoots ${join(REPO, 'node_modules', '@types')} --types node main.ts`,
      120_000,
    );
    expect(compiled).toMatchObject({ code: 0, stdout: '' });
    for (const transport of ['kernel', 'fuse-native']) {
      // The example prints nothing when mounted: ready once the kernel lists the mount.
      const mount = await startMount([process.execPath, join(app, 'main.js')], mnt, { NESTJS_FUSE_TRANSPORT: transport }, 'mounted', 60_000);
      try {
        expect(await shOk(`cat ${mnt}/hello.txt`)).toBe('Hello from NestJS!\n');
        const line = (await fs.readFile('/proc/mounts', 'utf8')).split('\n').find((entry) => entry.split(' ')[1] === mnt);
        expect(line).toContain('fuse.nestjs-fuse');
        expect(mount.output()).toContain(`(${transport} transport`);
      } finally {
        await stopMount(mount, mnt);
      }
    }
  }, 300_000);

  it('falls back to fuse-native, saying so in one line, where the addon cannot be compiled', async () => {
    const installed = join(app, 'node_modules', 'nestjs-fuse');
    await fs.rm(join(installed, 'native', 'kernel-transport', 'build'), { recursive: true, force: true });
    const build = await sh(`cd ${installed} && CC=false node scripts/build-kernel-transport.js`, 120_000);
    expect(build.code).toBe(0);
    expect(build.stderr.trim().split('\n')).toHaveLength(1);
    expect(build.stderr).toMatch(/could not build the addon .*; mounts use the fuse-native transport/);
    const mnt = join(work, 'hello');
    const mount = await startMount([process.execPath, join(app, 'main.js')], mnt, { NESTJS_FUSE_TRANSPORT: '' }, 'mounted', 60_000);
    try {
      expect(await shOk(`cat ${mnt}/hello.txt`)).toBe('Hello from NestJS!\n');
      expect(mount.output()).toContain('(fuse-native transport');
    } finally {
      await stopMount(mount, mnt);
    }
  }, 300_000);
});
