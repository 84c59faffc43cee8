#!/usr/bin/env node
// The `docsnip` command: runs the binary of this platform's package (@docsnip/OS-ARCH).
'use strict';
const { spawnSync } = require('node:child_process');
const { binaryPath } = require('../lib/binary.js');

let bin;
try {
  bin = binaryPath();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const r = spawnSync(bin, process.argv.slice(2), { stdio: 'inherit' });
if (r.error) {
  console.error(`docsnip: cannot run ${bin}: ${r.error.message}`);
  process.exit(1);
}
process.exit(r.status === null ? 1 : r.status);
