import type { ValidationError } from '@nestjs/common';
import { validationDetails } from './rpc-enhancers';

const node = (property: string, constraints?: Record<string, string>, children: ValidationError[] = []): ValidationError => ({
  property,
  constraints,
  children,
});

describe('validationDetails', () => {
  it('returns [] for no errors', () => {
    expect(validationDetails([])).toEqual([]);
  });

  it('uses the constraint name as reason for a plain message', () => {
    expect(validationDetails([node('currency', { isCurrencyCode: 'currency must be an ISO 4217 code' })])).toEqual([
      { field: 'currency', reason: 'isCurrencyCode', message: 'currency must be an ISO 4217 code' },
    ]);
  });

  it('lifts a leading `CODE: message` into reason', () => {
    expect(validationDetails([node('amount', { isAmount: 'AMOUNT_TOO_PRECISE: amount "1.234" has 3 decimals' })])).toEqual([
      { field: 'amount', reason: 'AMOUNT_TOO_PRECISE', message: 'amount "1.234" has 3 decimals' },
    ]);
  });

  it.each([
    ['a lowercase prefix', 'amount: must be positive'],
    ['a one-letter prefix', 'A: b'],
    ['no space after the colon', 'AMOUNT:x'],
  ])('does not lift %s', (_why, message) => {
    expect(validationDetails([node('f', { c: message })])).toEqual([{ field: 'f', reason: 'c', message }]);
  });

  it('flattens nested children into dotted fields, parents before children, one detail per constraint', () => {
    const errors = [
      node('payer', undefined, [
        node('account', { isNotEmpty: 'account should not be empty', isString: 'account must be a string' }),
        node('address', undefined, [node('country', { isIn: 'COUNTRY_UNKNOWN: XX is not a country' })]),
      ]),
      node('items', { arrayMinSize: 'items must contain at least 1 element' }, [
        node('0', undefined, [node('amount', { isAmount: 'bad amount' })]),
      ]),
    ];
    expect(validationDetails(errors)).toEqual([
      { field: 'payer.account', reason: 'isNotEmpty', message: 'account should not be empty' },
      { field: 'payer.account', reason: 'isString', message: 'account must be a string' },
      { field: 'payer.address.country', reason: 'COUNTRY_UNKNOWN', message: 'XX is not a country' },
      { field: 'items', reason: 'arrayMinSize', message: 'items must contain at least 1 element' },
      { field: 'items.0.amount', reason: 'isAmount', message: 'bad amount' },
    ]);
  });

  it('prefixes every field with the given parent', () => {
    expect(validationDetails([node('x', { c: 'm' })], 'body')).toEqual([{ field: 'body.x', reason: 'c', message: 'm' }]);
  });
});
