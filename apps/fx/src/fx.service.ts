import { Injectable } from '@nestjs/common';
import { ConvertRequest, ConvertResponse, DomainError, GetRateRequest, RateResponse } from '@paygate/contracts';
import { convertMinor, formatAmount, parseAmount } from '@paygate/money';
import { crossRate } from './domain/cross-rate';
import { ECB_REFERENCE_SNAPSHOT } from './domain/ecb-snapshot.data';

/**
 * Rates and conversions. For now the only provider is the bundled ECB reference snapshot (a
 * dated reference: no spread, never stale); the live feed and failover build on this shape.
 */
@Injectable()
export class FxService {
  private readonly snapshot = ECB_REFERENCE_SNAPSHOT;

  getRate(req: GetRateRequest): RateResponse {
    const rate = this.rateOrFail(req.base, req.quote);
    return {
      base: req.base,
      quote: req.quote,
      rate,
      bid: rate,
      ask: rate,
      as_of: this.snapshot.asOf,
      source: this.snapshot.source,
      stale: false,
    };
  }

  convert(req: ConvertRequest): ConvertResponse {
    const rate = this.rateOrFail(req.from, req.to);
    const amount = parseAmount(req.amount, req.from);
    const converted = convertMinor(amount, req.from, req.to, rate);
    return {
      from: req.from,
      to: req.to,
      amount: formatAmount(amount, req.from),
      converted: formatAmount(converted, req.to),
      rate,
      side: req.side ?? 'mid',
      as_of: this.snapshot.asOf,
    };
  }

  private rateOrFail(base: string, quote: string): string {
    const rate = crossRate(this.snapshot, base, quote);
    if (rate === undefined) {
      throw new DomainError('RATE_UNAVAILABLE', `No rate for ${base}/${quote}: the ${this.snapshot.source} source does not quote it`);
    }
    return rate;
  }
}
