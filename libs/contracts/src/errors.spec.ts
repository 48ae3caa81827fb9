import { DomainError, ERROR_HTTP_STATUS, ErrorCode, RETRYABLE_CODES, httpStatusOf, isErrorCode } from './errors';

const CODES = Object.keys(ERROR_HTTP_STATUS) as ErrorCode[];

describe('ERROR_HTTP_STATUS', () => {
  it.each(CODES)('%s maps to a 4xx or 5xx status', (code) => {
    expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
    expect(httpStatusOf(code)).toBeLessThan(600);
    expect(new DomainError(code, 'm').httpStatus).toBe(httpStatusOf(code));
  });

  it.each([...RETRYABLE_CODES])('retryable %s maps to 429, 409 or 503', (code) => {
    expect([429, 409, 503]).toContain(httpStatusOf(code));
  });

  it('isErrorCode accepts only own keys of the table', () => {
    expect(isErrorCode('RATE_STALE')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('rate_stale')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });
});

describe('DomainError', () => {
  it('toBody omits empty details and keeps non-empty ones', () => {
    expect(new DomainError('NOT_FOUND', 'gone').toBody()).toEqual({ code: 'NOT_FOUND', message: 'gone' });
    const details = [{ field: 'amount', reason: 'AMOUNT_TOO_PRECISE', message: 'too precise' }];
    expect(new DomainError('VALIDATION_ERROR', 'bad', details).toBody()).toEqual({ code: 'VALIDATION_ERROR', message: 'bad', details });
  });

  describe('fromWire', () => {
    it('rebuilds a valid body, details included', () => {
      const details = [{ field: 'currency', reason: 'isCurrencyCode', message: 'unknown' }];
      const err = DomainError.fromWire({ code: 'UNKNOWN_CURRENCY', message: 'nope', details });
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'UNKNOWN_CURRENCY', message: 'nope', details, httpStatus: 400 });
    });

    it('round-trips toBody through JSON', () => {
      const original = new DomainError('RATE_STALE', 'old', [{ reason: 'R', message: 'm' }]);
      const back = DomainError.fromWire(JSON.parse(JSON.stringify(original.toBody())));
      expect(back.toBody()).toEqual(original.toBody());
    });

    it('uses the code as message when the message is missing, and [] for non-array details', () => {
      expect(DomainError.fromWire({ code: 'FORBIDDEN', details: 'x' })).toMatchObject({
        code: 'FORBIDDEN',
        message: 'FORBIDDEN',
        details: [],
      });
    });

    it('returns the same instance for a DomainError', () => {
      const err = new DomainError('FORBIDDEN', 'no');
      expect(DomainError.fromWire(err)).toBe(err);
    });

    it.each<[string, unknown]>([
      ['an unknown code', { code: 'TEAPOT', message: 'leak me' }],
      ['an inherited property name as code', { code: 'constructor', message: 'm' }],
      ['a string', 'boom'],
      ['null', null],
      ['undefined', undefined],
      ['a number', 42],
    ])('turns %s into a generic INTERNAL_ERROR', (_what, wire) => {
      expect(DomainError.fromWire(wire).toBody()).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal error' });
    });
  });
});
