#!/usr/bin/env node
// Before a build: removes what an earlier build left in dist/ for a source file that no longer exists. tsc only ever
// adds and overwrites, and a stale dist/cli/backends.js (from src/cli/backends.ts, since moved to
// src/cli/backends/index.ts) is what `require('./backends')` finds first. Files whose source still exists stay put, so
// a mount already running from dist/ keeps every module it may still load.
'use strict';
const fs = require('node:fs/promises');
const path = require('node:path');

const OUTPUTS = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;

async function removeStale(distDir, srcDir) {
  const removed = [];
  const entries = await fs.readdir(distDir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !OUTPUTS.test(entry.name)) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const source = path.join(srcDir, path.relative(distDir, file)).replace(OUTPUTS, '.ts');
    if (await exists(source)) continue;
    await fs.rm(file);
    removed.push(path.relative(distDir, file));
  }
  return removed.sort();
}

async function exists(file) {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

module.exports = { removeStale };

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const [distDir = path.join(root, 'dist'), srcDir = path.join(root, 'src')] = process.argv.slice(2);
  removeStale(distDir, srcDir).then(
    (removed) => {
      if (removed.length > 0) process.stdout.write(`remove-stale-build: removed ${removed.join(', ')} from ${distDir}\n`);
    },
    (error) => {
      process.stderr.write(`remove-stale-build: ${error.stack}\n`);
      process.exit(1);
    },
  );
}
