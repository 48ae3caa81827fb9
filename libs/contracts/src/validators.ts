import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';
import { MoneyError, isCurrencyCode, parseAmount } from '@paygate/money';

/** An ISO 4217 code from the checked-in table (upper case, e.g. `USD`). */
export function IsCurrencyCode(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCurrencyCode',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must be an ISO 4217 currency code (e.g. USD)`, ...options },
      validator: { validate: (value: unknown) => isCurrencyCode(value) },
    });
}

export interface AmountOptions {
  /** The property holding the currency whose exponent the amount must respect. */
  currencyField: string;
  allowZero?: boolean;
}

/**
 * A decimal amount string (JSON numbers arrive as their exact text) that parses exactly into
 * minor units of the currency named by `currencyField`. The message names the precise rule broken.
 */
export function IsMoneyAmount(amount: AmountOptions, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isMoneyAmount',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [amount.currencyField],
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          return amountProblem(value, args, amount) === undefined;
        },
        defaultMessage(args: ValidationArguments) {
          return amountProblem(args.value, args, amount) ?? `${args.property} is not a valid amount`;
        },
      },
    });
}

function amountProblem(value: unknown, args: ValidationArguments, opts: AmountOptions): string | undefined {
  if (typeof value !== 'string') return `${args.property} must be a decimal number or string, e.g. "123.45"`;
  const currency = (args.object as Record<string, unknown>)[opts.currencyField];
  // Without a known currency the amount cannot be checked; the currency field reports its own error.
  if (!isCurrencyCode(currency)) return undefined;
  try {
    parseAmount(value, currency as string, { allowZero: opts.allowZero ?? false });
    return undefined;
  } catch (e) {
    // `CODE: message`: the RPC validation pipe lifts the code into the error detail's `reason`.
    if (e instanceof MoneyError) return `${e.code}: ${e.message}`;
    throw e;
  }
}

const LIMIT_MESSAGE = 'limit must be an integer from 1 to 100';

/** The page size of every list: optional, 1–100, default 20 (a query string, converted). */
export function PageLimit(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ required: false, example: 20, default: 20, description: 'Page size, 1–100' }),
    IsOptional(),
    Type(() => Number),
    IsInt({ message: LIMIT_MESSAGE }),
    Min(1, { message: LIMIT_MESSAGE }),
    Max(100, { message: LIMIT_MESSAGE }),
  ) as PropertyDecorator;
}

/**
 * A JSON integer (it arrives as its source text from the lossless parser) becomes a number;
 * anything else — `true`, `[]`, `"1e2"`, `"0x10"` — stays as it is, for `@IsInt()` to refuse.
 * (`@Type(() => Number)` would turn `true` into 1 and `[]` into 0.)
 */
export function ToInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value,
  ) as PropertyDecorator;
}
