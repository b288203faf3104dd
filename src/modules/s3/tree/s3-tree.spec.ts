import { Logger } from '@nestjs/common';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { resolveS3Options } from '../s3-module-options.interface';
import type { ListPage, ObjectInfo, S3ObjectStore } from '../store/s3-object.store';
import { encodeMetadata, MAX_SYMLINK_BYTES } from './s3-metadata';
import { S3Tree } from './s3-tree';

// Keys that s3rver cannot even store (it keeps objects as files named by key) are fed through a stub store here;
// everything a real server can hold is tested against s3rver in test/e2e/s3-mount.e2e.spec.ts.
function treeOver(pages: ListPage[]): { tree: S3Tree; warnings: string[] } {
  const warnings: string[] = [];
  const logger = new Logger('test');
  jest.spyOn(logger, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  let call = 0;
  const store = { list: async () => pages[call++] } as unknown as S3ObjectStore;
  return { tree: new S3Tree(store, resolveS3Options({ bucket: 'b' }), logger), warnings };
}

const object = (key: string): ObjectInfo => ({ key, size: 1, mtime: new Date(0), etag: '"e"', metadata: {} });

describe('S3Tree listings', () => {
  it('skips keys that cannot be names and logs each once', async () => {
    const { tree, warnings } = treeOver([{ objects: [object('ok'), object('.'), object('..'), object(`${'x'.repeat(256)}`)], prefixes: ['/'] }]);
    expect((await tree.list('')).map((entry) => entry.name)).toEqual(['ok']);
    expect(warnings).toHaveLength(4);
    expect(warnings.join('\n')).toMatch(/cannot be shown as a file name/);
  });

  it('lets a directory win over a file of the same name even when they arrive on different pages', async () => {
    // S3's byte order: "a" < "a-1" < "a/" < "b".
    const { tree, warnings } = treeOver([
      { objects: [object('a'), object('a-1')], prefixes: [], nextToken: 't1' },
      { objects: [object('b')], prefixes: ['a/'], nextToken: 't2' },
      { objects: [object('c')], prefixes: ['c/'] },
    ]);
    const listing = await tree.list('');
    expect(listing.map((entry) => `${entry.name}:${entry.node.kind}`).sort()).toEqual(['a-1:file', 'a:dir', 'b:file', 'c:dir']);
    expect(warnings).toHaveLength(2);
  });

  it('hands out entries page by page, holding back only files a later directory could hide', async () => {
    const { tree } = treeOver([
      { objects: [object('x'), object('y')], prefixes: [], nextToken: 't1' },
      { objects: [object('z')], prefixes: [] },
    ]);
    const cursor = tree.listing('');
    await cursor.fetchPage();
    // "x/" sorts before "y", the last key seen: no directory "x" can follow. "y" may still be hidden by "y/".
    expect(cursor.entries.map((entry) => entry.name)).toEqual(['x']);
    expect(cursor.done).toBe(false);
    await cursor.fetchPage();
    expect(cursor.entries.map((entry) => entry.name)).toEqual(['x', 'y', 'z']);
    expect(cursor.done).toBe(true);
  });

  it('does not list a directory marker as its own entry', async () => {
    const { tree } = treeOver([{ objects: [object('d/'), object('d/x')], prefixes: [] }]);
    expect((await tree.list('d')).map((entry) => entry.name)).toEqual(['x']);
  });
});

/** A store whose listings answer `pages` in turn, whose HEADs answer `heads`, and that records every HEAD and one-key LIST. */
const storeWith = (pages: ListPage[], heads: Record<string, ObjectInfo> = {}) => {
  const requests: string[] = [];
  const store = {
    list: async () => pages.shift(),
    head: async (key: string) => {
      requests.push(`HEAD ${key}`);
      return heads[key];
    },
    firstKeyBelow: async (prefix: string) => void requests.push(`LIST ${prefix}`),
  } as unknown as S3ObjectStore;
  return { store, requests };
};

describe('S3Tree lookups after a listing', () => {
  it('answers for listed objects too large to be symlinks with no request, for the metadata TTL', async () => {
    const large = (key: string): ObjectInfo => ({ ...object(key), size: MAX_SYMLINK_BYTES + 1 });
    const { store, requests } = storeWith([{ objects: [large('a'), large('b')], prefixes: [] }]);
    const tree = new S3Tree(store, resolveS3Options({ bucket: 'b' }), new Logger('test'));
    await tree.list('');
    expect((await tree.lookup('a'))?.size).toBe(MAX_SYMLINK_BYTES + 1);
    expect((await tree.lookup('b'))?.kind).toBe('file');
    expect(requests).toEqual([]);
  });

  it('with symlinks, looks up listed objects small enough to be one (s3fs keeps the target in the body) with one HEAD', async () => {
    const link = { ...object('maybe-link'), size: 9, metadata: encodeMetadata('symlink', { perm: 0o777 }) };
    const { store, requests } = storeWith([{ objects: [{ ...object('maybe-link'), size: 9 }], prefixes: [] }], { 'maybe-link': link });
    const tree = new S3Tree(store, resolveS3Options({ bucket: 'b', symlinks: true }), new Logger('test'));
    await tree.list('');
    expect((await tree.lookup('maybe-link'))?.kind).toBe('symlink');
    expect(requests).toEqual(['HEAD maybe-link']);
  });

  it('by default, answers for listed small objects as files with no request (no object is a symlink)', async () => {
    const { store, requests } = storeWith([{ objects: [{ ...object('small'), size: 9 }], prefixes: [] }], {});
    const tree = new S3Tree(store, resolveS3Options({ bucket: 'b' }), new Logger('test'));
    await tree.list('');
    expect(await tree.lookup('small')).toMatchObject({ kind: 'file', size: 9 });
    expect(requests).toEqual([]);
  });

  it("looks up a listed directory's marker once, for the mode, owner and time stored there", async () => {
    const marker = { ...object('d/'), size: 0, metadata: encodeMetadata('dir', { perm: 0o700, uid: 7 }) };
    const { store, requests } = storeWith([{ objects: [], prefixes: ['d/'] }], { 'd/': marker });
    const tree = new S3Tree(store, resolveS3Options({ bucket: 'b' }), new Logger('test'));
    await tree.list('');
    expect((await tree.lookup('d'))?.meta).toMatchObject({ perm: 0o700, uid: 7 });
    expect((await tree.lookup('d'))?.kind).toBe('dir');
    expect(requests).toEqual(['HEAD d/']);
  });

  it('with storedPermissionsOnly, completes each listed name with one HEAD (of the object, or of the marker)', async () => {
    const stored = { ...object('private'), metadata: encodeMetadata('file', { perm: 0o600, uid: 7 }) };
    const marker = { ...object('closed/'), size: 0, metadata: encodeMetadata('dir', { perm: 0o700 }) };
    const { store, requests } = storeWith([{ objects: [object('private')], prefixes: ['closed/', 'open/'] }], { private: stored, 'closed/': marker });
    const tree = new S3Tree(store, resolveS3Options({ bucket: 'b', storedPermissionsOnly: true }), new Logger('test'));
    await tree.list('');
    expect(await tree.lookup('private')).toMatchObject({ kind: 'file', complete: true, meta: { perm: 0o600, uid: 7 } });
    expect(await tree.lookup('closed')).toMatchObject({ kind: 'dir', complete: true, meta: { perm: 0o700 } });
    expect(await tree.lookup('open')).toMatchObject({ kind: 'dir', complete: true });
    expect(requests).toEqual(['HEAD private', 'HEAD closed/', 'HEAD open/']);
    requests.length = 0;
    await tree.lookup('private');
    expect(requests).toEqual([]);
  });

  it('falls back to a full lookup when a listed object changed before its HEAD', async () => {
    const { store, requests } = storeWith([{ objects: [object('a')], prefixes: [] }], { a: { ...object('a'), etag: '"newer"', metadata: {} } });
    const tree = new S3Tree(store, resolveS3Options({ bucket: 'b', storedPermissionsOnly: true }), new Logger('test'));
    await tree.list('');
    expect((await tree.lookup('a'))?.etag).toBe('"newer"');
    expect(requests).toEqual(['HEAD a', 'HEAD a', 'LIST a/']);
  });

  it('asks S3 every time with --metadata-ttl 0', async () => {
    const { store, requests } = storeWith([{ objects: [object('a')], prefixes: [] }]);
    const tree = new S3Tree(store, resolveS3Options({ bucket: 'b', metadataTtlMs: 0 }), new Logger('test'));
    await tree.list('');
    await tree.lookup('a');
    expect(requests).toEqual(['HEAD a', 'LIST a/']);
  });
});

describe('S3Tree misses in a directory it just made', () => {
  const treeOf = (store: S3ObjectStore, negativeTtlMs = 1_000) =>
    new S3Tree(store, resolveS3Options({ bucket: 'b', negativeTtlMs }), new Logger('test'));
  /** A tree over an empty bucket, and the requests it makes. */
  const emptyTree = (negativeTtlMs?: number) => {
    const { store, requests } = storeWith([{ objects: [], prefixes: [] }]);
    return { store, requests, tree: treeOf(store, negativeTtlMs) };
  };

  it('answers a new name in a directory it made with no request, for the negative TTL only', async () => {
    const { tree, requests } = emptyTree(50);
    tree.recordEmptyDirectory('d', Date.now());
    expect(await tree.lookup('d/new')).toBeUndefined();
    expect(requests).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await tree.lookup('d/new')).toBeUndefined();
    expect(requests).toEqual(['HEAD d/new', 'LIST d/new/']);
  });

  it('never answers missing a name made there since, nor trusts a check that overlapped a change', async () => {
    const { tree, requests } = emptyTree();
    tree.recordEmptyDirectory('d', Date.now());
    tree.forget('d/made');
    await tree.lookup('d/made');
    expect(requests).toEqual(['HEAD d/made', 'LIST d/made/']);
    // Checked empty before a name of it changed: that check may have missed the change.
    const checkedAt = Date.now() - 1;
    tree.forget('e/made-meanwhile');
    tree.recordEmptyDirectory('e', checkedAt);
    requests.length = 0;
    await tree.lookup('e/other');
    expect(requests).toEqual(['HEAD e/other', 'LIST e/other/']);
  });

  it('forgets it when a directory above is renamed or removed', async () => {
    const { tree, requests } = emptyTree();
    tree.recordEmptyDirectory('d/sub', Date.now());
    tree.forgetTree('d');
    await tree.lookup('d/sub/x');
    expect(requests).toEqual(['HEAD d/sub/x', 'LIST d/sub/x/']);
  });

  it('trusts no listing it did not make: a directory listed, or any with --negative-ttl 0', async () => {
    const { store, tree, requests } = emptyTree();
    await tree.list('listed');
    requests.length = 0;
    await tree.lookup('listed/x');
    const untrusting = treeOf(store, 0);
    untrusting.recordEmptyDirectory('fresh', Date.now());
    await untrusting.lookup('fresh/first');
    expect(requests).toEqual(['HEAD listed/x', 'LIST listed/x/', 'HEAD fresh/first', 'LIST fresh/first/']);
  });
});

describe('S3Tree lookups answered by a listing still open', () => {
  const pastTtl = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 40));
  const treeOf = (store: S3ObjectStore, metadataTtlMs = 20) =>
    new S3Tree(store, resolveS3Options({ bucket: 'b', metadataTtlMs }), new Logger('test'));
  const listAll = async (tree: S3Tree) => {
    const cursor = tree.openListing('');
    while (!cursor.done) await cursor.fetchPage();
    return cursor;
  };

  it('answers a listed name past the metadata TTL while the listing is open, and no longer once it is closed', async () => {
    const { store, requests } = storeWith([{ objects: [object('a')], prefixes: [] }]);
    const tree = treeOf(store);
    const cursor = await listAll(tree);
    await pastTtl();
    expect(await tree.lookup('a')).toMatchObject({ kind: 'file', size: 1 });
    expect(requests).toEqual([]);
    tree.closeListing(cursor);
    await tree.lookup('a');
    expect(requests).toEqual(['HEAD a', 'LIST a/']);
  });

  it('does not answer a name changed through the mount since it was listed, nor one changed while its page was on the way', async () => {
    const { store, requests } = storeWith([{ objects: [object('a'), object('b')], prefixes: [] }]);
    const tree = treeOf(store);
    const list = store.list.bind(store);
    store.list = async (...args: Parameters<S3ObjectStore['list']>) => {
      const page = await list(...args);
      tree.forget('b');
      return page;
    };
    await listAll(tree);
    tree.forget('a');
    expect(await tree.lookup('a')).toBeUndefined();
    expect(await tree.lookup('b')).toBeUndefined();
    expect(requests).toEqual(['HEAD a', 'LIST a/', 'HEAD b', 'LIST b/']);
  });

  it('takes everything out of the answers when the directory, or one above it, is renamed or removed', async () => {
    const { store, requests } = storeWith([{ objects: [object('d/a')], prefixes: [] }]);
    const tree = treeOf(store);
    const cursor = tree.openListing('d');
    await cursor.fetchPage();
    tree.forgetTree('');
    await pastTtl();
    expect(await tree.lookup('d/a')).toBeUndefined();
    expect(requests).toEqual(['HEAD d/a', 'LIST d/a/']);
  });

  it("shares one budget of names among all open listings of the mount, and gets a closed listing's names back", async () => {
    const pages = (dir: string) => ({ objects: Array.from({ length: 3 }, (_, i) => object(`${dir}/f${i}`)), prefixes: [] });
    const { store } = storeWith([pages('one'), pages('two')]);
    const tree = treeOf(store);
    const one = tree.openListing('one');
    await one.fetchPage();
    const two = tree.openListing('two');
    await two.fetchPage();
    expect(tree.openListingNamesHeld).toBe(6);
    tree.closeListing(one);
    expect(tree.openListingNamesHeld).toBe(3);
    expect(one.answer('f0')).toBeUndefined();
    expect(two.answer('f0')).toMatchObject({ kind: 'file' });
    tree.closeListing(two);
    expect(tree.openListingNamesHeld).toBe(0);
  });

  it('answers nothing from listings with --metadata-ttl 0 (every lookup asks S3)', async () => {
    const { store, requests } = storeWith([{ objects: [object('a')], prefixes: [] }]);
    const tree = treeOf(store, 0);
    await listAll(tree);
    await tree.lookup('a');
    expect(requests).toEqual(['HEAD a', 'LIST a/']);
  });
});

describe('S3ListingCursor memory', () => {
  /** A bucket of `pages` pages of 1,000 keys each, made page by page as they are asked for. */
  const bigStore = (pages: number): S3ObjectStore =>
    ({
      list: async (_prefix: string, token?: string) => {
        const page = Number(token ?? 0);
        const objects = Array.from({ length: 1000 }, (_, i) => ({
          key: `big/f${String(page * 1000 + i).padStart(7, '0')}`,
          size: 11,
          mtime: new Date(1_700_000_000_000),
          etag: `"${(page * 1000 + i).toString(16).padStart(32, '0')}"`,
        }));
        return { objects, prefixes: [], nextToken: page + 1 < pages ? String(page + 1) : undefined };
      },
    }) as unknown as S3ObjectStore;

  it('drops entries a reader moved past, and still answers their names', async () => {
    const tree = new S3Tree(bigStore(3), resolveS3Options({ bucket: 'b' }), new Logger('test'));
    const cursor = tree.openListing('big');
    await cursor.fetchPage();
    await cursor.fetchPage();
    expect([cursor.start, cursor.length]).toEqual([0, 1999]);
    cursor.trimBefore(1500);
    expect([cursor.start, cursor.length, cursor.entries.length, cursor.at(1499), cursor.at(1500)?.name]).toEqual([
      1500,
      1999,
      499,
      undefined,
      'f0001500',
    ]);
    expect(cursor.answer('f0000007')).toMatchObject({ kind: 'file', size: 11, etag: `"${(7).toString(16).padStart(32, '0')}"` });
    expect(tree.peek('big/f0000007')).toMatchObject({ kind: 'file' });
  });

  it('lists 1,000,000 keys to a reader that moves forward in bounded memory', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const tree = new S3Tree(bigStore(1000), resolveS3Options({ bucket: 'b' }), new Logger('test'));
    gc();
    tree.remember('big', tree.syntheticDir());
    const before = process.memoryUsage().heapUsed;
    const cursor = tree.openListing('big');
    while (!cursor.done) {
      await cursor.fetchPage();
      cursor.trimBefore(cursor.length);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(cursor.length).toBe(1_000_000);
    expect(cursor.answer('f0999999')).toMatchObject({ kind: 'file', size: 11 });
    // The directory itself stays known, though older than the 200,000 newest paths the cache keeps.
    expect(tree.peek('big')?.kind).toBe('dir');
    // The names (about 150 bytes each) and the metadata cache's 200,000 newest paths: well under 300 MB.
    expect(grown).toBeLessThan(300 * 1024 * 1024);
    console.log(`1,000,000 listed names: heap grew ${(grown / 1024 / 1024).toFixed(0)} MiB`);
    tree.closeListing(cursor);
  }, 60_000);
});
