import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { TimeoutError } from 'rxjs';
import { DomainError } from '@paygate/contracts';
import { toCallError } from './rpc-client';

describe('toCallError', () => {
  it('maps an rxjs TimeoutError to DEADLINE_EXCEEDED naming the service, pattern and budget', () => {
    const err = toCallError('fx.quote', new TimeoutError(), 250);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.message).toBe('fx did not answer fx.quote within 250 ms');
  });

  it('rebuilds a wire error body {code, message} as that DomainError', () => {
    const err = toCallError('fx.quote', { code: 'RATE_STALE', message: 'm' }, 250);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'RATE_STALE', message: 'm', details: [] });
  });

  it('passes a DomainError through unchanged', () => {
    const original = new DomainError('FORBIDDEN', 'no');
    expect(toCallError('fx.quote', original, 1)).toBe(original);
  });

  it('maps "no responders" to SERVICE_UNAVAILABLE', () => {
    expect(toCallError('wallet.get', new EmptyResponseException('wallet.get'), 1).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('maps an unrecognisable value to INTERNAL_ERROR', () => {
    expect(toCallError('wallet.get', 'boom', 1).code).toBe('INTERNAL_ERROR');
  });
});
