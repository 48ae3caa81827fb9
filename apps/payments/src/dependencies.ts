import { Injectable } from '@nestjs/common';
import { BackendService, DomainError, RequestOf, ResponseOf, RpcDef } from '@paygate/contracts';
import { InjectRegistry } from '@paygate/metrics';
import { RpcClient } from '@paygate/transport';
import { CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, isBrokenCircuitError } from 'cockatiel';
import { Gauge, Registry } from 'prom-client';

/** Outage codes: what trips a breaker (a business refusal never does). */
const OUTAGE_CODES = new Set(['SERVICE_UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL_ERROR']);

/** Consecutive outage failures that open a dependency's circuit, and how long it stays open. */
export const BREAKER = { failures: 5, halfOpenAfterMs: 5_000 } as const;

/**
 * The calls payments makes to risk, fx and wallet, each dependency behind its own circuit
 * breaker: after 5 outage failures in a row the circuit opens and calls fail at once with 503
 * SERVICE_UNAVAILABLE (no request waits for a deadline on a service known to be down); after
 * 5 s one call probes, and a success closes it again.
 */
@Injectable()
export class Dependencies {
  private readonly breakers = new Map<BackendService, CircuitBreakerPolicy>();

  constructor(
    private readonly rpc: RpcClient,
    @InjectRegistry() registry: Registry,
  ) {
    const breakers = this.breakers;
    new Gauge({
      name: 'payments_dependency_circuit_open',
      help: 'Whether payments’ circuit breaker to a dependency is open (1) or not (0)',
      labelNames: ['dependency'],
      registers: [registry],
      collect() {
        for (const [dependency, b] of breakers) this.set({ dependency }, b.state === CircuitState.Open ? 1 : 0);
      },
    });
  }

  async call<R extends RpcDef>(route: R, payload: RequestOf<R>): Promise<ResponseOf<R>> {
    const breaker = this.breakerOf(route.service);
    try {
      return await breaker.execute(() => this.rpc.call(route, payload));
    } catch (e) {
      if (isBrokenCircuitError(e)) {
        throw new DomainError('SERVICE_UNAVAILABLE', `${route.service} is failing: its circuit is open, retry in a few seconds`);
      }
      throw e;
    }
  }

  state(service: BackendService): 'closed' | 'open' | 'half-open' {
    const s = this.breakers.get(service)?.state;
    return s === CircuitState.Open ? 'open' : s === CircuitState.HalfOpen ? 'half-open' : 'closed';
  }

  private breakerOf(service: BackendService): CircuitBreakerPolicy {
    let b = this.breakers.get(service);
    if (!b) {
      b = circuitBreaker(
        handleWhen((e) => e instanceof DomainError && OUTAGE_CODES.has(e.code)),
        { halfOpenAfter: BREAKER.halfOpenAfterMs, breaker: new ConsecutiveBreaker(BREAKER.failures) },
      );
      this.breakers.set(service, b);
    }
    return b;
  }
}
