'use strict';
// Shared by the native build scripts: runs npm's own node-gyp on a directory with a binding.gyp and reports the
// compiler's warnings.
const { execFile } = require('node:child_process');
const fs = require('node:fs/promises');
const path = require('node:path');
const { promisify } = require('node:util');

const run = promisify(execFile);

/** `node-gyp rebuild` in `dir`; with `sanitize` ('address' or 'thread') the C is built with that sanitizer. */
async function nodeGypRebuild(dir, sanitize) {
  const nodeGyp = path.join((await run('npm', ['root', '-g'])).stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const gypArgs = [nodeGyp, 'rebuild'];
  // Build against the running Node's own headers when it has them (no download needed).
  const prefix = path.dirname(path.dirname(process.execPath));
  if (await exists(path.join(prefix, 'include', 'node', 'node_api.h'))) gypArgs.push(`--nodedir=${prefix}`);
  const env = { ...process.env };
  if (sanitize) {
    env.CFLAGS = `-fsanitize=${sanitize} -fno-omit-frame-pointer -O1 -g`;
    env.LDFLAGS = `-fsanitize=${sanitize}`;
  }
  const built = await run(process.execPath, gypArgs, { cwd: dir, timeout: 300_000, maxBuffer: 16 * 1024 * 1024, env });
  return `${built.stdout}\n${built.stderr}`.split('\n').filter((line) => /warning:|note:/.test(line));
}

function exists(file) {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

module.exports = { nodeGypRebuild, exists };
