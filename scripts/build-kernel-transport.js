#!/usr/bin/env node
// Builds the kernel transport's addon from native/kernel-transport/ (fuse-device.c, file-calls.c) with node-gyp and prints the
// compiler's warnings. Without a C toolchain the build fails with one line and the mount falls back to fuse-native
// (transport 'auto'); NESTJS_FUSE_REQUIRE_KERNEL_TRANSPORT=1 (set by scripts/test.sh) makes that an error instead.
//
//   node scripts/build-kernel-transport.js                    the release build (skipped when built from these files)
//   node scripts/build-kernel-transport.js --sanitize=address with AddressSanitizer (run node with LD_PRELOAD=libasan)
//   node scripts/build-kernel-transport.js --sanitize=thread  the same with ThreadSanitizer
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs/promises');
const path = require('node:path');
const { nodeGypRebuild } = require('./node-gyp');

const dir = path.resolve(__dirname, '..', 'native', 'kernel-transport');
const marker = path.join(dir, 'build', 'Release', '.built-from');

const args = process.argv.slice(2);
const sanitize = (args.find((arg) => arg.startsWith('--sanitize=')) ?? '').slice('--sanitize='.length);

async function main() {
  if (sanitize && !['address', 'thread'].includes(sanitize)) throw new Error(`--sanitize takes address or thread, not "${sanitize}"`);
  if (process.platform !== 'linux') return log('not Linux: the kernel transport is Linux-only; fuse-native serves mounts here');
  const hash = createHash('sha256');
  const sources = (await fs.readdir(dir)).filter((file) => /\.(c|h|gyp)$/.test(file)).sort();
  for (const file of sources) hash.update(file).update(await fs.readFile(path.join(dir, file)));
  const id = `${hash.digest('hex').slice(0, 16)}${sanitize ? `+${sanitize}` : ''}`;
  if ((await fs.readFile(marker, 'utf8').catch(() => '')) === id) return log('addon already built');
  log(`building the kernel transport addon${sanitize ? ` with ${sanitize} sanitizer` : ''}`);
  const warnings = await nodeGypRebuild(dir, sanitize);
  log(warnings.length === 0 ? 'compiled without warnings' : `compiler warnings:\n${warnings.join('\n')}`);
  await fs.writeFile(marker, id);
}

function log(message) {
  process.stdout.write(`build-kernel-transport: ${message}\n`);
}

main().catch(async (error) => {
  await fs.rm(path.join(dir, 'build'), { recursive: true, force: true });
  const detail = String(error.stderr || error.stdout || error.message)
    .trim()
    .split('\n')
    .slice(-5)
    .join(' | ');
  process.stderr.write(`build-kernel-transport: could not build the addon (${detail}); mounts use the fuse-native transport\n`);
  if (process.env.NESTJS_FUSE_REQUIRE_KERNEL_TRANSPORT === '1' || sanitize) process.exit(1);
});
