#!/usr/bin/env node
// HEALTHCHECK: liveness (/livez) of the app in this container, on its own port.
'use strict';
/* global require, process, fetch, AbortSignal */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS run by node in the image */
const { readFileSync } = require('node:fs');

const DEFAULT_PORTS = { gateway: 8080, payments: 8081, fx: 8082, wallet: 8083, risk: 8084 };

function appName() {
  if (process.argv[2]) return process.argv[2];
  try {
    // `docker run paygate payments`: the app is PID 1's argument (node docker/start.js payments).
    const args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
    const i = args.findIndex((a) => a.endsWith('docker/start.js'));
    if (i >= 0 && args[i + 1]) return args[i + 1];
  } catch {
    // not in a container: fall through to APP
  }
  return process.env.APP || 'gateway';
}

const app = appName();
const service = app === 'monolith' ? 'gateway' : app;
const port = Number(process.env[`${service.toUpperCase()}_PORT`] || DEFAULT_PORTS[service]);
fetch(`http://127.0.0.1:${port}/livez`, { signal: AbortSignal.timeout(2500) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
