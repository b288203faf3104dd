#!/usr/bin/env node
// Rebuilds fuse-native 2.2.6's native binding from its own source with nestjs-fuse's changes, which live as real files
// in native/fuse-native/: a patch of fuse-native.c and binding.gyp (each hunk says why in its comments) and the
// per-mount caches (mount-caches.c/.h). The compiler's warnings are printed. node-gyp-build loads build/Release before
// the bundled prebuild. Without a C toolchain the prebuild stays in use and docs/binding.md's limits apply;
// NESTJS_FUSE_REQUIRE_PATCHED_BINARY=1 (set by scripts/test.sh) makes that an error instead.
//
//   node scripts/build-fuse-native.js                    the release build (skipped when already built from these files)
//   node scripts/build-fuse-native.js --sanitize=address a build with AddressSanitizer (run node with LD_PRELOAD=libasan)
//   node scripts/build-fuse-native.js --sanitize=thread  the same with ThreadSanitizer
//   node scripts/build-fuse-native.js --prebuilt         removes the build: fuse-native's own prebuilt binary is used
'use strict';
const { execFile } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs/promises');
const path = require('node:path');
const { promisify } = require('node:util');
const { nodeGypRebuild } = require('./node-gyp');

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const nativeDir = path.join(root, 'native', 'fuse-native');
const SOURCES = ['mount-caches.c', 'mount-caches.h'];
const PATCH = 'fuse-native-2.2.6.patch';
const PATCHED_FILES = ['fuse-native.c', 'binding.gyp'];

function packageDir() {
  try {
    return path.dirname(require.resolve('fuse-native/package.json', { paths: [root] }));
  } catch {
    return path.join(root, 'node_modules', 'fuse-native');
  }
}

const args = process.argv.slice(2);
const sanitize = (args.find((arg) => arg.startsWith('--sanitize=')) ?? '').slice('--sanitize='.length);
if (sanitize && !['address', 'thread'].includes(sanitize)) fail(`--sanitize takes address or thread, not "${sanitize}"`);

async function main() {
  const pkgDir = packageDir();
  const marker = path.join(pkgDir, 'build', 'Release', '.nestjs-fuse-patched');
  if (args.includes('--prebuilt')) {
    await fs.rm(path.join(pkgDir, 'build'), { recursive: true, force: true });
    return log("build removed: fuse-native's prebuilt binary is in use");
  }
  const version = JSON.parse(await fs.readFile(path.join(pkgDir, 'package.json'), 'utf8')).version;
  if (version !== '2.2.6') throw new Error(`expected fuse-native 2.2.6, found ${version}: review ${PATCH} first`);

  const id = `${await buildId()}${sanitize ? `+${sanitize}` : ''}`;
  if ((await fs.readFile(marker, 'utf8').catch(() => '')) === id) return log('patched binding already built');

  for (const file of PATCHED_FILES) {
    // The pristine file is kept beside it, so the patch always applies to fuse-native's own source.
    const target = path.join(pkgDir, file);
    const pristine = `${target}.orig`;
    const original = await fs.readFile(pristine, 'utf8').catch(() => fs.readFile(target, 'utf8'));
    await fs.writeFile(pristine, original);
    await fs.writeFile(target, original);
  }
  await run('patch', ['-p1', '--forward', '--no-backup-if-mismatch', '-i', path.join(nativeDir, PATCH)], { cwd: pkgDir, timeout: 30_000 });
  for (const file of SOURCES) await fs.copyFile(path.join(nativeDir, file), path.join(pkgDir, file));

  log(`building the patched fuse-native binding${sanitize ? ` with ${sanitize} sanitizer` : ''}`);
  const warnings = await nodeGypRebuild(pkgDir, sanitize);
  log(warnings.length === 0 ? 'compiled without warnings' : `compiler warnings:\n${warnings.join('\n')}`);
  if (!sanitize) await run(process.execPath, ['-e', "require('fuse-native')"], { cwd: root, timeout: 30_000 });
  await fs.writeFile(marker, id);
  log(
    sanitize
      ? `built; run the daemon with LD_PRELOAD=$(gcc -print-file-name=lib${sanitize === 'address' ? 'asan' : 'tsan'}.so)`
      : 'patched binding built',
  );
}

/** Names what is built: the patch and the sources, so any change to them rebuilds. */
async function buildId() {
  const hash = createHash('sha256');
  for (const file of [PATCH, ...SOURCES]) hash.update(await fs.readFile(path.join(nativeDir, file)));
  return hash.digest('hex').slice(0, 16);
}

function log(message) {
  process.stdout.write(`build-fuse-native: ${message}\n`);
}

function fail(message) {
  process.stderr.write(`build-fuse-native: ${message}\n`);
  process.exit(2);
}

main().catch(async (error) => {
  await fs.rm(path.join(packageDir(), 'build'), { recursive: true, force: true });
  const detail = String(error.stderr || error.stdout || error.message)
    .trim()
    .split('\n')
    .slice(-5)
    .join(' | ');
  const message = `build-fuse-native: could not build the patched binding (${detail})`;
  if (process.env.NESTJS_FUSE_REQUIRE_PATCHED_BINARY === '1' || sanitize) {
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  process.stderr.write(`${message}; using fuse-native's prebuilt binary (see docs/binding.md)\n`);
});
