import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ROUTES, ScoreRequest, ScoreResponse } from '@paygate/contracts';
import { convertMinor, parseAmount } from '@paygate/money';
import { RequestContext, RpcClient } from '@paygate/transport';
import { RiskFeatures, evaluate } from './domain';
import { RiskRepository } from './persistence/risk.repository';
import { RulesProvider } from './rules.provider';

const log = new Logger('Risk');
const RATE_CACHE_MS = 60_000;

/**
 * Scores a transaction: features from the request, the account's recorded history (velocity,
 * destinations) and the amount in the rules' reference currency; then the rules file decides.
 */
@Injectable()
export class RiskService {
  private readonly rates = new Map<string, { rate: string; until: number }>();

  constructor(
    private readonly repo: RiskRepository,
    private readonly rules: RulesProvider,
    private readonly rpc: RpcClient,
  ) {}

  async score(req: ScoreRequest): Promise<ScoreResponse> {
    const { merchantId } = RequestContext.require();
    const rules = this.rules.current();
    const amountMinor = parseAmount(req.amount, req.currency);
    if (req.payment_id) {
      const earlier = await this.repo.recorded(merchantId, req.payment_id);
      if (earlier) return earlier;
    }
    // The one remote call (a rate) happens before the transaction that reads history and records.
    const amountRefMinor = await this.referenceAmount(amountMinor, req.currency, rules.reference_currency);
    const features = (h: { count1m: number; count1h: number; destinationSeen?: boolean }): RiskFeatures => ({
      account: req.account,
      destination: req.destination,
      currency: req.currency,
      amountMinor,
      amountRefMinor,
      ...h,
    });
    if (!req.payment_id) {
      return evaluate(rules, features(await this.repo.history(merchantId, req.account, req.destination)));
    }
    return this.repo.decideOnce(
      merchantId,
      { paymentId: req.payment_id, account: req.account, destination: req.destination, currency: req.currency, amountMinor },
      (h) => evaluate(rules, features(h)),
    );
  }

  /** The amount in the reference currency, or undefined when no rate is available (a rule may score that). */
  private async referenceAmount(minor: bigint, currency: string, reference: string): Promise<bigint | undefined> {
    if (currency === reference) return minor;
    const rate = await this.rate(currency, reference);
    return rate === undefined ? undefined : convertMinor(minor, currency, reference, rate);
  }

  private async rate(base: string, quote: string): Promise<string | undefined> {
    const key = `${base}/${quote}`;
    const cached = this.rates.get(key);
    if (cached && cached.until > Date.now()) return cached.rate;
    try {
      const r = await this.rpc.call(ROUTES.fxRate, { base, quote });
      this.rates.set(key, { rate: r.rate, until: Date.now() + RATE_CACHE_MS });
      return r.rate;
    } catch (err) {
      const e = DomainError.fromWire(err);
      log.warn(`no ${key} rate for scoring (${e.code}); the amount is scored as unpriced`);
      return cached?.rate;
    }
  }
}
