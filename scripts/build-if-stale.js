#!/usr/bin/env node
/**
 * `npm start`'s build step: `nest build <app>` unless dist already holds a build newer than every
 * source file (apps/ and libs/), as after `npm run build`. Like make: a fresh clone builds, a
 * second start does not wait for an unchanged build.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const app = process.argv[2] ?? 'monolith';
const entry = join(root, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
const buildInfo = join(root, 'dist', 'apps', app, 'tsconfig.app.tsbuildinfo');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|json|sql)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const built = existsSync(entry) && existsSync(buildInfo) ? statSync(buildInfo).mtimeMs : 0;
const sources = Math.max(newestSource(join(root, 'apps')), newestSource(join(root, 'libs')), statSync(join(root, 'tsconfig.json')).mtimeMs);
if (built > sources) {
  process.stdout.write(`${app}: dist is up to date, not rebuilding\n`);
} else {
  execFileSync(join(root, 'node_modules', '.bin', 'nest'), ['build', app], { cwd: root, stdio: 'inherit' });
}
