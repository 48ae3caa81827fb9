import { Injectable, Logger } from '@nestjs/common';
import {
  CreatePaymentRequest,
  DomainError,
  ErrorDetail,
  HttpOutcome,
  PaymentDto,
  PaymentFailureCode,
  PaymentFxDto,
  PaymentStatus,
  ROUTES,
  RPCS,
  ResolvedAccount,
  ScoreResponse,
} from '@paygate/contracts';
import { formatAmount, parseAmount } from '@paygate/money';
import { InjectRuntimeConfig, RuntimeConfig, crashPoint } from '@paygate/platform';
import { RequestContext, STORE_UNAVAILABLE, toDomainError } from '@paygate/transport';
import { Dependencies } from './dependencies';
import {
  WalletVerdict,
  debitCurrencyFor,
  declineCodeOf,
  httpStatusOfPayment,
  requestHash,
  statusAfterMoneyStep,
  walletReference,
} from './domain/payment';
import { Attempt, Outcome, PaymentRow, PaymentsRepository, attemptOf } from './persistence/payments.repository';

const log = new Logger('Payments');

/** How long after the caller's deadline an unfinished attempt still owns its payment. */
const LEASE_GRACE_MS = 5_000;

/**
 * A hold outlives its payment's deadline a little: the payments sweep cancels (or declines) the
 * payment first, which releases the hold; the wallet's own expiry is the backstop.
 */
const HOLD_EXPIRY_MARGIN_MS = 60_000;

interface Progress {
  /** This attempt's claim on the payment: every write is fenced by it. */
  attempt: Attempt;
  risk?: ScoreResponse;
  /** What an earlier attempt of this payment left in the wallet ('nothing' for a new payment). */
  earlier: WalletVerdict;
  /** Set once this attempt has asked the wallet, or an earlier one did: money may have moved. */
  moneyStep: boolean;
}

/**
 * Orchestrates a payment: record it PROCESSING, then accounts → risk → FX (only when the debit
 * is in another currency) → wallet, each a remote call with the request's deadline and no
 * database transaction held across it. Declines are stored as FAILED and replayed; outages
 * before the money step store nothing (503), so a retry runs the payment again.
 *
 * Nothing is written between the claim and the final state: every step is idempotent by the
 * payment id (risk records one decision per payment, FX one conversion, the wallet one journal or
 * hold per reference). An attempt that takes over a payment left PROCESSING (a crash, a lost
 * lease) first asks the wallet what was posted; if money moved, it runs the same steps again to
 * get the same decisions back and records the outcome the wallet shows, without asking it to
 * move anything.
 */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly repo: PaymentsRepository,
    private readonly deps: Dependencies,
    @InjectRuntimeConfig() private readonly rt: RuntimeConfig,
  ) {}

  async create(req: CreatePaymentRequest): Promise<HttpOutcome<PaymentDto>> {
    const env = RequestContext.require();
    if (req.source_account === req.destination_account) {
      const message = 'destination_account must differ from source_account';
      throw new DomainError('VALIDATION_ERROR', message, [{ field: 'destination_account', reason: 'SAME_ACCOUNT', message }]);
    }
    const intent = {
      id: req.id,
      currency: req.currency,
      amountMinor: parseAmount(req.amount, req.currency),
      sourceAccount: req.source_account,
      destinationAccount: req.destination_account,
      metadata: req.metadata ?? {},
      quoteId: req.quote_id ?? null,
      captureMethod: req.capture === false ? ('manual' as const) : ('automatic' as const),
    };
    const claim = await this.repo.claim(
      env.merchantId,
      { ...intent, idempotencyKey: env.idempotencyKey ?? req.id, requestHash: requestHash(intent) },
      new Date(env.deadline + (this.rt.payments.leaseGraceMs ?? LEASE_GRACE_MS)),
      new Date(),
    );
    switch (claim.kind) {
      case 'id_exists':
        throw new DomainError('PAYMENT_ID_EXISTS', `Payment ${req.id} already exists (created with another idempotency key)`);
      case 'key_reused':
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used with a different request body');
      case 'in_progress':
        throw new DomainError('IDEMPOTENCY_IN_PROGRESS', `Payment ${claim.row.id} is still being processed; retry shortly`);
      case 'done':
        return { status: httpStatusOfPayment(claim.row.status as PaymentStatus), replayed: true, body: toDto(claim.row) };
      case 'owned': {
        crashPoint('after_payment_stored');
        const row = await this.run(claim.row, claim.resumed ? await this.walletVerdict(claim.row) : 'nothing');
        crashPoint('after_payment_final');
        return { status: httpStatusOfPayment(row.status as PaymentStatus), body: toDto(row) };
      }
    }
  }

  async get(id: string): Promise<PaymentDto> {
    const row = await this.repo.find(RequestContext.require().merchantId, id);
    if (!row) throw new DomainError('PAYMENT_NOT_FOUND', `No payment ${id}`);
    return toDto(row);
  }

  /**
   * Recovery of a payment left PROCESSING, taken over by the caller (its lease): no money moved →
   * forgotten, as any outage before the money step (a retry by its client runs it anew); else
   * the final state the wallet shows, with the decisions that led to it.
   */
  async recover(row: PaymentRow): Promise<PaymentStatus | 'forgotten'> {
    const verdict = await this.walletVerdict(row);
    if (verdict === 'nothing') {
      await this.repo.release(attemptOf(row));
      return 'forgotten';
    }
    return (await this.run(row, verdict)).status as PaymentStatus;
  }

  /** What the wallet posted under the payment's references (a resumed payment's earlier attempts). */
  private async walletVerdict(row: PaymentRow): Promise<WalletVerdict> {
    const found = await this.deps.call(RPCS.walletLookup, {
      journal_references: [`transfer:${walletReference(row.id, 'capture')}`],
      hold_references: [walletReference(row.id, 'hold')],
    });
    return found.journals.length > 0 ? 'captured' : found.holds.some((h) => h.status === 'active') ? 'held' : 'nothing';
  }

  private async run(row: PaymentRow, earlier: WalletVerdict): Promise<PaymentRow> {
    const earlierMoneyStep = earlier !== 'nothing';
    const progress: Progress = { attempt: attemptOf(row), earlier, moneyStep: earlierMoneyStep };
    try {
      return await this.steps(row, progress);
    } catch (err) {
      // toDomainError, not fromWire: this service's own database failing (a lost connection) is
      // an outage (503), not an INTERNAL_ERROR.
      const e = toDomainError(err);
      const decline = declineCodeOf(e.code);
      if (decline && earlierMoneyStep) {
        // Money moved in an earlier attempt: nothing declines the payment now. Left PROCESSING; the
        // recovery sweep (or the client's retry) settles it once the cause is gone.
        log.warn(`payment ${row.id}: money moved, but gathering its decisions failed (${e.code}); left PROCESSING`);
        throw new DomainError('SERVICE_UNAVAILABLE', `Payment ${row.id} is being recovered; retry shortly`);
      }
      if (decline) return this.fail(row, decline, e.message, progress, e.details);
      // Nothing moved if the wallet was never asked, or nobody was there to answer ("no
      // responders"): forget the attempt, so the caller's retry with the same key runs again.
      // (A lost database connection is also 503 SERVICE_UNAVAILABLE, but the wallet may have committed.)
      const noResponder = e.code === 'SERVICE_UNAVAILABLE' && !e.details.some((d) => d.reason === STORE_UNAVAILABLE);
      if (!earlierMoneyStep && (!progress.moneyStep || noResponder)) {
        await this.repo.release(progress.attempt);
      } else {
        log.warn(`payment ${row.id}: outcome of the wallet step unknown (${e.code}); left PROCESSING for a retry after its lease`);
      }
      throw e;
    }
  }

  private async steps(row: PaymentRow, progress: Progress): Promise<PaymentRow> {
    const currency = row.currency.trim();
    const amount = formatAmount(row.amountMinor, currency);

    const accounts = await this.deps.call(RPCS.walletResolveAccounts, {
      source_account: row.sourceAccount,
      destination_account: row.destinationAccount,
    });
    // Once money moved, the steps only collect the decisions already made: nothing may refuse it now.
    const decide = progress.earlier === 'nothing';
    for (const a of [accounts.source, accounts.destination]) {
      if (decide && a.status !== 'active') {
        const code: PaymentFailureCode = a.status === 'closed' ? 'ACCOUNT_CLOSED' : 'ACCOUNT_FROZEN';
        return this.fail(row, code, `Account ${a.account_id} is ${a.status}`, progress);
      }
    }

    progress.risk = await this.deps.call(ROUTES.riskScore, {
      account: row.sourceAccount,
      amount,
      currency,
      destination: row.destinationAccount,
      payment_id: row.id,
      // The currency the source will be debited in: the corridor the rules see.
      source_currency: debitCurrencyFor(currency, accounts.source),
    });
    crashPoint('after_risk');
    if (decide && progress.risk.decision === 'DECLINE') {
      return this.fail(row, 'RISK_DECLINED', `Declined by the risk rules (score ${progress.risk.score})`, progress);
    }

    const money = await this.price(row, accounts.source);
    // Converted at mid, the amount must still be worth a minor unit of the debit currency.
    if (decide && money.debit.minor - money.revenue <= 0n) {
      const message = `${amount} ${currency} converts to nothing in ${money.debit.currency}`;
      return this.fail(row, 'AMOUNT_TOO_SMALL', message, progress);
    }
    const decided: Partial<Outcome> = {
      debitCurrency: money.debit.currency,
      debitAmountMinor: money.debit.minor,
      creditCurrency: currency,
      creditAmountMinor: row.amountMinor,
      fx: money.fx,
      risk: riskOf(progress.risk),
    };
    if (progress.earlier !== 'nothing') {
      const status = statusAfterMoneyStep(row.captureMethod, progress.risk.decision, progress.earlier);
      return this.settle(progress, {
        ...decided,
        status,
        ...(status === 'CAPTURED' ? { capturedAmountMinor: row.amountMinor } : {}),
      } as Outcome);
    }
    progress.moneyStep = true;
    crashPoint('before_wallet_call');

    if (progress.risk.decision === 'REVIEW' || row.captureMethod === 'manual') {
      // Funds on hold: for the risk review (PENDING), or until captured (AUTHORIZED).
      const review = progress.risk.decision === 'REVIEW';
      const expiresAt = new Date(Date.now() + (review ? this.rt.payments.reviewTimeoutMs : this.rt.payments.authorizationTtlMs));
      await this.deps.call(RPCS.walletHold, {
        reference: walletReference(row.id, 'hold'),
        account_id: row.sourceAccount,
        amount: { currency: money.debit.currency, amount_minor: money.debit.minor.toString() },
        expires_at: new Date(expiresAt.getTime() + HOLD_EXPIRY_MARGIN_MS).toISOString(),
      });
      crashPoint('after_wallet_reply');
      return this.settle(progress, { ...decided, status: review ? 'PENDING' : 'AUTHORIZED', expiresAt } as Outcome);
    }
    await this.deps.call(RPCS.walletTransfer, {
      reference: walletReference(row.id, 'capture'),
      source_account: row.sourceAccount,
      destination_account: row.destinationAccount,
      debit: { currency: money.debit.currency, amount_minor: money.debit.minor.toString() },
      credit: { currency, amount_minor: row.amountMinor.toString() },
      ...(money.revenue > 0n ? { fx_revenue: { currency: money.debit.currency, amount_minor: money.revenue.toString() } } : {}),
    });
    crashPoint('after_wallet_reply');
    return this.settle(progress, { ...decided, status: 'CAPTURED', capturedAmountMinor: row.amountMinor } as Outcome);
  }

  /**
   * The debit: the payment currency if the source holds it, else its default currency converted
   * once by the FX service at its ask (or at the payment's quote), recorded there under the
   * payment id, so a retry gets the same conversion back.
   */
  private async price(row: PaymentRow, source: ResolvedAccount): Promise<Money> {
    const currency = row.currency.trim();
    const debitCurrency = debitCurrencyFor(currency, source);
    if (debitCurrency === currency) {
      if (row.quoteId) {
        throw new DomainError('QUOTE_NOT_APPLICABLE', `Payment ${row.id} needs no conversion: ${row.sourceAccount} holds ${currency}`, [
          { field: 'quote_id', reason: 'QUOTE_NOT_APPLICABLE', message: `the source pays in ${currency}, no conversion to quote` },
        ]);
      }
      return { debit: { currency, minor: row.amountMinor }, revenue: 0n, fx: null };
    }
    // No progress write before it: the conversion is recorded once under the payment id, so a
    // resumed attempt gets the same one back.
    const conv = await this.deps.call(RPCS.fxCreateConversion, {
      reference: row.id,
      from: currency,
      to: debitCurrency,
      amount_minor: row.amountMinor.toString(),
      ...(row.quoteId ? { quote_id: row.quoteId } : {}),
    });
    crashPoint('after_fx_conversion');
    const revenue = BigInt(conv.revenue_minor);
    return {
      debit: { currency: debitCurrency, minor: BigInt(conv.converted_minor) },
      revenue,
      fx: {
        rate: conv.rate,
        quote_id: conv.quote_id,
        conversion_id: conv.conversion_id,
        as_of: conv.as_of,
        revenue_minor: revenue.toString(),
      },
    };
  }

  /**
   * Writes the final state under this attempt's lease. An attempt that lost its lease (it ran
   * past it and a retry took over) changes nothing: it answers what the payment is now.
   */
  private async settle(progress: Progress, outcome: Outcome): Promise<PaymentRow> {
    const row = await this.repo.finish(progress.attempt, outcome);
    if (row) return row;
    const current = await this.repo.find(progress.attempt.merchantId, progress.attempt.id);
    if (current && current.status !== 'PROCESSING') return current;
    throw new DomainError('IDEMPOTENCY_IN_PROGRESS', `Payment ${progress.attempt.id} was taken over by a retry; retry shortly`);
  }

  private async fail(
    row: PaymentRow,
    code: PaymentFailureCode,
    message: string,
    progress: Progress,
    details: ErrorDetail[] = [],
  ): Promise<PaymentRow> {
    const insufficient = code === 'INSUFFICIENT_FUNDS' ? details.find((d) => d.reason === 'INSUFFICIENT_FUNDS') : undefined;
    return this.settle(progress, {
      status: 'FAILED',
      failureCode: code,
      failureMessage: message,
      failureDetails: insufficient
        ? { currency: insufficient.currency, available: insufficient.available, required: insufficient.required }
        : null,
      risk: progress.risk ? riskOf(progress.risk) : null,
    });
  }
}

function riskOf(r: ScoreResponse) {
  return { score: r.score, decision: r.decision, reasons: r.reasons, rules_version: r.rules_version };
}

/** What a payment debits: the amount, the FX spread inside it, and the conversion (null when none). */
interface Money {
  debit: { currency: string; minor: bigint };
  revenue: bigint;
  fx: StoredFx | null;
}

/** The payment's `fx` as stored: the API's fields plus the spread it earned (minor units of the debit). */
type StoredFx = PaymentFxDto & { revenue_minor?: string };

function amountOf(currency: string | null, minor: bigint | null) {
  if (!currency || minor === null) return null;
  const c = currency.trim();
  return { currency: c, amount: formatAmount(minor, c) };
}

function fxOf(fx: PaymentFxDto | null): PaymentFxDto | null {
  return fx && { rate: fx.rate, quote_id: fx.quote_id, conversion_id: fx.conversion_id, as_of: fx.as_of };
}

/** The payment object, as the API shows it. */
export function toDto(row: PaymentRow): PaymentDto {
  const currency = row.currency.trim();
  const risk = row.risk as (ScoreResponse & { rules_version?: string }) | null;
  return {
    id: row.id,
    status: row.status as PaymentStatus,
    currency,
    amount: formatAmount(row.amountMinor, currency),
    source_account: row.sourceAccount,
    destination_account: row.destinationAccount,
    debit: row.status === 'FAILED' ? null : amountOf(row.debitCurrency, row.debitAmountMinor),
    credit: row.status === 'FAILED' ? null : amountOf(row.creditCurrency, row.creditAmountMinor),
    fx: row.status === 'FAILED' ? null : fxOf(row.fx as PaymentFxDto | null),
    // Stored as jsonb (which orders keys its own way): rebuilt here in the documented order.
    risk: risk
      ? {
          score: risk.score,
          decision: risk.decision,
          reasons: risk.reasons.map((r) => ({ code: r.code, weight: r.weight, detail: r.detail })),
        }
      : null,
    failure_code: (row.failureCode as PaymentFailureCode | null) ?? null,
    failure_message: row.failureMessage ?? null,
    failure_details: (row.failureDetails as PaymentDto['failure_details']) ?? null,
    capture_method: row.captureMethod as PaymentDto['capture_method'],
    amount_captured: row.capturedAmountMinor === null ? null : formatAmount(row.capturedAmountMinor, currency),
    amount_refunded: formatAmount(row.refundedAmountMinor, currency),
    expires_at: row.expiresAt && (row.status === 'AUTHORIZED' || row.status === 'PENDING') ? row.expiresAt.toISOString() : null,
    metadata: (row.metadata as Record<string, string>) ?? {},
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
