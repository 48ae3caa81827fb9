import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsCurrencyCode, IsMoneyAmount } from './validators';

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
