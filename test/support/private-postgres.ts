/**
 * A PostgreSQL server of the test's own, on a private loopback port, in a temp directory owned by
 * the `postgres` user (initdb refuses to run as root: `runuser -u postgres`). A fault test may stop,
 * restart or kill its connections; the machine's shared PostgreSQL (5432) is never touched.
 *
 *   const pg = await startPrivatePostgres();        // pg.url: postgres://postgres@127.0.0.1:<port>/postgres
 *   const url = await pg.createDatabase('paygate');
 *   await pg.restart();                             // pg_ctl restart -m fast
 *   await pg.stop();                                // pg_ctl stop -m immediate, directory removed
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort, waitForPort } from '@paygate/testing';

const run = promisify(execFile);

export interface PrivatePostgres {
  port: number;
  dir: string;
  /** The `postgres` database's URL (admin). */
  url: string;
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin directory (/usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => existsSync(join(root, d, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL server binaries under ${root}/*/bin`);
  return join(root, majors[0], 'bin');
}

/** Runs a PostgreSQL binary as the postgres user (when we are root), with its output in the error. */
async function asPostgres(bin: string, args: string[], timeoutMs = 60_000): Promise<void> {
  const [cmd, argv] = userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    await run(cmd, argv, { timeout: timeoutMs, cwd: '/' });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'paygate-pg-'));
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const pgCtl = join(bin, 'pg_ctl');
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=200`;
  try {
    await asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await asPostgres(pgCtl, ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', 'start']);
    await waitForPort(port);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    port,
    dir,
    url: urlFor('postgres'),
    urlFor,
    async createDatabase(name) {
      const c = new Client({ connectionString: urlFor('postgres') });
      await c.connect();
      try {
        await c.query(`create database ${name}`);
      } finally {
        await c.end();
      }
      return urlFor(name);
    },
    async restart() {
      await asPostgres(pgCtl, ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-m', 'fast', '-w', 'restart']);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await asPostgres(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch((e: Error) =>
        process.stderr.write(`private postgres: ${e.message}\n`),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
