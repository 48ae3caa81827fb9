/**
 * @paygate/money: the only place in the product that parses, formats, converts
 * and rounds money. Amounts are bigint minor units; rates and intermediate
 * values are exact decimals, never JS floats. Framework-free by design.
 */
export * from './allocate';
export * from './amount';
export * from './convert';
export * from './currency';
export * from './decimal';
export * from './iso4217.data';
export { MONEY_ERROR_CODES, MoneyError, type MoneyErrorCode } from './money-error';
export * from './rounding';
