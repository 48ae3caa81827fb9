import request from 'supertest';
import { RPCS } from '@paygate/contracts';
import { RequestContext, RpcClient } from '@paygate/transport';
import { requestHash } from '../apps/payments/src/domain/payment';
import { PaymentsRepository, attemptOf } from '../apps/payments/src/persistence/payments.repository';
import { RecoveryService } from '../apps/payments/src/recovery.service';
import { TestEnvironment, microservicesEnvironment, monolithEnvironment } from './support/environments';

/**
 * A payments process that died mid-payment leaves it PROCESSING with a lease that runs out. The
 * recovery sweep asks the wallet what it posted and settles the payment accordingly. The crash
 * is reproduced at each step boundary by writing the state the dead attempt left behind.
 */
describe.each([
  ['monolith', monolithEnvironment],
  ['microservices', microservicesEnvironment],
] as const)('payment recovery after a crash: %s', (_mode, start) => {
  let env: TestEnvironment;
  let repo: PaymentsRepository;
  let recovery: RecoveryService;
  const T_PAST = new Date(Date.now() - 60_000);
  const inContext = <T>(fn: () => Promise<T>) =>
    RequestContext.run({ requestId: 'test', merchantId: env.merchantId, deadline: Date.now() + 5000 }, fn);

  /** The state a dead attempt left: PROCESSING at `step`, with its lease long expired. */
  async function crashedAt(id: string, step: 'risk' | 'wallet', opts: { review?: boolean } = {}) {
    const intent = {
      id,
      currency: 'USD',
      amountMinor: 2500n,
      sourceAccount: 'ACC_SRC_0300',
      destinationAccount: 'ACC_DST_0300',
      metadata: {},
    };
    const claim = await repo.claim(
      env.merchantId,
      { ...intent, idempotencyKey: id, requestHash: requestHash(intent), quoteId: null },
      T_PAST,
      new Date(),
    );
    if (claim.kind !== 'owned') throw new Error(claim.kind);
    const decision = opts.review ? 'REVIEW' : 'APPROVE';
    await repo.progress(attemptOf(claim.row), step, {
      debitCurrency: 'USD',
      debitAmountMinor: 2500n,
      creditCurrency: 'USD',
      creditAmountMinor: 2500n,
      risk: { score: opts.review ? 50 : 0, decision, reasons: [], rules_version: 'test' },
    });
  }

  beforeAll(async () => {
    env = await start();
    repo = env.apps.payments.get(PaymentsRepository);
    recovery = env.apps.payments.get(RecoveryService);
  }, 90_000);
  afterAll(() => env?.close(), 30_000);

  it('after the wallet committed the transfer: CAPTURED, and the client’s retry replays it', async () => {
    await crashedAt('REC-1', 'wallet');
    const rpc = env.apps.payments.get(RpcClient);
    await inContext(() =>
      rpc.call(RPCS.walletTransfer, {
        reference: 'payment:REC-1:capture',
        source_account: 'ACC_SRC_0300',
        destination_account: 'ACC_DST_0300',
        debit: { currency: 'USD', amount_minor: '2500' },
        credit: { currency: 'USD', amount_minor: '2500' },
      }),
    );
    await request(env.urls.payments)
      .get('/payments/REC-1')
      .expect(200, /"status":"PROCESSING"/);
    expect(await recovery.sweep()).toBeGreaterThanOrEqual(1);
    const p = await request(env.urls.payments).get('/payments/REC-1').expect(200);
    expect(p.body).toMatchObject({ status: 'CAPTURED', amount_captured: '25.00' });
    const retry = await request(env.urls.payments)
      .post('/payments')
      .send({ id: 'REC-1', currency: 'USD', amount: '25.00', source_account: 'ACC_SRC_0300', destination_account: 'ACC_DST_0300' })
      .expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('after the wallet placed a review hold: PENDING', async () => {
    await crashedAt('REC-2', 'wallet', { review: true });
    const rpc = env.apps.payments.get(RpcClient);
    await inContext(() =>
      rpc.call(RPCS.walletHold, {
        reference: 'payment:REC-2:hold',
        account_id: 'ACC_SRC_0300',
        amount: { currency: 'USD', amount_minor: '2500' },
      }),
    );
    await recovery.sweep();
    expect((await request(env.urls.payments).get('/payments/REC-2').expect(200)).body.status).toBe('PENDING');
  });

  it('before any money moved (or the wallet never got it): forgotten, and the client’s retry runs it anew', async () => {
    await crashedAt('REC-3', 'risk');
    await crashedAt('REC-4', 'wallet');
    await recovery.sweep();
    await request(env.urls.payments).get('/payments/REC-3').expect(404);
    await request(env.urls.payments).get('/payments/REC-4').expect(404);
    const retry = await request(env.urls.payments)
      .post('/payments')
      .send({ id: 'REC-3', currency: 'USD', amount: '25.00', source_account: 'ACC_SRC_0300', destination_account: 'ACC_DST_0300' })
      .expect(200);
    expect(retry.body.status).toBe('CAPTURED');
    const metrics = (await request(env.urls.payments).get('/metrics')).text;
    expect(metrics).toMatch(/payments_recovered_total\{outcome="forgotten",service="payments"\} 2/);
  });
});
