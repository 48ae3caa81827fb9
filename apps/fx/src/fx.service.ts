import { Injectable } from '@nestjs/common';
import {
  ConversionResponse,
  ConversionResult,
  ConvertRequest,
  ConvertResponse,
  CreateConversionRequest,
  CreateQuoteRequest,
  CurrenciesResponse,
  DomainError,
  GetRateRequest,
  HttpOutcome,
  QuoteResponse,
  RateResponse,
  RatesResponse,
} from '@paygate/contracts';
import { InjectRegistry } from '@paygate/metrics';
import { convertMinor, formatAmount, listCurrencies, parseAmount } from '@paygate/money';
import { InjectRuntimeConfig, RuntimeConfig } from '@paygate/platform';
import { RequestContext } from '@paygate/transport';
import { Counter, Registry } from 'prom-client';
import { createHash, randomBytes } from 'node:crypto';
import { crossRate } from './domain/cross-rate';
import { RateSnapshot, quoteSides } from './domain/providers';
import { ConversionRow, FxRepository, QuoteRow } from './persistence/fx.repository';
import { RatesEngine } from './rates.engine';

/** A priced pair: the pivot legs, the mid crossed from them, and the sides with the pair's spread. */
interface Priced {
  mid: string;
  bid: string;
  ask: string;
  spreadBps: number;
  snapshot: RateSnapshot;
  pivotRates: Record<string, string>;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

/**
 * Rates, conversions and firm quotes. Mid rates are crossed through the pivot in exact decimals
 * and rounded once; bid/ask apply the pair's spread; every conversion applied to money is
 * recorded with what is needed to recompute it, once per reference.
 */
@Injectable()
export class FxService {
  private readonly quoteEvents: Counter<'event'>;

  constructor(
    private readonly rates: RatesEngine,
    private readonly repo: FxRepository,
    @InjectRuntimeConfig() private readonly rt: RuntimeConfig,
    @InjectRegistry() registry: Registry,
  ) {
    this.quoteEvents = new Counter({
      name: 'fx_quotes_total',
      help: 'Firm quotes: issued, used by a payment, refused as expired or as already used',
      labelNames: ['event'],
      registers: [registry],
    });
  }

  getRate(req: GetRateRequest): RateResponse {
    const { snapshot, stale } = this.rates.current();
    const p = this.price(snapshot, req.base, req.quote);
    return {
      base: req.base,
      quote: req.quote,
      rate: p.mid,
      bid: p.bid,
      ask: p.ask,
      as_of: snapshot.asOf.toISOString(),
      source: snapshot.provider,
      stale,
    };
  }

  convert(req: ConvertRequest): ConvertResponse {
    const snapshot = this.rates.fresh();
    const p = this.price(snapshot, req.from, req.to);
    const side = req.side ?? 'mid';
    const rate = p[side];
    const amount = parseAmount(req.amount, req.from);
    return {
      from: req.from,
      to: req.to,
      amount: formatAmount(amount, req.from),
      converted: formatAmount(convertMinor(amount, req.from, req.to, rate), req.to),
      rate,
      side,
      as_of: snapshot.asOf.toISOString(),
    };
  }

  listRates(base = 'EUR'): RatesResponse {
    const { snapshot, stale } = this.rates.current();
    const rates: Record<string, string> = {};
    for (const code of [snapshot.pivot, ...Object.keys(snapshot.rates)].sort()) {
      if (code === base) continue;
      rates[code] = this.price(snapshot, base, code).mid;
    }
    return { base, rates, as_of: snapshot.asOf.toISOString(), source: snapshot.provider, stale };
  }

  currencies(): CurrenciesResponse {
    const { snapshot } = this.rates.current();
    const quoted = new Set([snapshot.pivot, ...Object.keys(snapshot.rates)]);
    return {
      data: listCurrencies().map((c) => ({
        code: c.code,
        numeric: c.numeric,
        exponent: c.exponent,
        name: c.name,
        quoted: quoted.has(c.code),
      })),
      has_more: false,
      next_cursor: null,
    };
  }

  async createQuote(req: CreateQuoteRequest): Promise<HttpOutcome<QuoteResponse>> {
    const { merchantId, idempotencyKey } = RequestContext.require();
    const snapshot = this.rates.fresh();
    const p = this.price(snapshot, req.from, req.to);
    const amountMinor = req.amount === undefined ? null : parseAmount(req.amount, req.from);
    const ttlMs = req.ttl_seconds !== undefined ? req.ttl_seconds * 1000 : this.rt.fx.quoteTtlMs;
    const requestHash = createHash('sha256')
      .update(JSON.stringify([req.from, req.to, amountMinor?.toString() ?? null, req.ttl_seconds ?? null]))
      .digest('hex');
    const stored = await this.repo.createQuote({
      id: newId('qt'),
      merchantId,
      idempotencyKey: idempotencyKey ?? null,
      requestHash,
      fromCurrency: req.from,
      toCurrency: req.to,
      amountMinor,
      rate: p.ask,
      mid: p.mid,
      spreadBps: p.spreadBps,
      provider: snapshot.provider,
      pivot: snapshot.pivot,
      pivotRates: p.pivotRates,
      asOf: snapshot.asOf,
      expiresAt: new Date(Date.now() + ttlMs),
    });
    if (stored === 'reused')
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used with a different quote request');
    if (stored.created) this.quoteEvents.inc({ event: 'issued' });
    return { status: 201, replayed: !stored.created, body: quoteDto(stored.row) };
  }

  /**
   * Converts a payment's amount at the ask, or at its quote, and records it once per reference:
   * a retried payment gets its first conversion back (so a used quote is not "already used" to
   * the payment that used it).
   */
  async createConversion(req: CreateConversionRequest): Promise<ConversionResult> {
    const { merchantId } = RequestContext.require();
    // A retry gets its first conversion back: found first when it used a quote (taking the quote
    // again could be refused as expired), else on the insert's conflict, so a new conversion
    // is one statement. If pricing fails now, an earlier conversion still answers.
    if (req.quote_id) {
      const earlier = await this.repo.conversionByReference(merchantId, req.reference);
      if (earlier) return conversionResult(earlier);
    }
    const amountMinor = BigInt(req.amount_minor);
    let priced: {
      rate: string;
      mid: string;
      spreadBps: number;
      provider: string;
      pivot: string;
      pivotRates: Record<string, string>;
      asOf: Date;
      quoteId: string | null;
    };
    if (req.quote_id) {
      const q = await this.takeQuote(merchantId, req.quote_id, req.reference, req.from, req.to);
      priced = {
        rate: q.rate,
        mid: q.mid,
        spreadBps: q.spreadBps,
        provider: q.provider,
        pivot: q.pivot,
        pivotRates: q.pivotRates as Record<string, string>,
        asOf: q.asOf,
        quoteId: q.id,
      };
    } else {
      let snapshot: RateSnapshot;
      let p: Priced;
      try {
        snapshot = this.rates.fresh();
        p = this.price(snapshot, req.from, req.to);
      } catch (e) {
        const earlier = await this.repo.conversionByReference(merchantId, req.reference);
        if (earlier) return conversionResult(earlier);
        throw e;
      }
      priced = {
        rate: p.ask,
        mid: p.mid,
        spreadBps: p.spreadBps,
        provider: snapshot.provider,
        pivot: snapshot.pivot,
        pivotRates: p.pivotRates,
        asOf: snapshot.asOf,
        quoteId: null,
      };
    }
    const converted = convertMinor(amountMinor, req.from, req.to, priced.rate);
    const atMid = convertMinor(amountMinor, req.from, req.to, priced.mid);
    const { row } = await this.repo.recordConversion({
      id: newId('cnv'),
      merchantId,
      reference: req.reference,
      fromCurrency: req.from,
      toCurrency: req.to,
      amountMinor,
      convertedMinor: converted,
      convertedAtMidMinor: atMid,
      rate: priced.rate,
      mid: priced.mid,
      spreadBps: priced.spreadBps,
      side: 'ask',
      provider: priced.provider,
      pivot: priced.pivot,
      pivotRates: priced.pivotRates,
      quoteId: priced.quoteId,
      asOf: priced.asOf,
    });
    return conversionResult(row);
  }

  async getConversion(id: string): Promise<ConversionResponse> {
    const row = await this.repo.conversion(RequestContext.require().merchantId, id);
    if (!row) throw new DomainError('CONVERSION_NOT_FOUND', `No conversion ${id}`);
    return conversionDto(row);
  }

  private async takeQuote(merchantId: string, id: string, reference: string, from: string, to: string): Promise<QuoteRow> {
    const q = await this.repo.quote(merchantId, id);
    if (!q) throw new DomainError('QUOTE_NOT_FOUND', `No quote ${id}`);
    if (q.fromCurrency.trim() !== from || q.toCurrency.trim() !== to) {
      throw new DomainError(
        'QUOTE_NOT_APPLICABLE',
        `Quote ${id} is for ${q.fromCurrency}→${q.toCurrency}; this payment converts ${from}→${to}`,
      );
    }
    const taken = await this.repo.useQuote(merchantId, id, reference, new Date());
    if (taken) {
      if (q.usedBy === null) this.quoteEvents.inc({ event: 'used' });
      return taken;
    }
    const now = await this.repo.quote(merchantId, id);
    if (now?.usedBy && now.usedBy !== reference) {
      this.quoteEvents.inc({ event: 'refused_used' });
      throw new DomainError('QUOTE_USED', `Quote ${id} was already used by another payment`);
    }
    this.quoteEvents.inc({ event: 'refused_expired' });
    throw new DomainError('QUOTE_EXPIRED', `Quote ${id} expired at ${q.expiresAt.toISOString()}`);
  }

  /** Mid, bid and ask of a pair from one snapshot; RATE_UNAVAILABLE when a leg is not quoted. */
  private price(snapshot: RateSnapshot, base: string, quote: string): Priced {
    const mid = crossRate(snapshot, base, quote);
    if (mid === undefined) {
      throw new DomainError('RATE_UNAVAILABLE', `No rate for ${base}/${quote}: the ${snapshot.provider} source does not quote it`);
    }
    const spreadBps = base === quote ? 0 : this.rates.spreadOf(base, quote);
    const sides = quoteSides(mid, spreadBps);
    const leg = (c: string) => (c === snapshot.pivot ? '1' : snapshot.rates[c]);
    return { mid, bid: sides.bid, ask: sides.ask, spreadBps, snapshot, pivotRates: { [base]: leg(base), [quote]: leg(quote) } };
  }
}

function quoteDto(q: QuoteRow): QuoteResponse {
  const from = q.fromCurrency.trim();
  const to = q.toCurrency.trim();
  const expired = q.usedBy === null && q.expiresAt.getTime() <= Date.now();
  return {
    quote_id: q.id,
    from,
    to,
    rate: q.rate,
    mid: q.mid,
    spread_bps: q.spreadBps,
    amount: q.amountMinor === null ? null : formatAmount(q.amountMinor, from),
    converted: q.amountMinor === null ? null : formatAmount(convertMinor(q.amountMinor, from, to, q.rate), to),
    source: q.provider,
    as_of: q.asOf.toISOString(),
    expires_at: q.expiresAt.toISOString(),
    status: q.usedBy ? 'used' : expired ? 'expired' : 'open',
    used_by: q.usedBy,
  };
}

function conversionDto(c: ConversionRow): ConversionResponse {
  const from = c.fromCurrency.trim();
  const to = c.toCurrency.trim();
  return {
    conversion_id: c.id,
    reference: c.reference,
    from,
    to,
    amount: formatAmount(c.amountMinor, from),
    converted: formatAmount(c.convertedMinor, to),
    rate: c.rate,
    mid: c.mid,
    converted_at_mid: formatAmount(c.convertedAtMidMinor, to),
    revenue: formatAmount(c.convertedMinor - c.convertedAtMidMinor, to),
    spread_bps: c.spreadBps,
    side: c.side,
    provider: c.provider,
    pivot: (c.pivot ?? '').trim(),
    pivot_rates: c.pivotRates as Record<string, string>,
    quote_id: c.quoteId,
    as_of: c.asOf.toISOString(),
    created_at: c.createdAt.toISOString(),
  };
}

function conversionResult(c: ConversionRow): ConversionResult {
  return {
    ...conversionDto(c),
    converted_minor: c.convertedMinor.toString(),
    revenue_minor: (c.convertedMinor - c.convertedAtMidMinor).toString(),
  };
}
