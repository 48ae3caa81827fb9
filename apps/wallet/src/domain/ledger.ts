import { D, currencyExponent, roundDecimalToMinor } from '@paygate/money';
/**
 * The ledger's pure rules: which entries an operation posts, in which order rows are locked, and
 * that every journal balances. No framework, no database: the repository applies what this decides.
 */

export const SETTLEMENT_ACCOUNT = 'house:settlement';
export const FX_ACCOUNT = 'house:fx';
/** Where the spread earned on conversions is booked. */
export const FX_REVENUE_ACCOUNT = 'house:fx_revenue';
export const HOUSE_PREFIX = 'house:';

export interface Leg {
  accountId: string;
  currency: string;
  /** Signed minor units: credit +, debit −. */
  delta: bigint;
  /** House accounts may go negative and keep no running balance on their entries. */
  house: boolean;
}

export interface Movement {
  sourceAccount: string;
  destinationAccount: string;
  debit: { currency: string; minor: bigint };
  credit: { currency: string; minor: bigint };
  /** Cross-currency only: the part of the debit that is the FX spread (booked to FX revenue). */
  revenue?: { currency: string; minor: bigint };
}

export class LedgerRuleError extends Error {}

/**
 * The legs of a transfer. Same currency: 2 legs (the debit must equal the credit). Different
 * currencies: 4 legs through the house FX account, which receives the debit currency (at mid)
 * and pays out the credit currency, so the journal sums to zero in each currency; a fifth leg
 * books the spread the conversion earned to FX revenue.
 */
export function transferLegs(m: Movement): Leg[] {
  if (m.debit.minor <= 0n || m.credit.minor <= 0n) throw new LedgerRuleError('transfer amounts must be positive');
  if (m.sourceAccount === m.destinationAccount) throw new LedgerRuleError('source and destination must differ');
  const legs: Leg[] = [
    { accountId: m.sourceAccount, currency: m.debit.currency, delta: -m.debit.minor, house: false },
    { accountId: m.destinationAccount, currency: m.credit.currency, delta: m.credit.minor, house: false },
  ];
  const revenue = m.revenue?.minor ?? 0n;
  if (m.debit.currency === m.credit.currency) {
    if (m.debit.minor !== m.credit.minor) throw new LedgerRuleError('a same-currency transfer must debit what it credits');
    if (revenue !== 0n) throw new LedgerRuleError('only a cross-currency transfer earns FX revenue');
  } else {
    if (revenue < 0n || revenue >= m.debit.minor) throw new LedgerRuleError('FX revenue must be at least zero and less than the debit');
    if (m.revenue && m.revenue.currency !== m.debit.currency) throw new LedgerRuleError('FX revenue is in the debit currency');
    legs.push(
      { accountId: FX_ACCOUNT, currency: m.debit.currency, delta: m.debit.minor - revenue, house: true },
      { accountId: FX_ACCOUNT, currency: m.credit.currency, delta: -m.credit.minor, house: true },
    );
    if (revenue > 0n) legs.push({ accountId: FX_REVENUE_ACCOUNT, currency: m.debit.currency, delta: revenue, house: true });
  }
  assertBalanced(legs);
  return lockOrder(legs);
}

/** The legs of a deposit: the wallet is credited from the house settlement account. */
export function depositLegs(accountId: string, currency: string, minor: bigint): Leg[] {
  if (minor <= 0n) throw new LedgerRuleError('deposit amount must be positive');
  return lockOrder([
    { accountId, currency, delta: minor, house: false },
    { accountId: SETTLEMENT_ACCOUNT, currency, delta: -minor, house: true },
  ]);
}

/**
 * One global order for touching balance rows (account, then currency), so two operations on
 * the same rows never wait on each other in opposite orders (no deadlocks).
 */
export function lockOrder(legs: Leg[]): Leg[] {
  return [...legs].sort((a, b) => cmp(a.accountId, b.accountId) || cmp(a.currency, b.currency));
}

export function assertBalanced(legs: readonly Leg[]): void {
  const sums = new Map<string, bigint>();
  for (const l of legs) sums.set(l.currency, (sums.get(l.currency) ?? 0n) + l.delta);
  for (const [currency, sum] of sums) {
    if (sum !== 0n) throw new LedgerRuleError(`journal does not balance in ${currency}: ${sum}`);
  }
}

/** Whether a wallet may take this debit: `available` (ledger − held) must cover it unless overdraft is allowed. */
export function canDebit(ledger: bigint, held: bigint, debit: bigint, allowOverdraft: boolean): boolean {
  return allowOverdraft || ledger - held - debit >= 0n;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A posted transfer, as its journal's legs say. */
export interface PostedTransfer {
  sourceAccount: string;
  destinationAccount: string;
  debit: { currency: string; minor: bigint };
  credit: { currency: string; minor: bigint };
  revenue: bigint;
}

/** What earlier reversals of a transfer already gave back. */
export interface AlreadyReversed {
  credit: bigint;
  debit: bigint;
  revenue: bigint;
}

/** Reads a transfer back from its legs (2, 4 or 5 of them). */
export function transferFromLegs(legs: readonly Leg[]): PostedTransfer {
  const wallets = legs.filter((l) => !l.house);
  const source = wallets.find((l) => l.delta < 0n);
  const destination = wallets.find((l) => l.delta > 0n);
  if (wallets.length !== 2 || !source || !destination) throw new LedgerRuleError('not a transfer journal');
  const revenue = legs.find((l) => l.accountId === FX_REVENUE_ACCOUNT)?.delta ?? 0n;
  return {
    sourceAccount: source.accountId,
    destinationAccount: destination.accountId,
    debit: { currency: source.currency, minor: -source.delta },
    credit: { currency: destination.currency, minor: destination.delta },
    revenue,
  };
}

/**
 * The legs that give back `creditBack` of a transfer at its original rate: the destination
 * returns `creditBack` in the credit currency; the source gets the same share of what it paid
 * (and FX revenue gives back its share). Shares are cumulative: after each reversal, what all of
 * them gave back is the share of all the credit reversed so far, rounded half-even once, so the
 * parts never drift from the original (never more than it debited, never a part taken from the
 * source); the reversal that takes the last of the credit takes exactly the rest.
 */
export function reversalLegs(
  t: PostedTransfer,
  creditBack: bigint,
  already: AlreadyReversed,
): { legs: Leg[]; debitBack: bigint; revenueBack: bigint } {
  const remaining = t.credit.minor - already.credit;
  if (creditBack <= 0n) throw new LedgerRuleError('a reversal must give back a positive amount');
  if (creditBack > remaining) throw new LedgerRuleError(`only ${remaining} of the credit is left to reverse`);
  const last = creditBack === remaining;
  const reversedCredit = already.credit + creditBack;
  /** The share of `total` for all the credit reversed so far, including this reversal. */
  const cumulativeShare = (total: bigint, currency: string) => {
    const exp = currencyExponent(currency);
    return roundDecimalToMinor(
      new D(total.toString()).mul(reversedCredit.toString()).div(t.credit.minor.toString()).div(new D(10).pow(exp)),
      currency,
    );
  };
  const debitBack = (last ? t.debit.minor : cumulativeShare(t.debit.minor, t.debit.currency)) - already.debit;
  const revenueBack = (last ? t.revenue : cumulativeShare(t.revenue, t.debit.currency)) - already.revenue;
  const legs: Leg[] = [
    { accountId: t.destinationAccount, currency: t.credit.currency, delta: -creditBack, house: false },
    { accountId: t.sourceAccount, currency: t.debit.currency, delta: debitBack, house: false },
  ];
  if (t.debit.currency !== t.credit.currency) {
    legs.push(
      { accountId: FX_ACCOUNT, currency: t.credit.currency, delta: creditBack, house: true },
      { accountId: FX_ACCOUNT, currency: t.debit.currency, delta: -(debitBack - revenueBack), house: true },
    );
    if (revenueBack !== 0n) legs.push({ accountId: FX_REVENUE_ACCOUNT, currency: t.debit.currency, delta: -revenueBack, house: true });
  }
  assertBalanced(legs);
  return { legs: lockOrder(legs), debitBack, revenueBack };
}

/** The legs of a withdrawal: the wallet is debited to the house settlement account. */
export function withdrawalLegs(accountId: string, currency: string, minor: bigint): Leg[] {
  if (minor <= 0n) throw new LedgerRuleError('withdrawal amount must be positive');
  return lockOrder([
    { accountId, currency, delta: -minor, house: false },
    { accountId: SETTLEMENT_ACCOUNT, currency, delta: minor, house: true },
  ]);
}
