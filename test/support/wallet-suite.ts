import request from 'supertest';
import { DomainError, RPCS, RequestOf, ResponseOf, RpcDef } from '@paygate/contracts';
import { RequestContext, RpcClient } from '@paygate/transport';
import type { TestEnvironment } from './environments';
import { eventually } from './eventually';

interface Line {
  currency: string;
  available: string;
  ledger: string;
  held: string;
}

interface Entry {
  entry_id: string;
  journal_id: string;
  kind: string;
  reference: string;
  currency: string;
  amount: string;
  balance_after: string;
  created_at: string;
}

type Port = 'wallet' | 'gateway';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The public wallet API end to end, identically in both modes: the account lifecycle on the
 * wallet's own port (no key) and through the gateway (with the demo key), listings over the demo
 * data, validation, and the internal hold / capture / reversal RPCs over the real transport
 * (called from the payments app, as payments does), observed through the public API.
 */
export function walletSuite(name: string, start: () => Promise<TestEnvironment>): void {
  describe(name, () => {
    let env: TestEnvironment;
    const auth = () => ({ Authorization: `Bearer ${env.demoKey}` });

    /** A request on the wallet port or through the gateway (with the key). */
    const on = (port: Port) => {
      const agent = request(env.urls[port]);
      const withAuth = <T extends request.Test>(t: T): T => (port === 'gateway' ? (t.set(auth()) as T) : t);
      return {
        get: (path: string) => withAuth(agent.get(path)),
        post: (path: string, body: object = {}) =>
          withAuth(agent.post(path).set('Content-Type', 'application/json').send(JSON.stringify(body))),
      };
    };
    const balance = async (account: string): Promise<Record<string, Line>> => {
      const res = await request(env.urls.wallet).get(`/balance/${account}`).expect(200);
      return Object.fromEntries((res.body.balances as Line[]).map((l) => [l.currency, l]));
    };
    const entries = async (account: string, query: Record<string, string | number> = {}): Promise<Entry[]> =>
      (await request(env.urls.wallet).get(`/accounts/${account}/entries`).query(query).expect(200)).body.data as Entry[];
    /** An internal call from the payments app, over the configured transport (in-process or NATS). */
    const rpc = <R extends RpcDef>(def: R, payload: RequestOf<R>): Promise<ResponseOf<R>> =>
      RequestContext.run({ requestId: `wallet-e2e-${def.pattern}`, merchantId: env.merchantId, deadline: Date.now() + 5000 }, () =>
        env.apps.payments.get(RpcClient).call(def, payload),
      );
    const rpcError = async (p: Promise<unknown>): Promise<DomainError> => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${err === undefined ? 'success' : String(err)}`);
      return err;
    };
    const openFunded = async (accountId: string, funds: Record<string, string>, defaultCurrency?: string) => {
      await request(env.urls.wallet)
        .post('/accounts')
        .send({ account_id: accountId, currencies: Object.keys(funds), ...(defaultCurrency ? { default_currency: defaultCurrency } : {}) })
        .expect(201);
      for (const [currency, amount] of Object.entries(funds)) {
        if (amount === '0') continue;
        await request(env.urls.wallet)
          .post(`/accounts/${accountId}/deposits`)
          .send({ currency, amount, reference: `OPEN-${accountId}-${currency}` })
          .expect(201);
      }
    };

    beforeAll(async () => {
      env = await start();
    }, 90_000);

    afterAll(async () => {
      await env?.close();
    }, 30_000);

    describe.each<Port>(['wallet', 'gateway'])('account lifecycle on the %s port', (port) => {
      const id = `WAL_${port.toUpperCase()}_1`;
      /** References are per merchant: each port's run has its own. */
      const ref = (r: string) => `${port.toUpperCase()}-${r}`;
      const api = () => on(port);
      const payVia = port === 'gateway' ? 'gateway' : 'payments';
      const pay = (body: object) => {
        const r = request(env.urls[payVia]).post('/payments');
        if (payVia === 'gateway') r.set(auth());
        return r.send(body);
      };

      it('create → deposit (replayed with the header) → withdraw → balances exact', async () => {
        const created = await api()
          .post('/accounts', { account_id: id, currencies: ['USD', 'EUR'], default_currency: 'USD' })
          .expect(201);
        expect(created.body).toEqual({
          account_id: id,
          status: 'active',
          default_currency: 'USD',
          currencies: ['EUR', 'USD'],
          allow_overdraft: false,
          created_at: expect.stringMatching(ISO),
        });
        expect((await api().get(`/accounts/${id}`).expect(200)).body).toEqual(created.body);

        const dep = await api()
          .post(`/accounts/${id}/deposits`, { currency: 'USD', amount: '250.00', reference: ref('DEP-1') })
          .expect(201);
        expect(dep.headers['idempotent-replayed']).toBeUndefined();
        expect(dep.body).toEqual({
          deposit_id: expect.stringMatching(/^jnl_\d+$/),
          account_id: id,
          currency: 'USD',
          amount: '250.00',
          reference: ref('DEP-1'),
          balance: { currency: 'USD', available: '250.00', ledger: '250.00', held: '0.00' },
          created_at: expect.stringMatching(ISO),
        });
        const depAgain = await api()
          .post(`/accounts/${id}/deposits`, { currency: 'USD', amount: '250.00', reference: ref('DEP-1') })
          .expect(201);
        expect(depAgain.headers['idempotent-replayed']).toBe('true');
        expect(depAgain.body.deposit_id).toBe(dep.body.deposit_id);
        // A JSON number, parsed exactly.
        await api()
          .post(`/accounts/${id}/deposits`, { currency: 'EUR', amount: 99.99, reference: ref('DEP-2') })
          .expect(201);

        const wd = await api()
          .post(`/accounts/${id}/withdrawals`, { currency: 'USD', amount: '50.25', reference: ref('WD-1') })
          .expect(201);
        expect(wd.headers['idempotent-replayed']).toBeUndefined();
        expect(wd.body).toEqual({
          withdrawal_id: expect.stringMatching(/^jnl_\d+$/),
          account_id: id,
          currency: 'USD',
          amount: '50.25',
          reference: ref('WD-1'),
          balance: { currency: 'USD', available: '199.75', ledger: '199.75', held: '0.00' },
          created_at: expect.stringMatching(ISO),
        });
        const wdAgain = await api()
          .post(`/accounts/${id}/withdrawals`, { currency: 'USD', amount: '50.25', reference: ref('WD-1') })
          .expect(201);
        expect(wdAgain.headers['idempotent-replayed']).toBe('true');
        expect(wdAgain.body).toEqual(wd.body);
        const reused = await api()
          .post(`/accounts/${id}/withdrawals`, { currency: 'USD', amount: '50.26', reference: ref('WD-1') })
          .expect(409);
        expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

        // Over the balance: 422 with the amounts.
        const over = await api()
          .post(`/accounts/${id}/withdrawals`, { currency: 'USD', amount: '199.76', reference: ref('WD-OVER') })
          .expect(422);
        expect(over.body.error).toEqual({
          code: 'INSUFFICIENT_FUNDS',
          message: expect.stringContaining('199.75'),
          details: [
            {
              reason: 'INSUFFICIENT_FUNDS',
              message: expect.any(String),
              account_id: id,
              currency: 'USD',
              available: '199.75',
              required: '199.76',
            },
          ],
          request_id: expect.any(String),
        });

        const bal = await api().get(`/balance/${id}`).expect(200);
        expect(bal.body).toEqual({
          account_id: id,
          default_currency: 'USD',
          balances: [
            { currency: 'EUR', available: '99.99', ledger: '99.99', held: '0.00' },
            { currency: 'USD', available: '199.75', ledger: '199.75', held: '0.00' },
          ],
          updated_at: expect.stringMatching(ISO),
        });
      });

      it('entries: newest first, signed, with the balance after, a page at a time and by currency', async () => {
        const all = await api().get(`/accounts/${id}/entries`).expect(200);
        expect(all.body.has_more).toBe(false);
        expect(all.body.next_cursor).toBeNull();
        const data = all.body.data as Entry[];
        expect(
          data.map(({ kind, reference, currency, amount, balance_after }) => ({ kind, reference, currency, amount, balance_after })),
        ).toEqual([
          { kind: 'withdrawal', reference: `withdrawal:${ref('WD-1')}`, currency: 'USD', amount: '-50.25', balance_after: '199.75' },
          { kind: 'deposit', reference: `deposit:${ref('DEP-2')}`, currency: 'EUR', amount: '99.99', balance_after: '99.99' },
          { kind: 'deposit', reference: `deposit:${ref('DEP-1')}`, currency: 'USD', amount: '250.00', balance_after: '250.00' },
        ]);
        for (const e of data) {
          expect(e.entry_id).toMatch(/^ent_\d+$/);
          expect(e.journal_id).toMatch(/^jnl_\d+$/);
          expect(e.created_at).toMatch(ISO);
        }
        const ids = data.map((e) => BigInt(e.entry_id.slice(4)));
        expect(ids[0] > ids[1] && ids[1] > ids[2]).toBe(true);

        const p1 = await api().get(`/accounts/${id}/entries`).query({ limit: 2 }).expect(200);
        expect(p1.body).toEqual({ data: data.slice(0, 2), has_more: true, next_cursor: data[1].entry_id });
        const p2 = await api().get(`/accounts/${id}/entries`).query({ limit: 2, starting_after: p1.body.next_cursor }).expect(200);
        expect(p2.body).toEqual({ data: data.slice(2), has_more: false, next_cursor: null });
        const eur = await api().get(`/accounts/${id}/entries`).query({ currency: 'EUR' }).expect(200);
        expect(eur.body).toEqual({ data: [data[1]], has_more: false, next_cursor: null });
      });

      it('freeze: deposits and withdrawals 409 ACCOUNT_FROZEN, a payment from it FAILED ACCOUNT_FROZEN; unfreeze restores', async () => {
        const frozen = await api().post(`/accounts/${id}/freeze`).expect(200);
        expect(frozen.body).toMatchObject({ account_id: id, status: 'frozen' });
        await api().post(`/accounts/${id}/freeze`).expect(200, frozen.body);
        expect((await api().get(`/accounts/${id}`).expect(200)).body.status).toBe('frozen');

        const dep = await api()
          .post(`/accounts/${id}/deposits`, { currency: 'USD', amount: '1.00', reference: ref('DEP-FROZEN') })
          .expect(409);
        expect(dep.body.error).toMatchObject({ code: 'ACCOUNT_FROZEN', message: `Account ${id} is frozen` });
        const wd = await api()
          .post(`/accounts/${id}/withdrawals`, { currency: 'USD', amount: '1.00', reference: ref('WD-FROZEN') })
          .expect(409);
        expect(wd.body.error.code).toBe('ACCOUNT_FROZEN');

        const payment = {
          id: `PAY-FROZEN-${port}`,
          currency: 'USD',
          amount: '1.00',
          source_account: id,
          destination_account: 'ACC_DST_DEF',
        };
        const paid = await pay(payment).expect(400);
        expect(paid.body).toMatchObject({ id: payment.id, status: 'FAILED', failure_code: 'ACCOUNT_FROZEN' });
        // Nothing moved.
        expect(await balance(id)).toMatchObject({ USD: { ledger: '199.75', held: '0.00' } });

        const active = await api().post(`/accounts/${id}/unfreeze`).expect(200);
        expect(active.body).toMatchObject({ account_id: id, status: 'active' });
        await api()
          .post(`/accounts/${id}/deposits`, { currency: 'USD', amount: '1.00', reference: ref('DEP-FROZEN') })
          .expect(201);
      });

      it('withdraw all → close → a closed wallet refuses money (409 ACCOUNT_CLOSED) and stays closed; a non-empty one cannot close', async () => {
        const notEmpty = await api().post(`/accounts/${id}/close`).expect(409);
        expect(notEmpty.body.error.code).toBe('ACCOUNT_NOT_EMPTY');

        await api()
          .post(`/accounts/${id}/withdrawals`, { currency: 'USD', amount: '200.75', reference: ref('WD-ALL-USD') })
          .expect(201);
        const lastWd = await api()
          .post(`/accounts/${id}/withdrawals`, { currency: 'EUR', amount: '99.99', reference: ref('WD-ALL-EUR') })
          .expect(201);
        expect(lastWd.body.balance).toEqual({ currency: 'EUR', available: '0.00', ledger: '0.00', held: '0.00' });

        const closed = await api().post(`/accounts/${id}/close`).expect(200);
        expect(closed.body).toMatchObject({ account_id: id, status: 'closed' });
        await api().post(`/accounts/${id}/close`).expect(200, closed.body);

        const dep = await api()
          .post(`/accounts/${id}/deposits`, { currency: 'USD', amount: '1.00', reference: ref('DEP-CLOSED') })
          .expect(409);
        expect(dep.body.error).toMatchObject({ code: 'ACCOUNT_CLOSED', message: `Account ${id} is closed` });
        expect((await api().post(`/accounts/${id}/unfreeze`).expect(409)).body.error.code).toBe('ACCOUNT_CLOSED');
        expect((await api().post(`/accounts/${id}/freeze`).expect(409)).body.error.code).toBe('ACCOUNT_CLOSED');
        const toClosed = await pay({
          id: `PAY-TO-CLOSED-${port}`,
          currency: 'USD',
          amount: '1.00',
          source_account: 'ACC_SRC_ABC',
          destination_account: id,
        }).expect(400);
        expect(toClosed.body).toMatchObject({ status: 'FAILED', failure_code: 'ACCOUNT_CLOSED' });
        // Still readable, all zero.
        const bal = await api().get(`/balance/${id}`).expect(200);
        expect(bal.body.balances).toEqual([
          { currency: 'EUR', available: '0.00', ledger: '0.00', held: '0.00' },
          { currency: 'USD', available: '0.00', ledger: '0.00', held: '0.00' },
        ]);
        expect((await api().get(`/accounts/${id}`).expect(200)).body.status).toBe('closed');
        expect((await api().get(`/accounts/${id}/entries`).query({ limit: 1 }).expect(200)).body.data[0]).toMatchObject({
          kind: 'withdrawal',
          reference: `withdrawal:${ref('WD-ALL-EUR')}`,
          balance_after: '0.00',
        });
      });
    });

    it('lists accounts a page at a time over the demo data: has_more, next_cursor, ids strictly increasing, same through the gateway', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 3; page++) {
        const res = await request(env.urls.wallet)
          .get('/accounts')
          .query({ limit: 50, ...(cursor ? { starting_after: cursor } : {}) })
          .expect(200);
        expect(res.body.data).toHaveLength(50);
        expect(res.body.has_more).toBe(true);
        expect(res.body.next_cursor).toBe(res.body.data[49].account_id);
        for (const a of res.body.data) {
          expect(a).toEqual({
            account_id: expect.any(String),
            status: 'active',
            default_currency: expect.stringMatching(/^[A-Z]{3}$/),
            currencies: expect.any(Array),
            allow_overdraft: false,
            created_at: expect.stringMatching(ISO),
          });
          expect(a.account_id.startsWith('house:')).toBe(false);
        }
        seen.push(...res.body.data.map((a: { account_id: string }) => a.account_id));
        cursor = res.body.next_cursor;
      }
      expect(seen).toHaveLength(150);
      for (let i = 1; i < seen.length; i++) expect(seen[i] > seen[i - 1]).toBe(true);
      // The demo data: ACC_001 first, then the ACC_DST_ range.
      expect(seen.slice(0, 3)).toEqual(['ACC_001', 'ACC_DST_0000', 'ACC_DST_0001']);
      expect(seen[149]).toBe('ACC_DST_0148');

      // The same pages through the gateway, default limit 20.
      const viaGateway = await request(env.urls.gateway).get('/accounts').query({ starting_after: seen[49] }).set(auth()).expect(200);
      expect(viaGateway.body.data.map((a: { account_id: string }) => a.account_id)).toEqual(seen.slice(50, 70));
      expect(viaGateway.body).toMatchObject({ has_more: true, next_cursor: seen[69] });
      expect(viaGateway.body.data[0]).toMatchObject({ account_id: 'ACC_DST_0049', default_currency: 'IDR', currencies: ['IDR', 'USD'] });
      // Past the last id: an empty page.
      const end = await request(env.urls.wallet).get('/accounts').query({ starting_after: 'zzzz' }).expect(200);
      expect(end.body).toEqual({ data: [], has_more: false, next_cursor: null });
    });

    it('validation: bad limit, bad cursor, bad currency, amounts too precise or not positive, unknown fields → 400; unknown wallets → 404', async () => {
      const expect400 = async (res: request.Response, field: string) => {
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
        expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      };
      for (const limit of ['0', '101', 'abc', '1.5', '-1']) {
        await expect400(await request(env.urls.wallet).get('/accounts').query({ limit }), 'limit');
        await expect400(await request(env.urls.gateway).get('/accounts').query({ limit }).set(auth()), 'limit');
        await expect400(await request(env.urls.wallet).get('/accounts/ACC_001/entries').query({ limit }), 'limit');
      }
      await expect400(await request(env.urls.wallet).get('/accounts').query({ starting_after: 'not a cursor!' }), 'starting_after');
      // Beyond PostgreSQL's bigint (the largest entry id) is no cursor either: 400, not a 500.
      for (const cursor of ['ACC_001', 'ent_', 'ent_abc', 'ent_-1', 'ent_9223372036854775808', 'ent_9999999999999999999']) {
        await expect400(
          await request(env.urls.wallet).get('/accounts/ACC_001/entries').query({ starting_after: cursor }),
          'starting_after',
        );
      }
      await expect400(await request(env.urls.wallet).get('/accounts/ACC_001/entries').query({ currency: 'XYZ' }), 'currency');
      // The extreme cursors that are ids: before the largest, everything; before the first, nothing.
      const top = await request(env.urls.wallet)
        .get('/accounts/ACC_001/entries')
        .query({ starting_after: 'ent_9223372036854775807' })
        .expect(200);
      expect(top.body.data.map((e: Entry) => e.kind)).toEqual(['deposit', 'deposit']);
      const bottom = await request(env.urls.wallet).get('/accounts/ACC_001/entries').query({ starting_after: 'ent_0' }).expect(200);
      expect(bottom.body).toEqual({ data: [], has_more: false, next_cursor: null });

      const tooPrecise = await on('gateway').post('/accounts/ACC_001/withdrawals', {
        currency: 'USD',
        amount: '1.001',
        reference: 'WD-BAD-1',
      });
      await expect400(tooPrecise, 'amount');
      expect(tooPrecise.body.error.details[0].reason).toBe('AMOUNT_TOO_PRECISE');
      const yen = await on('wallet').post('/accounts/ACC_001/withdrawals', { currency: 'JPY', amount: '1.5', reference: 'WD-BAD-2' });
      expect(yen.body.error.details[0]).toMatchObject({ field: 'amount', reason: 'AMOUNT_TOO_PRECISE' });
      for (const amount of ['0', '-5.00', 0, '1e2']) {
        await expect400(
          await on('wallet').post('/accounts/ACC_001/withdrawals', { currency: 'USD', amount, reference: 'WD-BAD-3' }),
          'amount',
        );
      }
      await expect400(
        await on('wallet').post('/accounts/ACC_001/withdrawals', { currency: 'USD', amount: '1.00', reference: 'has space' }),
        'reference',
      );
      await expect400(
        await on('wallet').post('/accounts/ACC_001/withdrawals', { currency: 'USD', amount: '1.00', reference: 'WD-BAD-4', extra: 1 }),
        'extra',
      );
      // Nothing was withdrawn by any of them.
      expect(await balance('ACC_001')).toMatchObject({ USD: { ledger: '10000.00' } });
      expect((await entries('ACC_001')).map((e) => e.kind)).toEqual(['deposit', 'deposit']);

      for (const [method, path] of [
        ['get', '/accounts/ACC_NOPE'],
        ['get', '/accounts/ACC_NOPE/entries'],
        ['post', '/accounts/ACC_NOPE/freeze'],
        ['post', '/accounts/ACC_NOPE/unfreeze'],
        ['post', '/accounts/ACC_NOPE/close'],
      ] as const) {
        const res = await on('gateway')[method](path).expect(404);
        expect(res.body.error.code).toBe('ACCOUNT_NOT_FOUND');
      }
      const wd = await on('wallet')
        .post('/accounts/ACC_NOPE/withdrawals', { currency: 'USD', amount: '1.00', reference: 'WD-NOPE' })
        .expect(404);
      expect(wd.body.error.code).toBe('ACCOUNT_NOT_FOUND');
    });

    it('holds over the real transport: one expires on its own (held back to 0, counted in /metrics), releasing it afterwards is a replay', async () => {
      const id = 'WAL_HOLD_EXP';
      await openFunded(id, { USD: '100.00' });
      const metricsBefore = expiredCount((await request(env.urls.wallet).get('/metrics').expect(200)).text);

      const placed = await rpc(RPCS.walletHold, {
        reference: 'hold-exp-1',
        account_id: id,
        amount: { currency: 'USD', amount_minor: '2500' },
        expires_at: new Date(Date.now() + 1500).toISOString(),
      });
      expect(placed).toEqual({
        hold_id: expect.stringMatching(/^hld_\d+$/),
        reference: 'hold-exp-1',
        replayed: false,
        created_at: expect.stringMatching(ISO),
      });
      expect((await balance(id)).USD).toEqual({ currency: 'USD', available: '75.00', ledger: '100.00', held: '25.00' });

      // The sweep releases it once its time is up: observed through the public balance.
      await eventually(async () => ((await balance(id)).USD.held === '0.00' ? true : undefined), 15_000, 'the hold to expire');
      expect((await balance(id)).USD).toEqual({ currency: 'USD', available: '100.00', ledger: '100.00', held: '0.00' });
      const released = await rpc(RPCS.walletReleaseHold, { hold_reference: 'hold-exp-1' });
      expect(released).toEqual({
        hold_id: placed.hold_id,
        reference: 'hold-exp-1',
        status: 'expired',
        amount_minor: '2500',
        captured_minor: '0',
        replayed: true,
      });
      const late = await rpcError(
        rpc(RPCS.walletCaptureHold, {
          hold_reference: 'hold-exp-1',
          reference: 'cap-late',
          destination_account: 'ACC_DST_DEF',
          credit: { currency: 'USD', amount_minor: '2500' },
        }),
      );
      expect(late.code).toBe('HOLD_NOT_ACTIVE');
      // Nothing was posted for the hold.
      expect((await entries(id)).map((e) => e.kind)).toEqual(['deposit']);

      const metrics = (await request(env.urls.wallet).get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/^# TYPE wallet_holds_expired_total counter$/m);
      expect(expiredCount(metrics)).toBeGreaterThanOrEqual(metricsBefore + 1);
    }, 30_000);

    it('holds over the real transport: place → capture in part (the rest released) → balances exact; replay and refusals', async () => {
      const src = 'WAL_HOLD_SRC';
      const dst = 'WAL_HOLD_DST';
      await openFunded(src, { USD: '100.00' });
      await openFunded(dst, { USD: '0' });

      const over = await rpcError(
        rpc(RPCS.walletHold, { reference: 'hold-over', account_id: src, amount: { currency: 'USD', amount_minor: '10001' } }),
      );
      expect(over.code).toBe('INSUFFICIENT_FUNDS');
      expect(over.details[0]).toMatchObject({ available: '100.00', required: '100.01' });

      const placed = await rpc(RPCS.walletHold, {
        reference: 'hold-cap-1',
        account_id: src,
        amount: { currency: 'USD', amount_minor: '4000' },
      });
      const again = await rpc(RPCS.walletHold, {
        reference: 'hold-cap-1',
        account_id: src,
        amount: { currency: 'USD', amount_minor: '4000' },
      });
      expect(again).toEqual({ ...placed, replayed: true });
      expect((await balance(src)).USD).toEqual({ currency: 'USD', available: '60.00', ledger: '100.00', held: '40.00' });
      // A withdrawal cannot take what is held.
      const wd = await on('wallet')
        .post(`/accounts/${src}/withdrawals`, { currency: 'USD', amount: '60.01', reference: 'WD-HELD' })
        .expect(422);
      expect(wd.body.error.details[0]).toMatchObject({ available: '60.00', required: '60.01' });

      const tooMuch = await rpcError(
        rpc(RPCS.walletCaptureHold, {
          hold_reference: 'hold-cap-1',
          reference: 'cap-1',
          destination_account: dst,
          amount_minor: '4001',
          credit: { currency: 'USD', amount_minor: '4001' },
        }),
      );
      expect(tooMuch.code).toBe('AMOUNT_EXCEEDS_HOLD');

      const capture = {
        hold_reference: 'hold-cap-1',
        reference: 'cap-1',
        destination_account: dst,
        amount_minor: '1525',
        credit: { currency: 'USD', amount_minor: '1525' },
      };
      const captured = await rpc(RPCS.walletCaptureHold, capture);
      expect(captured).toEqual({
        hold_id: placed.hold_id,
        reference: 'hold-cap-1',
        status: 'captured',
        amount_minor: '4000',
        captured_minor: '1525',
        replayed: false,
      });
      expect(await rpc(RPCS.walletCaptureHold, capture)).toEqual({ ...captured, replayed: true });
      expect((await balance(src)).USD).toEqual({ currency: 'USD', available: '84.75', ledger: '84.75', held: '0.00' });
      expect((await balance(dst)).USD).toEqual({ currency: 'USD', available: '15.25', ledger: '15.25', held: '0.00' });
      const second = await rpcError(rpc(RPCS.walletCaptureHold, { ...capture, reference: 'cap-2' }));
      expect(second.code).toBe('HOLD_NOT_ACTIVE');
      const release = await rpcError(rpc(RPCS.walletReleaseHold, { hold_reference: 'hold-cap-1' }));
      expect(release.code).toBe('HOLD_NOT_ACTIVE');
      expect((await rpcError(rpc(RPCS.walletReleaseHold, { hold_reference: 'hold-nope' }))).code).toBe('HOLD_NOT_FOUND');

      const [last] = await entries(src, { limit: 1 });
      expect(last).toMatchObject({
        kind: 'capture',
        reference: 'transfer:cap-1',
        currency: 'USD',
        amount: '-15.25',
        balance_after: '84.75',
      });
      const [credited] = await entries(dst, { limit: 1 });
      expect(credited).toMatchObject({ kind: 'capture', journal_id: last.journal_id, amount: '15.25', balance_after: '15.25' });
    }, 30_000);

    it('a cross-currency transfer reversed twice in part at its original rate: GET /balance exact, entries of kind reversal', async () => {
      const src = 'WAL_REV_SRC';
      const dst = 'WAL_REV_DST';
      await openFunded(src, { USD: '100.00' });
      await openFunded(dst, { EUR: '0' });
      // 10.03 USD paid (0.06 of it FX spread) for 9.17 EUR.
      const transfer = await rpc(RPCS.walletTransfer, {
        reference: 'payment:PAY-REV-1:capture',
        source_account: src,
        destination_account: dst,
        debit: { currency: 'USD', amount_minor: '1003' },
        credit: { currency: 'EUR', amount_minor: '917' },
        fx_revenue: { currency: 'USD', amount_minor: '6' },
      });
      expect(transfer).toMatchObject({ journal_id: expect.stringMatching(/^jnl_\d+$/), replayed: false });
      expect((await balance(src)).USD.ledger).toBe('89.97');
      expect((await balance(dst)).EUR.ledger).toBe('9.17');

      // 2.00 EUR back: 1003 × 200 / 917 = 218.76 → 2.19 USD; then 2.50 EUR: 2.73 USD (4.92 in all: 1003 × 450 / 917 = 492.2).
      const r1 = await rpc(RPCS.walletReverse, {
        reference: 'payment:PAY-REV-1:refund:1',
        original_reference: 'payment:PAY-REV-1:capture',
        credit_minor: '200',
      });
      expect(r1).toEqual({
        journal_id: expect.stringMatching(/^jnl_\d+$/),
        reference: 'payment:PAY-REV-1:refund:1',
        replayed: false,
        debit_back: { currency: 'USD', amount_minor: '219' },
        credit_back: { currency: 'EUR', amount_minor: '200' },
      });
      const r2 = await rpc(RPCS.walletReverse, {
        reference: 'payment:PAY-REV-1:refund:2',
        original_reference: 'payment:PAY-REV-1:capture',
        credit_minor: '250',
      });
      expect(r2).toMatchObject({
        replayed: false,
        debit_back: { currency: 'USD', amount_minor: '273' },
        credit_back: { currency: 'EUR', amount_minor: '250' },
      });
      const replay = await rpc(RPCS.walletReverse, {
        reference: 'payment:PAY-REV-1:refund:1',
        original_reference: 'payment:PAY-REV-1:capture',
        credit_minor: '200',
      });
      expect(replay).toEqual({ ...r1, replayed: true });

      expect((await balance(src)).USD).toEqual({ currency: 'USD', available: '94.89', ledger: '94.89', held: '0.00' });
      expect((await balance(dst)).EUR).toEqual({ currency: 'EUR', available: '4.67', ledger: '4.67', held: '0.00' });
      const srcEntries = await entries(src);
      expect(srcEntries.map(({ kind, reference, amount, balance_after }) => ({ kind, reference, amount, balance_after }))).toEqual([
        { kind: 'reversal', reference: 'reversal:payment:PAY-REV-1:refund:2', amount: '2.73', balance_after: '94.89' },
        { kind: 'reversal', reference: 'reversal:payment:PAY-REV-1:refund:1', amount: '2.19', balance_after: '92.16' },
        { kind: 'transfer', reference: 'transfer:payment:PAY-REV-1:capture', amount: '-10.03', balance_after: '89.97' },
        { kind: 'deposit', reference: `deposit:OPEN-${src}-USD`, amount: '100.00', balance_after: '100.00' },
      ]);
      expect(srcEntries[0].journal_id).toBe(r2.journal_id);
      const dstEntries = await entries(dst, { limit: 2 });
      expect(dstEntries.map((e) => [e.kind, e.currency, e.amount, e.balance_after])).toEqual([
        ['reversal', 'EUR', '-2.50', '4.67'],
        ['reversal', 'EUR', '-2.00', '7.17'],
      ]);

      const beyond = await rpcError(
        rpc(RPCS.walletReverse, {
          reference: 'payment:PAY-REV-1:refund:3',
          original_reference: 'payment:PAY-REV-1:capture',
          credit_minor: '468',
        }),
      );
      expect(beyond.code).toBe('REVERSAL_EXCEEDS_ORIGINAL');
      const unknown = await rpcError(
        rpc(RPCS.walletReverse, { reference: 'refund:x', original_reference: 'payment:PAY-NOPE:capture', credit_minor: '1' }),
      );
      expect(unknown.code).toBe('TRANSFER_NOT_FOUND');
      expect((await balance(src)).USD.ledger).toBe('94.89');
    }, 30_000);
  });
}

/** `wallet_holds_expired_total{service="wallet"} 3` → 3 (0 when absent). */
function expiredCount(metrics: string): number {
  const m = /^wallet_holds_expired_total(?:\{[^}]*\})? (\d+)$/m.exec(metrics);
  return m ? Number(m[1]) : 0;
}
