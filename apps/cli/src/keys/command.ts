/**
 * `paygate keys <create|list|revoke|rotate>`: API key management straight against the gateway's
 * database (the `auth` schema), without a running gateway. This is how a production deployment
 * gets its first admin key (there is no demo key in production); the gateway's `/api_keys` admin
 * routes do the same over HTTP afterwards. Migrates the `auth` schema first if needed.
 * Exit codes: 0 done, 1 refused (unknown key, already revoked…), 2 bad usage, 3 no database.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DomainError } from '@paygate/contracts';
import { DatabaseHandle, migrationsFolder, openDatabase } from '@paygate/database';
import { ApiKeyManager, MAX_GRACE_SECONDS } from '../../../gateway/src/auth/api-key.manager';
import { ApiKeyRepository, KeyRecord } from '../../../gateway/src/auth/api-key.repository';
import { toKeyDto } from '../../../gateway/src/auth/api-keys.dto';
import { parseScopes } from '../../../gateway/src/auth/scopes';

export const USAGE = `usage: paygate keys <command> [options]      (npm run cli -- keys <command> [options])

commands:
  create --merchant <id> --scopes <read,write,admin> [--name <label>]
         [--merchant-name <name>] [--rate-limit <per sec>] [--burst <n>]
                     create a key (the merchant too if it does not exist); prints the secret once
  list [--merchant <id>] [--limit <n>]
                     the keys (never their secrets), revoked ones included
  revoke <key id>    revoke a key at once
  rotate <key id> [--grace <seconds>]
                     a new secret for the key; the old one is revoked at once, or keeps working
                     for the grace period (at most ${MAX_GRACE_SECONDS} s)

database (one of):
  DATABASE_URL=postgres://…   the gateway's PostgreSQL database (production)
  --pglite <dir>              a PGlite data directory (default without DATABASE_URL: $DATA_DIR/monolith,
                              as \`npm start\` uses; stop the monolith first: PGlite is single-process)

options:
  --json                      machine-readable output
  -h, --help                  show this help

exit codes: 0 done, 1 refused (unknown key, already revoked, …), 2 bad usage, 3 no database
`;

export interface KeysIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

class UsageError extends Error {}

type Target = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string };

interface Parsed {
  command: 'create' | 'list' | 'revoke' | 'rotate';
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  target: Target;
}

function wholeNumber(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

/** A rate in requests per second, up to 3 decimals (0.5: one request every 2 s; 0: unlimited). */
function perSecond(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,7}(\.[0-9]{1,3})?$/.test(text) || Number(text) > 1_000_000) {
    throw new UsageError(`--rate-limit must be requests per second from 0 to 1000000 with at most 3 decimals, got "${text}"`);
  }
  return Number(text);
}

function parse(argv: string[], io: KeysIo): Parsed | undefined {
  let values: Parsed['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        merchant: { type: 'string' },
        'merchant-name': { type: 'string' },
        scopes: { type: 'string' },
        name: { type: 'string' },
        'rate-limit': { type: 'string' },
        burst: { type: 'string' },
        grace: { type: 'string' },
        limit: { type: 'string' },
        pglite: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help || positionals.length === 0) return undefined;
  const [command, ...rest] = positionals;
  if (command !== 'create' && command !== 'list' && command !== 'revoke' && command !== 'rotate') {
    throw new UsageError(`unknown keys command "${command}" (create, list, revoke, rotate)`);
  }
  const wantsId = command === 'revoke' || command === 'rotate';
  if (wantsId && rest.length !== 1) throw new UsageError(`keys ${command} takes one key id`);
  if (!wantsId && rest.length > 0) throw new UsageError(`keys ${command} takes no positional arguments`);
  if (values.pglite === '') throw new UsageError('--pglite must name a directory');
  const url = io.env.DATABASE_URL?.trim();
  const target: Target =
    values.pglite === undefined && url
      ? { kind: 'postgres', url }
      : { kind: 'pglite', dir: resolve(io.cwd, (values.pglite as string | undefined) ?? join(io.env.DATA_DIR ?? 'data', 'monolith')) };
  return { command, values, positionals: rest, target };
}

function line(k: KeyRecord): string {
  const d = toKeyDto(k);
  const limit = d.rate_limit ? `  limit ${d.rate_limit.per_sec ?? 'default'}/s burst ${d.rate_limit.burst ?? 'default'}` : '';
  const until = d.status === 'active' && d.expires_at ? ` until ${d.expires_at}` : '';
  return `${d.id}  ${d.merchant_id}  pk_${d.prefix}_…  [${d.scopes.join(',')}]  ${d.status}${until}  "${d.name}"${limit}`;
}

async function execute(p: Parsed, manager: ApiKeyManager, repo: ApiKeyRepository, io: KeysIo): Promise<number> {
  const json = p.values.json === true;
  const out = (value: unknown, text: string) => io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text);
  switch (p.command) {
    case 'create': {
      const merchant = p.values.merchant as string | undefined;
      const scopesText = p.values.scopes as string | undefined;
      if (!merchant) throw new UsageError('keys create needs --merchant <id>');
      if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(merchant)) throw new UsageError('--merchant must be 1-64 characters of A-Z, a-z, 0-9, _ . : -');
      if (!scopesText) throw new UsageError('keys create needs --scopes, e.g. --scopes read,write');
      const scopes = parseScopes(scopesText);
      if (!scopes) throw new UsageError(`--scopes must list read, write and/or admin, got "${scopesText}"`);
      const rateLimitPerSec = perSecond(p.values['rate-limit'] as string | undefined);
      const rateLimitBurst = wholeNumber('burst', p.values.burst as string | undefined, 1, 1_000_000);
      await repo.ensureMerchant(merchant, (p.values['merchant-name'] as string | undefined) ?? merchant);
      const { record, secret } = await manager.create({
        merchantId: merchant,
        name: p.values.name as string | undefined,
        scopes,
        rateLimitPerSec,
        rateLimitBurst,
      });
      out(
        { ...toKeyDto(record), key: secret },
        `created ${line(record)}\n\n  ${secret}\n\nThis is the only time the secret is shown: store it now (it is kept only as a SHA-256 hash).\n`,
      );
      return 0;
    }
    case 'list': {
      const limit = wholeNumber('limit', p.values.limit as string | undefined, 1, 10_000) ?? 1000;
      const page = await manager.list({ merchantId: p.values.merchant as string | undefined, limit });
      out(
        { data: page.data.map((k) => toKeyDto(k)), has_more: page.hasMore },
        page.data.length === 0 ? 'no API keys\n' : `${page.data.map(line).join('\n')}\n${page.hasMore ? `… more (--limit)\n` : ''}`,
      );
      return 0;
    }
    case 'revoke': {
      const k = await manager.revoke(p.positionals[0]);
      out(toKeyDto(k), `revoked ${line(k)}\n`);
      return 0;
    }
    case 'rotate': {
      const grace = wholeNumber('grace', p.values.grace as string | undefined, 0, MAX_GRACE_SECONDS) ?? 0;
      const { created, previous } = await manager.rotate(p.positionals[0], grace);
      out(
        { key: { ...toKeyDto(created.record), key: created.secret }, previous: toKeyDto(previous) },
        `rotated ${previous.id} → ${line(created.record)}\n` +
          `old key: ${grace > 0 ? `keeps working until ${previous.expiresAt?.toISOString()}` : 'revoked now'}\n\n  ${created.secret}\n\n` +
          'This is the only time the new secret is shown: store it now.\n',
      );
      return 0;
    }
  }
}

export async function run(
  argv: string[],
  io: KeysIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
): Promise<number> {
  let p: Parsed | undefined;
  try {
    p = parse(argv, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`keys: ${err.message}\n(paygate keys --help lists the commands)\n`);
    return 2;
  }
  if (!p) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (p.target.kind === 'pglite' && !existsSync(join(p.target.dir, 'PG_VERSION'))) {
    io.stderr.write(`keys: no PGlite database in ${p.target.dir}\n(set DATABASE_URL for PostgreSQL, or pass --pglite <dir>)\n`);
    return 3;
  }
  let handle: DatabaseHandle | undefined;
  try {
    try {
      handle =
        p.target.kind === 'postgres'
          ? openDatabase({ url: p.target.url, pgliteDir: '', poolSize: 1 })
          : openDatabase({ pgliteDir: p.target.dir, poolSize: 1 });
      await handle.migrate('auth', migrationsFolder('gateway'));
    } catch (err) {
      io.stderr.write(`keys: could not open the database: ${errorText(err)}\n`);
      return 3;
    }
    const repo = new ApiKeyRepository(handle.db);
    return await execute(p, new ApiKeyManager(repo), repo, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`keys: ${err.message}\n(paygate keys --help lists the commands)\n`);
      return 2;
    }
    if (err instanceof DomainError) {
      io.stderr.write(`keys: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function errorText(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: unknown[]; cause?: unknown };
  if (e?.cause) return errorText(e.cause);
  if (e?.message) return e.message;
  if (e?.code) return e.code;
  if (Array.isArray(e?.errors) && e.errors.length > 0) return errorText(e.errors[0]);
  return String(err);
}
