import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', 'src');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return Promise.resolve(entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : []);
    }),
  );
  return nested.flat();
}

// The process that serves a mount deadlocks if it touches its own mountpoint synchronously, and a blocking call in a
// handler stalls every other request: no synchronous fs or child-process call may appear in the product's source.
describe('source conventions', () => {
  it('uses no synchronous I/O anywhere in src/', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (/\b\w+Sync\s*\(/.test(line) || /\b(execSync|spawnSync|execFileSync)\b/.test(line)) {
          offenders.push(`${relative(SRC, file)}:${index + 1}: ${line.trim()}`);
        }
      });
    }
    expect(offenders).toEqual([]);
  });

  it('keeps the fuse-native package inside its adapter', async () => {
    const users: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      if (/(require|import)\(\s*'fuse-native|from 'fuse-native/.test(await readFile(file, 'utf8'))) users.push(relative(SRC, file));
    }
    expect(users).toEqual(['modules/fuse/fuse-native.adapter.ts']);
  });

  it('keeps the kernel transport\'s addon inside its binding module', async () => {
    const users: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      if ((await readFile(file, 'utf8')).includes('fuse_device.node')) users.push(relative(SRC, file));
    }
    expect(users).toEqual(['modules/fuse/kernel/fuse-device.binding.ts']);
  });
});
