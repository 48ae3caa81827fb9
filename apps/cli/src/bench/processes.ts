import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** A child process of the bench (a service, the monolith, the bare endpoint) and how to stop it. */
export interface Child {
  name: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** The built entry of an app, as `nest build <app>` writes it. */
export function distEntry(root: string, app: string): string {
  return join(root, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
}

export function startNode(name: string, root: string, script: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let tail = '';
  const keep = (b: Buffer) => {
    tail = (tail + b.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.on('exit', (code, signal) => {
    if (code && code !== 0 && signal === null) process.stderr.write(`[bench] ${name} exited with ${code}\n${tail}\n`);
  });
  return {
    name,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** Waits until `url` answers 200 (the observable outcome), or fails after `timeoutMs`. */
export async function waitHealthy(url: string, timeoutMs: number, children: readonly Child[] = []): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const dead = children.find((c) => c.proc.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited before ${url} was healthy`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
