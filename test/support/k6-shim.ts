import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Script, createContext } from 'node:vm';
import { Worker } from 'node:worker_threads';

/**
 * A small shim of the k6 API, enough to run this repo's k6 scripts (test/k6/*.js) under Node for
 * a few iterations in CI, where k6 itself cannot be installed. Not a load generator: iterations
 * run one after another, `sleep` does not sleep, the init context runs once (with __VU = 0).
 *
 * The ES module is rewritten (k6 imports → lookups in the injected `__k6`, `export` → plain
 * declarations copied to `__k6.exports`) and run with node:vm. k6's HTTP is synchronous, and so is
 * the shim's: each request is a spawnSync of curl (or, without curl, of `node -e` doing a fetch).
 * That blocks the calling thread, so against a server in the same process use `runK6Script`, which
 * runs the script in a worker thread.
 */
export interface K6RunOptions {
  env?: Record<string, string>;
  iterations?: number;
  vus?: number;
  /** How requests are made; default: curl when installed, else node. */
  transport?: 'curl' | 'node';
}
export interface K6Request {
  vu: number;
  iter: number;
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: string | null;
  status: number;
  headers: Record<string, string>;
  body: string;
  error: string;
}
export interface K6Run {
  options: Record<string, unknown>;
  iterations: number;
  checks: Record<string, { passes: number; fails: number }>;
  metrics: Record<string, { type: string; count: number; sum: number; tags: Record<string, number> }>;
  requests: K6Request[];
  errors: string[];
  logs: string[];
}
type Fn = (...args: unknown[]) => unknown;
function SharedArray(_name: string, fn: () => unknown[]): readonly unknown[] {
  return Object.freeze(fn());
}
type Params = { headers?: Record<string, string>; timeout?: number | string } | undefined;

interface Wire {
  status: number;
  headers: Record<string, string>;
  body: string;
  error: string;
}

// Without curl, each request is a child `node -e` doing a fetch: {method,url,headers,body} on stdin → Wire on stdout.
const FETCH = `let s='';process.stdin.on('data',(d)=>(s+=d)).on('end',async()=>{const r=JSON.parse(s);let out;
try{const res=await fetch(r.url,{method:r.method,headers:r.headers,body:r.body??undefined,signal:AbortSignal.timeout(r.timeout)});
const headers={};res.headers.forEach((v,k)=>{headers[k]=v;});out={status:res.status,headers,body:await res.text(),error:''};}
catch(e){out={status:0,headers:{},body:'',error:String((e&&e.cause)||e)};}process.stdout.write(JSON.stringify(out));});`;
let hasCurl: boolean | undefined;

/** One synchronous HTTP exchange: curl when installed (~10 ms a request), else a node child (~100 ms). */
function send(
  via: string | undefined,
  tmp: string,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | null,
  timeoutMs: number,
): Wire {
  hasCurl ??= spawnSync('curl', ['--version']).status === 0;
  if (via === 'node' || (!via && !hasCurl)) {
    const input = JSON.stringify({ method, url, headers, body, timeout: timeoutMs });
    const child = spawnSync(process.execPath, ['--no-warnings', '-e', FETCH], { input, encoding: 'utf8', timeout: timeoutMs + 5_000 });
    if (child.status === 0) return JSON.parse(child.stdout) as Wire;
    return { status: 0, headers: {}, body: '', error: `request child failed: ${child.stderr || String(child.error)}` };
  }
  const [bodyFile, headFile] = [join(tmp, 'body'), join(tmp, 'head')];
  for (const f of [bodyFile, headFile]) rmSync(f, { force: true });
  const verb = method === 'HEAD' ? ['--head'] : ['-X', method];
  const args = ['-sS', '--noproxy', '*', '--max-time', String(timeoutMs / 1000), ...verb, '-o', bodyFile, '-D', headFile];
  args.push('-w', '%{http_code}', '-H', 'Expect:', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]));
  if (body !== null) args.push('--data-binary', '@-');
  const child = spawnSync('curl', [...args, url], { input: body ?? '', encoding: 'utf8' });
  if (child.status !== 0) return { status: 0, headers: {}, body: '', error: child.stderr.trim() || `curl exited ${child.status}` };
  // The last header block (after any 100 Continue), minus its status line.
  const block =
    readFileSync(headFile, 'utf8')
      .trim()
      .split(/\r?\n\r?\n/)
      .pop() ?? '';
  const lines = block.split(/\r?\n/).slice(1);
  const hs = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const text = method !== 'HEAD' && existsSync(bodyFile) ? readFileSync(bodyFile, 'utf8') : '';
  return { status: Number(child.stdout), headers: hs, body: text, error: '' };
}

/** Go's canonical header names, as k6 reports them: `idempotent-replayed` → `Idempotent-Replayed`. */
const canonical = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), v]));

/** Rewrites the k6 script's ES module syntax into a classic script over the injected `__k6`. */
export function transformK6Source(src: string): string {
  const exported: Array<[string, string]> = [];
  const out = src
    .replace(/^[ \t]*import\s+([^'"]+?)\s+from\s+['"]([^'"]+)['"];?/gm, (_m, what: string, mod: string) => {
      const m = `__k6.module(${JSON.stringify(mod)})`;
      if (what.startsWith('* as ')) return `const ${what.slice(5).trim()} = ${m};`;
      const named = /\{([^}]*)\}/.exec(what);
      const def = what
        .replace(/\{[^}]*\}/, '')
        .replace(/,/g, '')
        .trim();
      return [def && `const ${def} = ${m}.default;`, named && `const {${named[1].replace(/\s+as\s+/g, ': ')}} = ${m};`]
        .filter(Boolean)
        .join(' ');
    })
    .replace(/^export\s+default\s+function\s*([A-Za-z_$][\w$]*)?\s*\(/gm, (_m, name?: string) => {
      exported.push(['default', name ?? '__k6default']);
      return `function ${name ?? '__k6default'}(`;
    })
    .replace(/^export\s+(function|const|let|var|class)\s+([A-Za-z_$][\w$]*)/gm, (_m, kind: string, name: string) => {
      exported.push([name, name]);
      return `${kind} ${name}`;
    });
  return `${out}\n;${exported.map(([k, v]) => `__k6.exports[${JSON.stringify(k)}] = ${v};`).join(' ')}\n`;
}

/** Runs a k6 script synchronously in this thread (the server must not be in this thread). */
export function runK6ScriptSync(scriptPath: string, opts: K6RunOptions = {}): K6Run {
  const file = resolve(scriptPath);
  const run: K6Run = { options: {}, iterations: 0, checks: {}, metrics: {}, requests: [], errors: [], logs: [] };
  const at = { vu: 0, iter: 0 };
  const tmp = mkdtempSync(join(tmpdir(), 'k6-shim-'));

  const request = (method: string, url: string, body?: unknown, params?: Params) => {
    const headers: Record<string, string> = { 'User-Agent': 'k6-shim', ...params?.headers };
    let payload: string | null = null;
    if (typeof body === 'string') payload = body;
    else if (body && typeof body === 'object') {
      payload = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
      headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
    }
    const timeout = typeof params?.timeout === 'number' ? params.timeout : 60_000;
    const r = send(opts.transport, tmp, method, url, headers, payload, timeout);
    const rec: K6Request = { ...at, method, url, requestHeaders: headers, requestBody: payload, ...r, headers: canonical(r.headers) };
    run.requests.push(rec);
    return { status: rec.status, body: rec.body, headers: rec.headers, error: rec.error, url, json: () => JSON.parse(rec.body) as unknown };
  };
  const metric = (type: string) =>
    function Metric(this: { add(v: number | boolean, tags?: Record<string, string>): void }, name: string) {
      const m = (run.metrics[name] ??= { type, count: 0, sum: 0, tags: {} });
      this.add = (v, tags = {}) => {
        m.count += 1;
        m.sum += Number(v);
        for (const [k, tv] of Object.entries(tags)) m.tags[`${k}=${tv}`] = (m.tags[`${k}=${tv}`] ?? 0) + 1;
      };
    };
  const modules: Record<string, Record<string, unknown>> = {
    k6: {
      check(value: unknown, sets: Record<string, Fn | boolean>) {
        let all = true;
        for (const [name, fn] of Object.entries(sets)) {
          let ok = false;
          try {
            ok = Boolean(typeof fn === 'function' ? fn(value) : fn);
          } catch {
            ok = false;
          }
          const c = (run.checks[name] ??= { passes: 0, fails: 0 });
          if (ok) c.passes += 1;
          else c.fails += 1;
          all &&= ok;
        }
        return all;
      },
      sleep: () => undefined,
      group: (_name: string, fn: Fn) => fn(),
      fail: (msg?: string) => {
        throw new Error(msg ?? 'fail()');
      },
    },
    'k6/http': {
      request,
      get: (url: string, params?: Params) => request('GET', url, null, params),
      head: (url: string, params?: Params) => request('HEAD', url, null, params),
      post: (url: string, body?: unknown, params?: Params) => request('POST', url, body, params),
      put: (url: string, body?: unknown, params?: Params) => request('PUT', url, body, params),
      patch: (url: string, body?: unknown, params?: Params) => request('PATCH', url, body, params),
      del: (url: string, body?: unknown, params?: Params) => request('DELETE', url, body, params),
      batch: (reqs: Array<[string, string, unknown?, Params?]>) => reqs.map(([m, u, b, p]) => request(m, u, b, p)),
      expectedStatuses: (...statuses: unknown[]) => ({ statuses }),
      setResponseCallback: () => undefined,
    },
    // `new SharedArray(name, fn)` is fn()'s array: a function declaration, as an arrow cannot be `new`ed.
    'k6/data': { SharedArray },
    'k6/metrics': { Counter: metric('counter'), Rate: metric('rate'), Trend: metric('trend'), Gauge: metric('gauge') },
  };

  const exports: Record<string, unknown> = {};
  const log = (...a: unknown[]) => void run.logs.push(a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' '));
  const ctx = createContext({
    console: { log, info: log, warn: log, error: log, debug: log },
    __ENV: { ...opts.env },
    __VU: 0,
    __ITER: 0,
    // k6 resolves open() against the script's directory; the seed's docker example passes a path
    // relative to the working directory, so that is tried second.
    open(path: string) {
      const found = isAbsolute(path) ? [path] : [resolve(dirname(file), path), resolve(process.cwd(), path)];
      const hit = found.find((p) => existsSync(p));
      if (!hit) throw new Error(`open(${path}): no such file (tried ${found.join(', ')})`);
      return readFileSync(hit, 'utf8');
    },
    __k6: {
      exports,
      module(name: string) {
        if (!modules[name]) throw new Error(`k6 shim: module ${name} is not available`);
        return { ...modules[name], default: modules[name] }; // k6 modules' default export is the module
      },
    },
  });
  try {
    new Script(transformK6Source(readFileSync(file, 'utf8')), { filename: file }).runInContext(ctx);
    run.options = JSON.parse(JSON.stringify(exports.options ?? {})) as Record<string, unknown>;
    const call = (name: string, ...args: unknown[]) => (typeof exports[name] === 'function' ? (exports[name] as Fn)(...args) : undefined);
    const data = call('setup');
    const vus = Math.max(1, opts.vus ?? 1);
    for (let i = 0; i < (opts.iterations ?? 1); i++) {
      Object.assign(at, { vu: (i % vus) + 1, iter: Math.floor(i / vus) });
      Object.assign(ctx, { __VU: at.vu, __ITER: at.iter });
      try {
        call('default', data);
      } catch (e) {
        run.errors.push(`VU ${at.vu} iteration ${at.iter}: ${e instanceof Error ? e.stack : String(e)}`);
      }
      run.iterations += 1;
    }
    call('teardown', data);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return run;
}

let compiled: Promise<string> | undefined;

/**
 * Runs a k6 script in a worker thread, so a server in this process keeps serving. The worker runs
 * this file compiled by @swc/core here, in the calling thread: a native addon loaded and unloaded by
 * short-lived workers alone crashes the process (SIGSEGV) by the third worker.
 */
export async function runK6Script(scriptPath: string, opts: K6RunOptions = {}): Promise<K6Run> {
  compiled ??= import('@swc/core').then(
    (swc) =>
      swc.transformSync(readFileSync(__filename, 'utf8'), {
        filename: __filename,
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      }).code,
  );
  const code = `const { workerData: w, parentPort } = require('node:worker_threads');
const Module = require('node:module');
const m = new Module(w.shim);
m.filename = w.shim;
m._compile(w.code, w.shim);
parentPort.postMessage(m.exports.runK6ScriptSync(w.script, w.opts));`;
  const workerData = { shim: __filename, code: await compiled, script: resolve(scriptPath), opts };
  return new Promise<K6Run>((done, fail) => {
    const worker = new Worker(code, { eval: true, workerData });
    worker.once('message', (r: K6Run) => done(r));
    worker.once('error', fail);
    worker.once('exit', (c) => fail(new Error(`k6 shim worker exited with ${c} before answering`)));
  });
}
