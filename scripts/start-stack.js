#!/usr/bin/env node
/**
 * `npm run start:stack`: the five services as separate processes talking over NATS, each on its
 * seed port, on PostgreSQL. Builds them first; Ctrl-C stops them all.
 *   NATS_URL      default nats://127.0.0.1:4222
 *   DATABASE_URL  default postgres://postgres@127.0.0.1:5432/paygate
 */
const { spawn, execFileSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const services = ['wallet', 'fx', 'risk', 'payments', 'gateway'];
const env = {
  ...process.env,
  TRANSPORT: 'nats',
  NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/paygate',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'log',
};

if (!process.argv.includes('--no-build')) {
  for (const s of services) execFileSync(join(root, 'node_modules/.bin/nest'), ['build', s], { cwd: root, stdio: 'inherit' });
}

const children = services.map((s) => {
  const child = spawn(process.execPath, [join(root, `dist/apps/${s}/apps/${s}/src/main.js`)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${s.padEnd(8)}] `;
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (buf) => process.stdout.write(buf.toString().replace(/^(?=.)/gm, prefix)));
  }
  child.on('exit', (code, signal) => {
    process.stdout.write(`${prefix}exited (${signal ?? code})\n`);
    if (!stopping) stop(1);
  });
  return child;
});

let stopping = false;
function stop(code) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
console.log(`Paygate stack: ${services.join(', ')} over ${env.NATS_URL}, database ${env.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}`);
