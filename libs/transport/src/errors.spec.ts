import { DomainError } from '@paygate/contracts';
import { STORE_UNAVAILABLE, isConnectionLoss, toDomainError } from './errors';
import { toCallError } from './rpc-client';

describe('database connection loss → 503 SERVICE_UNAVAILABLE', () => {
  const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: insert into …'), { cause });

  it.each([
    ['terminated by pg_terminate_backend (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['the server starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', pgError('08006')],
    ['refused', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['reset', pgError('ECONNRESET')],
    ['cut mid-query', new Error('Connection terminated unexpectedly')],
    ['a broken client reused', new Error('Client has encountered a connection error and is not queryable')],
    ['drizzle-wrapped', wrapped(pgError('57P01'))],
    ['drizzle-wrapped message', wrapped(new Error('Connection terminated unexpectedly'))],
  ])('%s', (_name, err) => {
    expect(isConnectionLoss(err)).toBe(true);
    const d = toDomainError(err);
    expect(d).toBeInstanceOf(DomainError);
    expect(d.code).toBe('SERVICE_UNAVAILABLE');
    expect(d.details.map((x) => x.reason)).toEqual([STORE_UNAVAILABLE]);
    expect(d.message).not.toMatch(/terminat|ECONN|127\.0\.0\.1/); // nothing internal leaks
  });

  it.each([
    ['a unique violation', pgError('23505')],
    ['a serialization failure', pgError('40001')],
    ['a plain bug', new TypeError('cannot read x of undefined')],
    ['not an object', 'boom'],
  ])('%s stays what it was (INTERNAL_ERROR)', (_name, err) => {
    expect(isConnectionLoss(err)).toBe(false);
    expect(toDomainError(err).code).toBe('INTERNAL_ERROR');
  });
});

describe('NATS down', () => {
  it("Nest's ClientNats rejecting with a bare string while reconnecting → 503 SERVICE_UNAVAILABLE (nothing was sent)", () => {
    const e = toCallError('wallet.transfer', 'Error: Connection lost. Trying to reconnect...', 1000);
    expect(e.code).toBe('SERVICE_UNAVAILABLE');
    expect(e.details).toEqual([]);
  });
});
