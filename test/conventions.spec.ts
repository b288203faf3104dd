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

/**
 * The one place synchronous calls are the design: the local backend's inline metadata calls and extended-attribute
 * reads, made on the backing directory (never the mountpoint), because a cached inode answers faster than a hop to the
 * thread pool; `--no-inline-metadata` sends them to the thread pool for slow storage (see MetadataCalls).
 */
const INLINE_CALLS = new Set(['modules/local/metadata-calls.ts', 'modules/local/local-xattr.ts']);

// The process that serves a mount deadlocks if it touches its own mountpoint synchronously, and a blocking call in a
// handler stalls every other request: no synchronous fs or child-process call may appear in the product's source
// outside INLINE_CALLS.
describe('source conventions', () => {
  it("uses no synchronous I/O in src/ outside the local backend's inline metadata calls", async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      if (INLINE_CALLS.has(relative(SRC, file))) continue;
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

  it("keeps the kernel transport's addon inside its binding module", async () => {
    const users: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      if ((await readFile(file, 'utf8')).includes('fuse_device.node')) users.push(relative(SRC, file));
    }
    expect(users).toEqual(['modules/fuse/kernel/fuse-device.binding.ts']);
  });
});
