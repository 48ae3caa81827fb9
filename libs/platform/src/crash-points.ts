/**
 * Named crash points, for the crash tests (test/crash.e2e-spec.ts): `crashPoint('after_risk')`
 * at a step boundary kills this process at once with SIGKILL (no shutdown hooks, no flushing,
 * like a power cut) when the process was started with `PAYGATE_CRASH_AT=after_risk`, or
 * `PAYGATE_CRASH_AT=after_risk:3` to crash at the 3rd time the point is reached.
 *
 * Test builds only: the points are armed only when `NODE_ENV=test` as well. In any other
 * environment (development, production) `PAYGATE_CRASH_AT` is ignored and `crashPoint` is a
 * no-op costing one comparison (the env is read once, at the first point reached).
 */
export const CRASH_POINTS = [
  // payments (apps/payments/src/payments.service.ts)
  /** The payment is committed PROCESSING (with its lease); nothing called yet. */
  'after_payment_stored',
  /** Risk has scored (and recorded) the payment. */
  'after_risk',
  /** FX has recorded the conversion under the payment id (cross-currency payments only). */
  'after_fx_conversion',
  /** Step `wallet` (with the amounts) committed; the wallet not yet asked. */
  'before_wallet_call',
  /** The wallet committed the transfer (or hold) and answered; payments has not recorded it. */
  'after_wallet_reply',
  /** The final state is committed; the answer not yet sent. */
  'after_payment_final',
  // wallet (apps/wallet/src/wallet.service.ts)
  /** The transfer journal is committed; the wallet has not replied. */
  'after_wallet_commit',
  /** The hold is committed; the wallet has not replied. */
  'after_wallet_hold',
] as const;

export type CrashPointName = (typeof CRASH_POINTS)[number];

export interface CrashPlan {
  point: CrashPointName;
  /** Crash at this hit of the point (1 = the first). */
  hit: number;
}

/**
 * The armed crash point from the environment, or undefined (unset, or not a test build).
 * Throws on a malformed value in a test build, so a typo does not silently test nothing.
 */
export function crashPlanOf(env: NodeJS.ProcessEnv): CrashPlan | undefined {
  const raw = env.PAYGATE_CRASH_AT?.trim();
  if (!raw || env.NODE_ENV !== 'test') return undefined;
  const m = /^([a-z_]+)(?::([1-9][0-9]{0,5}))?$/.exec(raw);
  if (!m || !(CRASH_POINTS as readonly string[]).includes(m[1])) {
    throw new Error(`PAYGATE_CRASH_AT=${raw}: expected one of ${CRASH_POINTS.join(', ')}, optionally followed by :N`);
  }
  return { point: m[1] as CrashPointName, hit: m[2] ? Number(m[2]) : 1 };
}

let plan: CrashPlan | undefined | null = null;
let hits = 0;

/** Dies here (SIGKILL to itself) if this is the armed point and hit; otherwise does nothing. */
export function crashPoint(name: CrashPointName): void {
  if (plan === null) plan = crashPlanOf(process.env);
  if (plan === undefined || plan.point !== name) return;
  hits += 1;
  if (hits !== plan.hit) return;
  process.stderr.write(`PAYGATE_CRASH_AT=${name}: crashing (SIGKILL)\n`);
  process.kill(process.pid, 'SIGKILL');
}
