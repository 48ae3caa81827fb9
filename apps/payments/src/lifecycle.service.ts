import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  CapturePaymentRequest,
  EventListResponse,
  ListEventsRequest,
  DomainError,
  HttpOutcome,
  ListPaymentsRequest,
  MinorAmount,
  PaymentDto,
  PaymentListResponse,
  PaymentStatus,
  RPCS,
  RefundDto,
  RefundListResponse,
  RefundPaymentRequest,
  ReviewPaymentRequest,
} from '@paygate/contracts';
import { MoneyError, formatAmount, parseAmount } from '@paygate/money';
import { RequestContext } from '@paygate/transport';
import { Dependencies } from './dependencies';
import { randomBytes } from 'node:crypto';
import { shareOf } from './domain/lifecycle';
import { walletReference } from './domain/payment';
import { IDEMPOTENCY_RETENTION_MS, IdempotencyService } from './idempotency.service';
import { PaymentRow, PaymentsRepository, RefundRow } from './persistence/payments.repository';
import { eventDto } from './outbox.relay';
import { toDto } from './payments.service';

const log = new Logger('PaymentLifecycle');

/** How often lapsed authorizations and reviews are resolved, and old idempotency keys purged. */
export const LIFECYCLE_SWEEP_MS = 2000;

type StoredFx = { revenue_minor?: string } | null;

/**
 * What happens to a payment after it was made: capture (in full or in part) or cancel an
 * authorization, approve or decline a review, refund at the original rate; and the sweep that
 * cancels authorizations and declines reviews whose time ran out. Each step calls the wallet
 * (idempotent on the payment's references) and then records the transition with its reason.
 */
@Injectable()
export class LifecycleService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly repo: PaymentsRepository,
    private readonly deps: Dependencies,
    private readonly idempotency: IdempotencyService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), LIFECYCLE_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async capture(req: CapturePaymentRequest): Promise<HttpOutcome<PaymentDto>> {
    return this.idempotency.run('capture', req, async () => {
      const p = await this.payment(req.id);
      this.expect(p, ['AUTHORIZED'], 'captured');
      const amount = req.amount === undefined ? p.amountMinor : this.amountOf(req.amount, p.currency.trim());
      if (amount > p.amountMinor) {
        throw new DomainError('AMOUNT_EXCEEDS_AUTHORIZED', `Payment ${p.id} authorized ${formatAmount(p.amountMinor, p.currency.trim())}`, [
          { field: 'amount', reason: 'AMOUNT_EXCEEDS_AUTHORIZED', message: 'more than was authorized' },
        ]);
      }
      return { status: 200, body: toDto(await this.captureHold(p, amount, 'captured')) };
    });
  }

  async cancel(req: { id: string }): Promise<HttpOutcome<PaymentDto>> {
    return this.idempotency.run('cancel', req, async () => {
      const p = await this.payment(req.id);
      this.expect(p, ['AUTHORIZED'], 'canceled');
      return { status: 200, body: toDto(await this.releaseHold(p, 'CANCELED', 'canceled')) };
    });
  }

  async review(req: ReviewPaymentRequest): Promise<HttpOutcome<PaymentDto>> {
    return this.idempotency.run('review', req, async () => {
      const p = await this.payment(req.id);
      this.expect(p, ['PENDING'], 'reviewed');
      const reason = `review: ${req.action}${req.reason ? ` (${req.reason})` : ''}`;
      if (req.action === 'decline') return { status: 200, body: toDto(await this.releaseHold(p, 'FAILED', reason)) };
      if (p.captureMethod === 'manual') {
        // Approved, not yet captured: it becomes an authorization with its own lifetime.
        const row = await this.repo.transition(p.merchantId, p.id, ['PENDING'], 'AUTHORIZED', reason);
        return { status: 200, body: toDto(row ?? (await this.payment(p.id))) };
      }
      return { status: 200, body: toDto(await this.captureHold(p, p.amountMinor, reason, ['PENDING'])) };
    });
  }

  async refund(req: RefundPaymentRequest): Promise<HttpOutcome<RefundDto>> {
    return this.idempotency.run('refund', req, async () => {
      const p = await this.payment(req.id);
      this.expect(p, ['CAPTURED', 'PARTIALLY_REFUNDED'], 'refunded');
      const currency = p.currency.trim();
      const remaining = (p.capturedAmountMinor ?? p.amountMinor) - p.refundedAmountMinor;
      const amount = req.amount === undefined ? remaining : this.amountOf(req.amount, currency);
      if (amount > remaining) {
        throw new DomainError(
          'REFUND_EXCEEDS_CAPTURED',
          `Only ${formatAmount(remaining, currency)} ${currency} of payment ${p.id} is left to refund`,
          [{ field: 'amount', reason: 'REFUND_EXCEEDS_CAPTURED', message: `at most ${formatAmount(remaining, currency)}` }],
        );
      }
      const refund = await this.repo.insertRefund({
        id: `re_${randomBytes(8).toString('hex')}`,
        merchantId: p.merchantId,
        paymentId: p.id,
        amountMinor: amount,
        status: 'pending',
      });
      let back: { debit_back: MinorAmount };
      try {
        back = await this.deps.call(RPCS.walletReverse, {
          reference: `${walletReference(p.id, 'capture')}:refund:${refund.id}`,
          original_reference: walletReference(p.id, 'capture'),
          credit_minor: amount.toString(),
        });
      } catch (err) {
        const e = DomainError.fromWire(err);
        if (
          e.code === 'REVERSAL_EXCEEDS_ORIGINAL' ||
          e.code === 'INSUFFICIENT_FUNDS' ||
          e.code === 'ACCOUNT_FROZEN' ||
          e.code === 'ACCOUNT_CLOSED'
        ) {
          await this.repo.updateRefund(p.merchantId, refund.id, { status: 'failed', failureCode: e.code });
          throw e.code === 'REVERSAL_EXCEEDS_ORIGINAL' ? new DomainError('REFUND_EXCEEDS_CAPTURED', e.message) : e;
        }
        throw e; // an outage: the refund stays pending; the same Idempotency-Key resumes it
      }
      const done = await this.repo.updateRefund(p.merchantId, refund.id, {
        status: 'succeeded',
        debitBackMinor: BigInt(back.debit_back.amount_minor),
      });
      await this.repo.applyRefund(p.merchantId, p.id, amount, refund.id);
      return { status: 201, body: refundDto(done, p) };
    });
  }

  async events(req: ListEventsRequest): Promise<EventListResponse> {
    const { merchantId } = RequestContext.require();
    const limit = req.limit ?? 20;
    const before = req.starting_after ? BigInt(req.starting_after.slice(4)) : undefined;
    const page = await this.repo.listEvents(merchantId, limit, req.payment_id, before);
    const data = page.rows.map(eventDto);
    return { data, has_more: page.hasMore, next_cursor: page.hasMore ? data[data.length - 1].id : null };
  }

  async refunds(id: string): Promise<RefundListResponse> {
    const p = await this.payment(id);
    const rows = await this.repo.refundsOf(p.merchantId, p.id);
    return { data: rows.map((r) => refundDto(r, p)), has_more: false, next_cursor: null };
  }

  async list(req: ListPaymentsRequest): Promise<PaymentListResponse> {
    const { merchantId } = RequestContext.require();
    const limit = req.limit ?? 20;
    const cursor = req.starting_after ? decodeCursor(req.starting_after) : undefined;
    const page = await this.repo.list(merchantId, limit, req.account, cursor);
    const last = page.rows[page.rows.length - 1];
    return { data: page.rows.map(toDto), has_more: page.hasMore, next_cursor: page.hasMore && last ? encodeCursor(last) : null };
  }

  /** Cancels authorizations and declines reviews whose time ran out; purges old idempotency keys. */
  async sweep(now = new Date()): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    let n = 0;
    try {
      for (const p of await this.repo.lapsed(now)) {
        await RequestContext.run({ requestId: `sweep_${p.id}`, merchantId: p.merchantId, deadline: Date.now() + 10_000 }, async () => {
          if (p.status === 'AUTHORIZED') await this.releaseHold(p, 'CANCELED', 'authorization expired');
          else await this.releaseHold(p, 'FAILED', 'review timed out');
          n += 1;
        });
      }
      await this.repo.purgeKeys(new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS));
    } catch (e) {
      log.warn(`lifecycle sweep: ${(e as Error).message}`);
    } finally {
      this.sweeping = false;
    }
    return n;
  }

  /** Captures `amount` (payment currency) of the hold: the debit and FX revenue in proportion, the rest released. */
  private async captureHold(p: PaymentRow, amount: bigint, reason: string, from: PaymentStatus[] = ['AUTHORIZED']): Promise<PaymentRow> {
    const currency = p.currency.trim();
    const debitCurrency = p.debitCurrency!.trim();
    const debit = shareOf(p.debitAmountMinor!, amount, p.amountMinor, debitCurrency);
    const revenue = shareOf(BigInt((p.fx as StoredFx)?.revenue_minor ?? '0'), amount, p.amountMinor, debitCurrency);
    await this.deps.call(RPCS.walletCaptureHold, {
      hold_reference: walletReference(p.id, 'hold'),
      reference: walletReference(p.id, 'capture'),
      destination_account: p.destinationAccount,
      amount_minor: debit.toString(),
      credit: { currency, amount_minor: amount.toString() },
      ...(revenue > 0n ? { fx_revenue: { currency: debitCurrency, amount_minor: revenue.toString() } } : {}),
    });
    const row = await this.repo.transition(p.merchantId, p.id, from, 'CAPTURED', reason, {
      capturedAmountMinor: amount,
      debitAmountMinor: debit,
      creditAmountMinor: amount,
      expiresAt: null,
    });
    return row ?? (await this.payment(p.id));
  }

  private async releaseHold(p: PaymentRow, to: 'CANCELED' | 'FAILED', reason: string): Promise<PaymentRow> {
    await this.deps.call(RPCS.walletReleaseHold, { hold_reference: walletReference(p.id, 'hold') });
    const failure = to === 'FAILED' ? { failureCode: 'RISK_DECLINED', failureMessage: `Declined in risk review (${reason})` } : {};
    const row = await this.repo.transition(p.merchantId, p.id, [p.status], to, reason, { ...failure, expiresAt: null });
    return row ?? (await this.payment(p.id));
  }

  private async payment(id: string): Promise<PaymentRow> {
    const { merchantId } = RequestContext.require();
    const row = await this.repo.find(merchantId, id);
    if (!row) throw new DomainError('PAYMENT_NOT_FOUND', `No payment ${id}`);
    return row;
  }

  private expect(p: PaymentRow, allowed: PaymentStatus[], verb: string): void {
    const status = p.status as PaymentStatus;
    if (!allowed.includes(status)) {
      throw new DomainError(
        'INVALID_PAYMENT_STATE',
        `Payment ${p.id} is ${status}: only a ${allowed.join(' or ')} payment can be ${verb}`,
        [{ reason: 'INVALID_PAYMENT_STATE', message: `status is ${status}`, status, allowed }],
      );
    }
  }

  private amountOf(text: string, currency: string): bigint {
    try {
      return parseAmount(text, currency);
    } catch (e) {
      if (e instanceof MoneyError)
        throw new DomainError('VALIDATION_ERROR', e.message, [{ field: 'amount', reason: e.code, message: e.message }]);
      throw e;
    }
  }
}

function refundDto(r: RefundRow, p: PaymentRow): RefundDto {
  const currency = p.currency.trim();
  const debitCurrency = p.debitCurrency?.trim();
  return {
    refund_id: r.id,
    payment_id: r.paymentId,
    currency,
    amount: formatAmount(r.amountMinor, currency),
    debit_back:
      r.debitBackMinor !== null && debitCurrency
        ? { currency: debitCurrency, amount: formatAmount(r.debitBackMinor, debitCurrency) }
        : null,
    status: r.status,
    failure_code: r.failureCode,
    created_at: r.createdAt.toISOString(),
  };
}

function encodeCursor(row: PaymentRow): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(text: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    if (Number.isNaN(createdAt.getTime()) || typeof id !== 'string') throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw new DomainError('VALIDATION_ERROR', 'starting_after is not a cursor this API returned', [
      { field: 'starting_after', reason: 'INVALID_CURSOR', message: 'use next_cursor from the previous page' },
    ]);
  }
}
