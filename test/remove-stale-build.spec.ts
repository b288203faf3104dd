import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { removeStale } = require('../scripts/remove-stale-build.js') as {
  removeStale: (distDir: string, srcDir: string) => Promise<string[]>;
};

describe('scripts/remove-stale-build.js (run before every build)', () => {
  let work: string;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'nestjs-fuse-stale-'));
    for (const dir of ['src/cli/backends', 'dist/cli/backends']) await mkdir(join(work, dir), { recursive: true });
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('removes the outputs of a source that is gone, which require() would find before a folder of the same name', async () => {
    await writeFile(join(work, 'src/main.ts'), '');
    await writeFile(join(work, 'src/cli/backends/index.ts'), '');
    const outputs = ['main.js', 'main.d.ts', 'cli/backends/index.js', 'cli/backends/index.js.map', 'cli/backends.js', 'cli/backends.d.ts.map'];
    for (const file of [...outputs, 'cli/backends.d.ts', 'cli/backends.js.map']) await writeFile(join(work, 'dist', file), '');
    expect(await removeStale(join(work, 'dist'), join(work, 'src'))).toEqual([
      'cli/backends.d.ts',
      'cli/backends.d.ts.map',
      'cli/backends.js',
      'cli/backends.js.map',
    ]);
    expect((await readdir(join(work, 'dist'), { recursive: true })).sort()).toEqual([
      'cli',
      'cli/backends',
      'cli/backends/index.js',
      'cli/backends/index.js.map',
      'main.d.ts',
      'main.js',
    ]);
  });

  it('does nothing where there is no build yet', async () => {
    expect(await removeStale(join(work, 'no-dist'), join(work, 'src'))).toEqual([]);
  });
});
