import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsCurrencyCode, IsMoneyAmount, ToInteger } from './validators';

export class GetRateRequest {
  @ApiProperty({ example: 'USD', description: 'ISO 4217 code of the base currency' })
  @IsCurrencyCode()
  base!: string;

  @ApiProperty({ example: 'IDR', description: 'ISO 4217 code of the quote currency' })
  @IsCurrencyCode()
  quote!: string;
}

export class RateResponse {
  @ApiProperty({ example: 'USD' }) base!: string;
  @ApiProperty({ example: 'IDR' }) quote!: string;
  @ApiProperty({ example: '16190.1750890365', description: 'Units of quote per one unit of base, exact decimal string' })
  rate!: string;
  @ApiProperty({ example: '16190.1750890365', description: 'What we pay for base (rate less half the spread)' })
  bid!: string;
  @ApiProperty({ example: '16190.1750890365', description: 'What we charge for base (rate plus half the spread)' })
  ask!: string;
  @ApiProperty({ example: '2024-12-31T15:00:00.000Z' }) as_of!: string;
  @ApiProperty({ example: 'ecb-reference' }) source!: string;
  @ApiProperty({ example: false }) stale!: boolean;
}

export class ConvertRequest {
  @ApiProperty({ example: 'USD' })
  @IsCurrencyCode()
  from!: string;

  @ApiProperty({ example: 'IDR' })
  @IsCurrencyCode()
  to!: string;

  @ApiProperty({ example: '100', description: "Decimal amount in `from`, at most that currency's decimals" })
  @IsMoneyAmount({ currencyField: 'from' })
  amount!: string;

  @ApiProperty({ required: false, enum: ['mid', 'bid', 'ask'], default: 'mid', description: 'Which side of the rate to use' })
  @IsOptional()
  @IsIn(['mid', 'bid', 'ask'])
  side?: 'mid' | 'bid' | 'ask';
}

export class ConvertResponse {
  @ApiProperty({ example: 'USD' }) from!: string;
  @ApiProperty({ example: 'IDR' }) to!: string;
  @ApiProperty({ example: '100.00' }) amount!: string;
  @ApiProperty({ example: '1619017.51', description: 'amount × rate, rounded half-even once to the target currency' })
  converted!: string;
  @ApiProperty({ example: '16190.1750890365' }) rate!: string;
  @ApiProperty({ example: 'mid', enum: ['mid', 'bid', 'ask'] }) side!: 'mid' | 'bid' | 'ask';
  @ApiProperty({ example: '2024-12-31T15:00:00.000Z' }) as_of!: string;
}

/** The subject FX ticks are published on (NATS in the services, the in-process bus in the monolith). */
export const FX_TICKS_SUBJECT = 'fx.ticks';

/** `GET /rates/stream`: the live rates as Server-Sent Events, on the gateway and the fx port. */
export const RATE_STREAM = {
  path: '/rates/stream',
  subject: FX_TICKS_SUBJECT,
  event: 'tick',
  replay: 1000,
  scope: 'read',
  tag: 'fx',
  summary: 'Live rates as Server-Sent Events',
  description:
    'Each tick of the active rate provider: `id` is its sequence number, `data` is `{seq, source, pivot, as_of, rates}` with the units of each currency per one pivot unit (EUR), exact decimal strings. Reconnect with `Last-Event-ID` to receive the ticks you missed (the last 1000 are kept).',
} as const;

/** What a tick carries (the `data` of a stream event). */
export interface RateTick {
  seq: number;
  source: string;
  pivot: string;
  as_of: string;
  rates: Record<string, string>;
}

export class ListRatesRequest {
  @ApiProperty({ example: 'USD', required: false, default: 'EUR', description: 'The base currency (default EUR)' })
  @IsOptional()
  @IsCurrencyCode()
  base?: string;
}

export class RatesResponse {
  @ApiProperty({ example: 'USD' }) base!: string;
  @ApiProperty({
    example: { EUR: '0.962556550197', IDR: '16190.2011743' },
    description: 'Mid rates: units of each currency per one base unit',
  })
  rates!: Record<string, string>;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) as_of!: string;
  @ApiProperty({ example: 'live-feed' }) source!: string;
  @ApiProperty({ example: false }) stale!: boolean;
}

export class ListCurrenciesRequest {}

export class CurrencyDto {
  @ApiProperty({ example: 'KWD' }) code!: string;
  @ApiProperty({ example: '414' }) numeric!: string;
  @ApiProperty({ example: 3, description: 'Minor-unit decimals (ISO 4217 exponent)' }) exponent!: number;
  @ApiProperty({ example: 'Kuwaiti Dinar' }) name!: string;
  @ApiProperty({ example: true, description: 'Whether the current rate source quotes it' }) quoted!: boolean;
}

export class CurrenciesResponse {
  @ApiProperty({ type: [CurrencyDto] }) data!: CurrencyDto[];
  @ApiProperty({ example: false }) has_more!: boolean;
  @ApiProperty({ example: null, nullable: true, type: String }) next_cursor!: string | null;
}

export class CreateQuoteRequest {
  @ApiProperty({ example: 'USD', description: 'The currency to be converted (a payment’s currency)' })
  @IsCurrencyCode()
  from!: string;

  @ApiProperty({ example: 'EUR', description: 'The currency it is paid with (the source wallet’s)' })
  @IsCurrencyCode()
  to!: string;

  @ApiProperty({ example: '100.00', required: false, description: 'Optional: an amount in `from` to price' })
  @IsOptional()
  @IsMoneyAmount({ currencyField: 'from' })
  amount?: string;

  @ApiProperty({ example: 60, required: false, description: 'Lifetime in seconds (1–3600, default from configuration)' })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(3600)
  ttl_seconds?: number;
}

export class QuoteResponse {
  @ApiProperty({ example: 'qt_5f0c6a2e9b1d4c7a' }) quote_id!: string;
  @ApiProperty({ example: 'USD' }) from!: string;
  @ApiProperty({ example: 'EUR' }) to!: string;
  @ApiProperty({ example: '0.963999785189', description: 'The locked rate (ask: units of `to` charged per `from`)' }) rate!: string;
  @ApiProperty({ example: '0.962556550197' }) mid!: string;
  @ApiProperty({ example: 30 }) spread_bps!: number;
  @ApiProperty({ example: '100.00', nullable: true, type: String }) amount!: string | null;
  @ApiProperty({ example: '96.40', nullable: true, type: String, description: 'amount × rate, rounded half-even once' }) converted!:
    string | null;
  @ApiProperty({ example: 'live-feed' }) source!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) as_of!: string;
  @ApiProperty({ example: '2026-11-25T12:01:00.000Z' }) expires_at!: string;
  @ApiProperty({ example: 'open', enum: ['open', 'used', 'expired'] }) status!: string;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'The payment that used it' }) used_by!: string | null;
}

export class GetConversionRequest {
  @ApiProperty({ example: 'cnv_5f0c6a2e9b1d4c7a' })
  @Matches(/^cnv_[A-Za-z0-9]{1,64}$/, { message: 'id must be a conversion id (cnv_…)' })
  id!: string;
}

export class ConversionResponse {
  @ApiProperty({ example: 'cnv_5f0c6a2e9b1d4c7a' }) conversion_id!: string;
  @ApiProperty({ example: 'PAY-002', description: 'What it was for (the payment id)' }) reference!: string;
  @ApiProperty({ example: 'IDR' }) from!: string;
  @ApiProperty({ example: 'USD' }) to!: string;
  @ApiProperty({ example: '1500000.00' }) amount!: string;
  @ApiProperty({ example: '92.79', description: 'amount × rate, rounded half-even once' }) converted!: string;
  @ApiProperty({ example: '0.0000618584036861', description: 'The rate applied (ask)' }) rate!: string;
  @ApiProperty({ example: '0.0000617657550535' }) mid!: string;
  @ApiProperty({ example: '92.65', description: 'amount × mid, rounded half-even once' }) converted_at_mid!: string;
  @ApiProperty({ example: '0.14', description: 'converted − converted_at_mid, booked to the FX revenue account' }) revenue!: string;
  @ApiProperty({ example: 30 }) spread_bps!: number;
  @ApiProperty({ example: 'ask', enum: ['mid', 'bid', 'ask'] }) side!: string;
  @ApiProperty({ example: 'live-feed' }) provider!: string;
  @ApiProperty({ example: 'EUR' }) pivot!: string;
  @ApiProperty({ example: { IDR: '16820.00', USD: '1.0389' }, description: 'The pivot legs the mid was crossed from' })
  pivot_rates!: Record<string, string>;
  @ApiProperty({ example: null, nullable: true, type: String }) quote_id!: string | null;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) as_of!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
}

/** Internal (payments → fx): convert a payment's amount at the ask (or at a quote), recorded once per reference. */
export class CreateConversionRequest {
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/) reference!: string;
  @IsCurrencyCode() from!: string;
  @IsCurrencyCode() to!: string;
  @Matches(/^[1-9][0-9]{0,18}$/, { message: 'amount_minor must be a positive integer string' }) amount_minor!: string;
  @IsOptional() @Matches(/^qt_[A-Za-z0-9]{1,64}$/) quote_id?: string;
}

/** Internal reply: the conversion with its amounts in minor units. */
export class ConversionResult extends ConversionResponse {
  converted_minor!: string;
  revenue_minor!: string;
}
