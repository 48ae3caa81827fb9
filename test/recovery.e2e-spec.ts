import request from 'supertest';
import { RPCS } from '@paygate/contracts';
import { RequestContext, RpcClient } from '@paygate/transport';
import { requestHash } from '../apps/payments/src/domain/payment';
import { PaymentsRepository } from '../apps/payments/src/persistence/payments.repository';
import { RecoveryService } from '../apps/payments/src/recovery.service';
import { TestEnvironment, microservicesEnvironment, monolithEnvironment } from './support/environments';

/**
 * A payments process that died mid-payment leaves it PROCESSING with a lease that runs out. The
 * recovery sweep asks the wallet what it posted and settles the payment accordingly. The crash
 * is reproduced by writing the state the dead attempt left behind: the claim, and what it
 * posted in the wallet.
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

  /**
   * The state a dead attempt left, wherever it died: the payment as claimed (PROCESSING, nothing
   * else is written before its final state), with its lease long expired.
   */
  async function crashedMidway(id: string) {
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
  }

  /** What the dead attempt's wallet call did: the capture journal under the payment's reference. */
  async function transferredBy(id: string) {
    const rpc = env.apps.payments.get(RpcClient);
    await inContext(() =>
      rpc.call(RPCS.walletTransfer, {
        reference: `payment:${id}:capture`,
        source_account: 'ACC_SRC_0300',
        destination_account: 'ACC_DST_0300',
        debit: { currency: 'USD', amount_minor: '2500' },
        credit: { currency: 'USD', amount_minor: '2500' },
      }),
    );
  }

  const balanceOf = async (account: string) => (await request(env.urls.wallet).get(`/balance/${account}`).expect(200)).body.balances;

  beforeAll(async () => {
    env = await start();
    repo = env.apps.payments.get(PaymentsRepository);
    recovery = env.apps.payments.get(RecoveryService);
  }, 90_000);
  afterAll(() => env?.close(), 30_000);

  it('after the wallet committed the transfer: CAPTURED with the decisions that led to it, and the client’s retry replays it', async () => {
    await crashedMidway('REC-1');
    await transferredBy('REC-1');
    await request(env.urls.payments)
      .get('/payments/REC-1')
      .expect(200, /"status":"PROCESSING"/);
    const source = await balanceOf('ACC_SRC_0300');
    expect(await recovery.sweep()).toBeGreaterThanOrEqual(1);
    const p = await request(env.urls.payments).get('/payments/REC-1').expect(200);
    expect(p.body).toMatchObject({
      status: 'CAPTURED',
      amount_captured: '25.00',
      debit: { currency: 'USD', amount: '25.00' },
      credit: { currency: 'USD', amount: '25.00' },
      risk: { decision: 'APPROVE' },
    });
    // Recovery asked the wallet, and moved nothing itself.
    expect(await balanceOf('ACC_SRC_0300')).toEqual(source);
    const retry = await request(env.urls.payments)
      .post('/payments')
      .send({ id: 'REC-1', currency: 'USD', amount: '25.00', source_account: 'ACC_SRC_0300', destination_account: 'ACC_DST_0300' })
      .expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('the client’s retry takes over first: it finds the transfer done, answers CAPTURED and moves nothing again', async () => {
    await crashedMidway('REC-5');
    await transferredBy('REC-5');
    const source = await balanceOf('ACC_SRC_0300');
    const retry = await request(env.urls.payments)
      .post('/payments')
      .send({ id: 'REC-5', currency: 'USD', amount: '25.00', source_account: 'ACC_SRC_0300', destination_account: 'ACC_DST_0300' })
      .expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).toMatchObject({ status: 'CAPTURED', debit: { currency: 'USD', amount: '25.00' }, risk: { decision: 'APPROVE' } });
    expect(await balanceOf('ACC_SRC_0300')).toEqual(source);
  });

  it('after the wallet placed a review hold: PENDING', async () => {
    await crashedMidway('REC-2');
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
    await crashedMidway('REC-3');
    await crashedMidway('REC-4');
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
