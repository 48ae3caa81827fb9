#!/usr/bin/env node
// The image's entry point: runs one app, named by the first argument or APP (default gateway).
// Same process (no child): SIGTERM reaches the app's own graceful shutdown.
'use strict';
/* global require, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS run by node in the image */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const APPS = ['gateway', 'payments', 'fx', 'wallet', 'risk', 'monolith'];
const app = process.argv[2] || process.env.APP || 'gateway';
if (!APPS.includes(app)) {
  process.stderr.write(`unknown app "${app}": choose one of ${APPS.join(', ')} (APP=<app> or the first argument)\n`);
  process.exit(2);
}
process.env.APP = app;
const main = join(__dirname, '..', 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`${main} is missing: build first (npm run build)\n`);
  process.exit(2);
}
require(main);
