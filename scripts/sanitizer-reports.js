#!/usr/bin/env node
// Reads the sanitizer reports the daemons wrote (scripts/test-sanitized.sh) and fails when any names the binding's
// own C. ThreadSanitizer also reports races inside node and V8, which are not built with it and synchronise in ways it
// cannot see: those are counted and shown apart, not failed on.
'use strict';
const fs = require('node:fs/promises');
const path = require('node:path');

// The binding's C wherever it is built from: the patched fuse-native's and every file of native/ (the kernel
// transport's addon: fuse-device.c, file-calls.c, service-notify.c, …).
const OUR_SOURCES = /(\bfuse-native\.c|\bmount-caches\.c|\bnative\/[\w/.-]+\.c):\d+/;

async function main() {
  const dir = process.argv[2];
  const files = (await fs.readdir(dir).catch(() => [])).filter((name) => name.startsWith('report'));
  const reports = [];
  for (const file of files) {
    const text = await fs.readFile(path.join(dir, file), 'utf8');
    reports.push(...text.split(/^={10,}$/m).filter((part) => /(ERROR|WARNING): (Address|Thread)Sanitizer/.test(part)));
  }
  // A report is ours when a racing or faulting access itself (frame #0 of an access) is in our C.
  const ours = reports.filter((report) => report.split('\n').some((line) => /^\s+#0 /.test(line) && OUR_SOURCES.test(line)));
  const asan = reports.filter((report) => report.includes('AddressSanitizer'));
  process.stdout.write(`sanitizer reports: ${reports.length} (${ours.length} in the binding's C, ${asan.length} from AddressSanitizer)\n`);
  for (const report of [...new Set([...ours, ...asan])]) process.stdout.write(`${report.trim()}\n\n`);
  if (ours.length > 0 || asan.length > 0) process.exit(1);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(2);
});
