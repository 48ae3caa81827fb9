import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { Db, queryRows } from '@paygate/database';
import { DRIVERS, Driver, ServiceTestDb, openServiceTestDb } from '@paygate/testing';
import { LedgerRuleError, Movement } from '../domain/ledger';
import { verifyLedger } from './ledger-verify';
import { LedgerRefusal, LedgerRefused, LedgerRepository } from './ledger.repository';

/**
 * Model-based test of the ledger: random sequences of operations run against the real repository
 * and against a model of plain bigint maps; after every step both agree on every balance (ledger,
 * held, available) and on every answer (results, replays, refusals with their amounts), and at
 * the end of each run verifyLedger finds the database clean.
 *
 * The model is written from the ledger's rules (DESIGN §4 and the repository's contract), not from
 * its code: it keeps its own legs, lock order and reversal arithmetic.
 */

const SETTLEMENT = 'house:settlement';
const FX = 'house:fx';
const FX_REVENUE = 'house:fx_revenue';
/** Upper- and lowercase ids sort on both sides of "house:…": both lock orders get exercised. */
const WALLETS = ['ACC_A', 'ACC_B', 'acc_c', 'zz_d', 'zz_e'] as const;
const CURRENCIES = ['USD', 'EUR', 'JPY'] as const;
/** The model's clock for hold expiry, in minutes from here. */
const EPOCH = Date.UTC(2031, 0, 1);
const minute = (n: number) => new Date(EPOCH + n * 60_000);

// ---------------------------------------------------------------------------------------------
// Calls: concrete operations, as both the model and the repository receive them.

type Call =
  | { op: 'open'; wallet: string; currencies: string[]; overdraft: boolean }
  | { op: 'deposit' | 'withdraw'; ref: string; wallet: string; currency: string; minor: bigint }
  | { op: 'transfer'; ref: string; m: Movement }
  | { op: 'hold'; ref: string; wallet: string; currency: string; minor: bigint; expiresAt?: number }
  | {
      op: 'capture';
      hold: string;
      ref: string;
      dst: string;
      debit?: bigint;
      credit: { currency: string; minor: bigint };
      revenue?: { currency: string; minor: bigint };
    }
  | { op: 'release'; hold: string }
  | { op: 'expire'; now: number }
  | { op: 'reverse'; ref: string; original: string; credit: bigint }
  | { op: 'status'; wallet: string; action: 'freeze' | 'unfreeze' | 'close' };

/** What an operation came to: a result (the fields that matter), a refusal, or a rule error (bad input). */
type Outcome = { ok: unknown } | { refused: LedgerRefusal } | { rule: true };

// ---------------------------------------------------------------------------------------------
// The model.

interface Leg {
  account: string;
  currency: string;
  delta: bigint;
}
interface Posted {
  src: string;
  dst: string;
  debitCur: string;
  debit: bigint;
  creditCur: string;
  credit: bigint;
  revenue: bigint;
}
interface Journal {
  legs: string[];
  /** The id the repository gave it the first time (a replay must answer with the same). */
  realId?: bigint;
  transfer?: Posted;
  reversed?: { credit: bigint; debit: bigint; revenue: bigint };
  reversal?: { original: string; creditBack: bigint; debitBack: bigint };
}
interface Hold {
  wallet: string;
  currency: string;
  amount: bigint;
  status: 'active' | 'captured' | 'released' | 'expired';
  captured: bigint;
  expiresAt?: number;
  realId?: bigint;
}
interface Wallet {
  overdraft: boolean;
  status: 'active' | 'frozen' | 'closed';
}

class Refuse extends Error {
  constructor(readonly refusal: LedgerRefusal) {
    super(refusal.kind);
  }
}
class Rule extends Error {}

const isHouse = (a: string) => a.startsWith('house:');
const legKey = (l: Leg) => `${l.account}|${l.currency}|${l.delta}`;
const sameLegs = (a: string[], b: Leg[]) => JSON.stringify(a) === JSON.stringify(b.map(legKey).sort());
const byLockOrder = (a: Leg, b: Leg) => (a.account < b.account ? -1 : a.account > b.account ? 1 : a.currency < b.currency ? -1 : 1);

/** n / d rounded half to even (n ≥ 0, d > 0). */
function divHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const twice = 2n * (n % d);
  return twice > d || (twice === d && q % 2n === 1n) ? q + 1n : q;
}

class LedgerModel {
  wallets = new Map<string, Wallet>();
  /** Wallet balances rows, `account|currency`. */
  balances = new Map<string, { ledger: bigint; held: bigint }>();
  /** House balances: the sums of their entries, `account|currency`. */
  house = new Map<string, bigint>();
  journals = new Map<string, Journal>();
  holds = new Map<string, Hold>();
  /** References tried so far (refused ones too), per namespace, for reuse. */
  refs = { deposit: [] as string[], withdrawal: [] as string[], transfer: [] as string[], hold: [] as string[], reversal: [] as string[] };
  history: Call[] = [];
  private seq = 0;

  fresh(prefix: string): string {
    return `${prefix}${++this.seq}`;
  }

  /** Runs one operation all-or-nothing, as the repository's transaction does. */
  run(call: Call): Outcome {
    const saved = {
      wallets: new Map([...this.wallets].map(([k, v]) => [k, { ...v }])),
      balances: new Map([...this.balances].map(([k, v]) => [k, { ...v }])),
      house: new Map(this.house),
      journals: new Map([...this.journals].map(([k, v]) => [k, { ...v, reversed: v.reversed && { ...v.reversed } }])),
      holds: new Map([...this.holds].map(([k, v]) => [k, { ...v }])),
    };
    try {
      return { ok: this.apply(call) };
    } catch (e) {
      Object.assign(this, saved);
      if (e instanceof Refuse) return { refused: e.refusal };
      if (e instanceof Rule) return { rule: true };
      throw e;
    }
  }

  private row(account: string, currency: string) {
    return this.balances.get(`${account}|${currency}`);
  }
  private openRow(account: string, currency: string) {
    const key = `${account}|${currency}`;
    if (!this.balances.has(key)) this.balances.set(key, { ledger: 0n, held: 0n });
    return this.balances.get(key)!;
  }
  private available(account: string, currency: string): bigint {
    const r = this.row(account, currency);
    return r ? r.ledger - r.held : 0n;
  }
  private requireActive(ids: string[]): void {
    for (const id of ids) {
      const w = this.wallets.get(id);
      if (!w) throw new Refuse({ kind: 'ACCOUNT_NOT_FOUND', accountId: id });
      if (w.status !== 'active') throw new Refuse({ kind: 'ACCOUNT_INACTIVE', accountId: id, status: w.status });
    }
  }
  /** Applies legs in lock order; a wallet debit needs `available` to cover it unless the wallet allows overdraft. */
  private post(legs: Leg[]): void {
    for (const l of [...legs].sort(byLockOrder)) {
      if (isHouse(l.account)) {
        const key = `${l.account}|${l.currency}`;
        this.house.set(key, (this.house.get(key) ?? 0n) + l.delta);
      } else if (l.delta < 0n && !this.wallets.get(l.account)!.overdraft) {
        if (this.available(l.account, l.currency) + l.delta < 0n) {
          throw new Refuse({
            kind: 'INSUFFICIENT_FUNDS',
            accountId: l.account,
            currency: l.currency,
            availableMinor: this.available(l.account, l.currency),
            requiredMinor: -l.delta,
          });
        }
        this.row(l.account, l.currency)!.ledger += l.delta;
      } else {
        this.openRow(l.account, l.currency).ledger += l.delta;
      }
    }
  }
  private balanceOf(account: string, currency: string) {
    const r = this.row(account, currency);
    return { ledgerMinor: r?.ledger ?? 0n, heldMinor: r?.held ?? 0n };
  }
  private currencies(account: string): string[] {
    return [...this.balances.keys()]
      .filter((k) => k.startsWith(`${account}|`))
      .map((k) => k.split('|')[1])
      .sort();
  }
  private transferLegsOf(m: Movement): { legs: Leg[]; posted: Posted } {
    const revenue = m.revenue?.minor ?? 0n;
    if (m.debit.minor <= 0n || m.credit.minor <= 0n || m.sourceAccount === m.destinationAccount) throw new Rule();
    const legs: Leg[] = [
      { account: m.sourceAccount, currency: m.debit.currency, delta: -m.debit.minor },
      { account: m.destinationAccount, currency: m.credit.currency, delta: m.credit.minor },
    ];
    if (m.debit.currency === m.credit.currency) {
      if (m.debit.minor !== m.credit.minor || revenue !== 0n) throw new Rule();
    } else {
      if (revenue < 0n || revenue >= m.debit.minor || (m.revenue && m.revenue.currency !== m.debit.currency)) throw new Rule();
      legs.push(
        { account: FX, currency: m.debit.currency, delta: m.debit.minor - revenue },
        { account: FX, currency: m.credit.currency, delta: -m.credit.minor },
      );
      if (revenue > 0n) legs.push({ account: FX_REVENUE, currency: m.debit.currency, delta: revenue });
    }
    const posted = {
      src: m.sourceAccount,
      dst: m.destinationAccount,
      debitCur: m.debit.currency,
      debit: m.debit.minor,
      creditCur: m.credit.currency,
      credit: m.credit.minor,
      revenue,
    };
    return { legs, posted };
  }

  private apply(c: Call): unknown {
    switch (c.op) {
      case 'open': {
        if (this.wallets.has(c.wallet)) throw new Refuse({ kind: 'ACCOUNT_EXISTS', accountId: c.wallet });
        this.wallets.set(c.wallet, { overdraft: c.overdraft, status: 'active' });
        for (const cur of c.currencies) this.openRow(c.wallet, cur);
        return {
          id: c.wallet,
          status: 'active',
          allowOverdraft: c.overdraft,
          defaultCurrency: c.currencies[0],
          currencies: [...c.currencies].sort(),
        };
      }
      case 'deposit':
      case 'withdraw': {
        const ns = c.op === 'deposit' ? 'deposit' : 'withdrawal';
        const sign = c.op === 'deposit' ? 1n : -1n;
        const legs = [
          { account: c.wallet, currency: c.currency, delta: sign * c.minor },
          { account: SETTLEMENT, currency: c.currency, delta: -sign * c.minor },
        ];
        const j = this.journals.get(`${ns}:${c.ref}`);
        if (j) {
          if (!sameLegs(j.legs, legs)) throw new Refuse({ kind: 'REFERENCE_REUSED', reference: c.ref });
          return { replayed: true, journalId: j.realId, ...this.balanceOf(c.wallet, c.currency) };
        }
        this.requireActive([c.wallet]);
        this.post(legs);
        this.journals.set(`${ns}:${c.ref}`, { legs: legs.map(legKey).sort() });
        return { replayed: false, ...this.balanceOf(c.wallet, c.currency) };
      }
      case 'transfer': {
        const { legs, posted } = this.transferLegsOf(c.m);
        const j = this.journals.get(`transfer:${c.ref}`);
        if (j) {
          if (!sameLegs(j.legs, legs)) throw new Refuse({ kind: 'REFERENCE_REUSED', reference: c.ref });
          return { replayed: true, journalId: j.realId };
        }
        this.requireActive([c.m.sourceAccount, c.m.destinationAccount]);
        this.post(legs);
        this.journals.set(`transfer:${c.ref}`, {
          legs: legs.map(legKey).sort(),
          transfer: posted,
          reversed: { credit: 0n, debit: 0n, revenue: 0n },
        });
        return { replayed: false };
      }
      case 'hold': {
        if (c.minor <= 0n) throw new Rule();
        // A hold reference replays whatever the body (holds are not journals: nothing to compare legs with).
        const h = this.holds.get(c.ref);
        if (h) return { replayed: true, journalId: h.realId };
        this.requireActive([c.wallet]);
        const w = this.wallets.get(c.wallet)!;
        if (!w.overdraft && this.available(c.wallet, c.currency) < c.minor) {
          throw new Refuse({
            kind: 'INSUFFICIENT_FUNDS',
            accountId: c.wallet,
            currency: c.currency,
            availableMinor: this.available(c.wallet, c.currency),
            requiredMinor: c.minor,
          });
        }
        this.openRow(c.wallet, c.currency).held += c.minor;
        this.holds.set(c.ref, {
          wallet: c.wallet,
          currency: c.currency,
          amount: c.minor,
          status: 'active',
          captured: 0n,
          expiresAt: c.expiresAt,
        });
        return { replayed: false };
      }
      case 'capture': {
        const h = this.holds.get(c.hold);
        if (!h) throw new Refuse({ kind: 'HOLD_NOT_FOUND', reference: c.hold });
        const amount = c.debit ?? h.amount;
        const { legs, posted } = this.transferLegsOf({
          sourceAccount: h.wallet,
          destinationAccount: c.dst,
          debit: { currency: h.currency, minor: amount },
          credit: c.credit,
          revenue: c.revenue,
        });
        const state = (replayed: boolean) => ({
          accountId: h.wallet,
          currency: h.currency,
          amountMinor: h.amount,
          capturedMinor: h.captured,
          status: h.status,
          replayed,
        });
        if (h.status === 'captured') {
          const j = this.journals.get(`transfer:${c.ref}`);
          if (!j || !sameLegs(j.legs, legs)) throw new Refuse({ kind: 'HOLD_NOT_ACTIVE', reference: c.hold, status: h.status });
          return state(true);
        }
        if (h.status !== 'active') throw new Refuse({ kind: 'HOLD_NOT_ACTIVE', reference: c.hold, status: h.status });
        if (amount > h.amount) {
          throw new Refuse({ kind: 'AMOUNT_EXCEEDS_HOLD', reference: c.hold, heldMinor: h.amount, requestedMinor: amount });
        }
        if (this.journals.has(`transfer:${c.ref}`)) throw new Refuse({ kind: 'REFERENCE_REUSED', reference: c.ref });
        this.requireActive([h.wallet, c.dst]);
        this.row(h.wallet, h.currency)!.held -= h.amount;
        this.post(legs);
        this.journals.set(`transfer:${c.ref}`, {
          legs: legs.map(legKey).sort(),
          transfer: posted,
          reversed: { credit: 0n, debit: 0n, revenue: 0n },
        });
        h.status = 'captured';
        h.captured = amount;
        return state(false);
      }
      case 'release': {
        const h = this.holds.get(c.hold);
        if (!h) throw new Refuse({ kind: 'HOLD_NOT_FOUND', reference: c.hold });
        if (h.status === 'released' || h.status === 'expired') return { status: h.status, amountMinor: h.amount, replayed: true };
        if (h.status !== 'active') throw new Refuse({ kind: 'HOLD_NOT_ACTIVE', reference: c.hold, status: h.status });
        this.row(h.wallet, h.currency)!.held -= h.amount;
        h.status = 'released';
        return { status: h.status, amountMinor: h.amount, replayed: false };
      }
      case 'expire': {
        let n = 0;
        for (const h of this.holds.values()) {
          if (h.status === 'active' && h.expiresAt !== undefined && h.expiresAt <= c.now) {
            this.row(h.wallet, h.currency)!.held -= h.amount;
            h.status = 'expired';
            n += 1;
          }
        }
        return n;
      }
      case 'reverse': {
        const original = this.journals.get(`transfer:${c.original}`);
        if (!original) throw new Refuse({ kind: 'TRANSFER_NOT_FOUND', reference: c.original });
        const t = original.transfer!;
        const existing = this.journals.get(`reversal:${c.ref}`);
        if (existing) {
          // A replay is the same reversal: the same original, the same amount.
          const r = existing.reversal!;
          if (r.original !== c.original || r.creditBack !== c.credit) throw new Refuse({ kind: 'REFERENCE_REUSED', reference: c.ref });
          return {
            replayed: true,
            journalId: existing.realId,
            debitBack: { currency: t.debitCur, minor: r.debitBack },
            creditBack: { currency: t.creditCur, minor: c.credit },
          };
        }
        const done = original.reversed!;
        const remaining = t.credit - done.credit;
        if (c.credit > remaining) {
          throw new Refuse({
            kind: 'REVERSAL_EXCEEDS_ORIGINAL',
            reference: c.original,
            remainingMinor: remaining,
            requestedMinor: c.credit,
          });
        }
        if (c.credit <= 0n) throw new Rule();
        // Each reversal gives back its share of what was paid (and of the FX revenue) at the original
        // rate; shares are rounded on the running total, so together they never exceed the original,
        // and the reversal that takes the last of the credit takes exactly the rest.
        const cumulative = done.credit + c.credit;
        const debitBack = divHalfEven(t.debit * cumulative, t.credit) - done.debit;
        const revenueBack = divHalfEven(t.revenue * cumulative, t.credit) - done.revenue;
        const legs: Leg[] = [
          { account: t.dst, currency: t.creditCur, delta: -c.credit },
          { account: t.src, currency: t.debitCur, delta: debitBack },
        ];
        if (t.debitCur !== t.creditCur) {
          legs.push(
            { account: FX, currency: t.creditCur, delta: c.credit },
            { account: FX, currency: t.debitCur, delta: -(debitBack - revenueBack) },
          );
          if (revenueBack !== 0n) legs.push({ account: FX_REVENUE, currency: t.debitCur, delta: -revenueBack });
        }
        this.requireActive([t.src, t.dst]);
        this.post(legs);
        done.credit += c.credit;
        done.debit += debitBack;
        done.revenue += revenueBack;
        this.journals.set(`reversal:${c.ref}`, {
          legs: legs.map(legKey).sort(),
          reversal: { original: c.original, creditBack: c.credit, debitBack },
        });
        return {
          replayed: false,
          debitBack: { currency: t.debitCur, minor: debitBack },
          creditBack: { currency: t.creditCur, minor: c.credit },
        };
      }
      case 'status': {
        const w = this.wallets.get(c.wallet);
        if (!w) throw new Refuse({ kind: 'ACCOUNT_NOT_FOUND', accountId: c.wallet });
        const target = ({ freeze: 'frozen', unfreeze: 'active', close: 'closed' } as const)[c.action];
        if (w.status !== target) {
          if (w.status === 'closed') throw new Refuse({ kind: 'ACCOUNT_INACTIVE', accountId: c.wallet, status: 'closed' });
          const busy = this.currencies(c.wallet).some((cur) => {
            const r = this.row(c.wallet, cur)!;
            return r.ledger !== 0n || r.held !== 0n;
          });
          if (c.action === 'close' && busy) throw new Refuse({ kind: 'ACCOUNT_NOT_EMPTY', accountId: c.wallet });
          w.status = target;
        }
        return { status: w.status, allowOverdraft: w.overdraft, currencies: this.currencies(c.wallet) };
      }
    }
  }

  /** Remembers what the repository answered the first time (ids a replay must repeat). */
  record(c: Call, real: Outcome): void {
    if (!('ok' in real)) return;
    const id = (real.ok as { journalId?: bigint }).journalId;
    if (c.op === 'hold') this.holds.get(c.ref)!.realId ??= id;
    const key =
      c.op === 'deposit'
        ? `deposit:${c.ref}`
        : c.op === 'withdraw'
          ? `withdrawal:${c.ref}`
          : c.op === 'transfer'
            ? `transfer:${c.ref}`
            : c.op === 'reverse'
              ? `reversal:${c.ref}`
              : undefined;
    const j = key === undefined ? undefined : this.journals.get(key);
    if (j) j.realId ??= id;
  }
}

// ---------------------------------------------------------------------------------------------
// The repository side: the same call, its answer reduced to the fields the model predicts.

async function outcome<T>(work: () => Promise<T>, pick: (v: T) => unknown): Promise<Outcome> {
  try {
    return { ok: pick(await work()) };
  } catch (e) {
    if (e instanceof LedgerRefused) return { refused: e.refusal };
    if (e instanceof LedgerRuleError) return { rule: true };
    throw e;
  }
}

function callReal(ledger: LedgerRepository, m: string, c: Call): Promise<Outcome> {
  switch (c.op) {
    case 'open':
      return outcome(
        () =>
          ledger.createAccount(m, {
            accountId: c.wallet,
            currencies: c.currencies,
            defaultCurrency: c.currencies[0],
            allowOverdraft: c.overdraft,
          }),
        (a) => ({
          id: a.id,
          status: a.status,
          allowOverdraft: a.allowOverdraft,
          defaultCurrency: a.defaultCurrency,
          currencies: a.currencies,
        }),
      );
    case 'deposit':
    case 'withdraw':
      return outcome(
        () => (c.op === 'deposit' ? ledger.deposit : ledger.withdraw).call(ledger, m, c.ref, c.wallet, c.currency, c.minor),
        (d) => ({ replayed: d.replayed, journalId: d.journalId, ledgerMinor: d.ledgerMinor, heldMinor: d.heldMinor }),
      );
    case 'transfer':
      return outcome(
        () => ledger.transfer(m, c.ref, c.m),
        (t) => ({ replayed: t.replayed, journalId: t.journalId }),
      );
    case 'hold':
      return outcome(
        () => ledger.hold(m, c.ref, c.wallet, c.currency, c.minor, c.expiresAt === undefined ? undefined : minute(c.expiresAt)),
        (h) => ({ replayed: h.replayed, journalId: h.journalId }),
      );
    case 'capture':
      return outcome(
        () => ledger.captureHold(m, c.hold, c.ref, c.dst, c.debit, c.credit, c.revenue),
        (h) => ({
          accountId: h.accountId,
          currency: h.currency,
          amountMinor: h.amountMinor,
          capturedMinor: h.capturedMinor,
          status: h.status,
          replayed: h.replayed,
        }),
      );
    case 'release':
      return outcome(
        () => ledger.releaseHold(m, c.hold),
        (h) => ({ status: h.status, amountMinor: h.amountMinor, replayed: h.replayed }),
      );
    case 'expire':
      // Every merchant's holds are swept; earlier runs end with none left due (see `cleanUp`).
      return outcome(
        () => ledger.expireHolds(minute(c.now), 10_000),
        (n) => n,
      );
    case 'reverse':
      return outcome(
        () => ledger.reverse(m, c.ref, c.original, c.credit),
        (r) => ({ replayed: r.replayed, journalId: r.journalId, debitBack: r.debitBack, creditBack: r.creditBack }),
      );
    case 'status':
      return outcome(
        () => ledger.setStatus(m, c.wallet, c.action),
        (a) => ({ status: a.status, allowOverdraft: a.allowOverdraft, currencies: a.currencies }),
      );
  }
}

/**
 * The model's expected answer in the shape `callReal` reduces the repository's to. Journal (and
 * hold) ids: a replay answers with the id of the first posting, a new posting with a new one.
 */
function expected(model: LedgerModel, c: Call): Outcome {
  const o = model.run(c);
  if (!('ok' in o) || !['deposit', 'withdraw', 'transfer', 'hold', 'reverse'].includes(c.op)) return o;
  const { journalId, ...rest } = o.ok as { journalId?: bigint; replayed: boolean };
  return { ok: { ...rest, journalId: rest.replayed && journalId !== undefined ? journalId : expect.any(BigInt) } };
}

// ---------------------------------------------------------------------------------------------
// Generated steps: abstract choices, resolved against the model when they run.

/** undefined: a fresh reference; a number: reuse one tried before (same body → replay, else refused). */
type Pick = number | undefined;
/** The destination: another of the four opened wallets (by offset), the source itself (a rule error), or the fifth. */
type DstPick = number | 'self' | 'fifth';
const OPENED: string[] = WALLETS.slice(0, 4);
function destination(src: string, pick: DstPick): string {
  if (pick === 'self') return src;
  if (pick === 'fifth') return WALLETS[4];
  return OPENED[(Math.max(0, OPENED.indexOf(src)) + pick) % OPENED.length];
}
type Step =
  | { s: 'open'; w: number; currencies: string[]; overdraft: boolean }
  | { s: 'deposit' | 'withdraw'; ref: Pick; w: number; c: number; minor: number }
  | { s: 'transfer'; ref: Pick; w: number; dst: DstPick; dc: number; cc: number; debit: number; credit: number; revenue?: number }
  | { s: 'hold'; ref: Pick; w: number; c: number; minor: number; expiry?: number }
  | { s: 'capture'; hold: number; ref: Pick; dst: DstPick; pct?: number; cc: number; credit: number; revenue?: number }
  | { s: 'release'; hold: number }
  | { s: 'expire'; minute: number }
  | { s: 'reverse'; ref: Pick; original: number; permille?: number; jitter: number }
  | { s: 'status'; w: number; action: 'freeze' | 'unfreeze' | 'close' }
  | { s: 'retry'; idx: number; recent: boolean };

const pickRef = (model: LedgerModel, ns: keyof LedgerModel['refs'], pick: Pick): string => {
  const tried = model.refs[ns];
  const ref = pick === undefined || tried.length === 0 ? model.fresh(`${ns.slice(0, 3)}-`) : tried[pick % tried.length];
  if (!tried.includes(ref)) tried.push(ref);
  return ref;
};
const pickFrom = (list: string[], i: number, none: string) => (list.length === 0 ? none : list[i % list.length]);
/** An active hold (a third of the picks), one that exists (a third), or any reference tried before, refused ones included. */
const pickHold = (model: LedgerModel, i: number) => {
  const existing = [...model.holds.keys()];
  const list = i % 3 === 0 ? existing.filter((r) => model.holds.get(r)!.status === 'active') : i % 3 === 1 ? existing : model.refs.hold;
  return pickFrom(list, Math.floor(i / 3), 'no-such-hold');
};
/** Mostly one of the last two posted (so that some get reversed several times), else any posted, sometimes any tried. */
const pickTransfer = (model: LedgerModel, i: number) => {
  const posted = [...model.journals.keys()].filter((k) => k.startsWith('transfer:')).map((k) => k.slice('transfer:'.length));
  const list = i % 4 === 3 ? model.refs.transfer : i % 4 === 2 ? posted : posted.slice(-2);
  return pickFrom(list, Math.floor(i / 4), 'no-such-transfer');
};

function resolve(model: LedgerModel, st: Step): Call {
  switch (st.s) {
    case 'open':
      return { op: 'open', wallet: WALLETS[st.w], currencies: st.currencies, overdraft: st.overdraft };
    case 'deposit':
    case 'withdraw':
      return {
        op: st.s,
        ref: pickRef(model, st.s === 'deposit' ? 'deposit' : 'withdrawal', st.ref),
        wallet: WALLETS[st.w],
        currency: CURRENCIES[st.c],
        minor: BigInt(st.minor),
      };
    case 'transfer': {
      const debitCur = CURRENCIES[st.dc];
      const creditCur = CURRENCIES[(st.dc + st.cc) % CURRENCIES.length];
      const debit = BigInt(st.debit);
      const cross = debitCur !== creditCur;
      return {
        op: 'transfer',
        ref: pickRef(model, 'transfer', st.ref),
        m: {
          sourceAccount: WALLETS[st.w],
          destinationAccount: destination(WALLETS[st.w], st.dst),
          debit: { currency: debitCur, minor: debit },
          credit: { currency: creditCur, minor: cross ? BigInt(st.credit) : debit },
          ...(cross && st.revenue !== undefined && { revenue: { currency: debitCur, minor: BigInt(st.revenue) % debit } }),
        },
      };
    }
    case 'hold':
      return {
        op: 'hold',
        ref: pickRef(model, 'hold', st.ref),
        wallet: WALLETS[st.w],
        currency: CURRENCIES[st.c],
        minor: BigInt(st.minor),
        expiresAt: st.expiry,
      };
    case 'capture': {
      const holdRef = pickHold(model, st.hold);
      const h = model.holds.get(holdRef) ?? { wallet: WALLETS[0], currency: CURRENCIES[0], amount: 100n };
      const debit = st.pct === undefined ? undefined : (h.amount * BigInt(st.pct)) / 100n || 1n;
      const amount = debit ?? h.amount;
      const creditCur = CURRENCIES[(CURRENCIES.indexOf(h.currency as (typeof CURRENCIES)[number]) + st.cc) % CURRENCIES.length];
      const cross = creditCur !== h.currency;
      return {
        op: 'capture',
        hold: holdRef,
        ref: pickRef(model, 'transfer', st.ref),
        dst: destination(h.wallet, st.dst),
        debit,
        credit: { currency: creditCur, minor: cross ? BigInt(st.credit) : amount },
        ...(cross && st.revenue !== undefined && { revenue: { currency: h.currency, minor: BigInt(st.revenue) % amount } }),
      };
    }
    case 'release':
      return { op: 'release', hold: pickHold(model, st.hold) };
    case 'expire':
      return { op: 'expire', now: st.minute };
    case 'reverse': {
      const original = pickTransfer(model, st.original);
      const j = model.journals.get(`transfer:${original}`);
      const credit = j?.transfer?.credit ?? 100n;
      const remaining = credit - (j?.reversed?.credit ?? 0n);
      // Without a share: exactly what is left (the last reversal, or 0 when nothing is); else a share
      // of the credit, give or take a few units so the shares rarely divide evenly.
      const amount = st.permille === undefined ? remaining : (credit * BigInt(st.permille)) / 1000n + BigInt(st.jitter) || 1n;
      return { op: 'reverse', ref: pickRef(model, 'reversal', st.ref), original, credit: amount };
    }
    case 'status':
      return { op: 'status', wallet: WALLETS[st.w], action: st.action };
    case 'retry':
      throw new Error('a retry repeats an earlier call');
  }
}

/** What the steps came to, e.g. `transfer replay`, `hold INSUFFICIENT_FUNDS` (to show the runs exercised them). */
const SEEN = new Set<string>();
interface Real {
  ledger: LedgerRepository;
  db: Db;
  merchant: string;
}

/** Runs one call on both sides and compares the answers, then every balance. */
async function step(model: LedgerModel, real: Real, c: Call): Promise<void> {
  model.history.push(c);
  const want = expected(model, c);
  const got = await callReal(real.ledger, real.merchant, c);
  SEEN.add(
    `${c.op} ${'ok' in got ? ((got.ok as { replayed?: boolean }).replayed ? 'replay' : 'ok') : 'rule' in got ? 'rule' : got.refused.kind}`,
  );
  expect({ call: c, outcome: got }).toEqual({ call: c, outcome: want });
  model.record(c, got);
  await expectSameBalances(model, real);
}

type BalanceView = Record<string, { ledger: bigint; held: bigint; available: bigint }>;

/**
 * Every balance, the repository's and the model's: each wallet's (ledger, held, available) per
 * currency, and each house account's (the sum of its entries). After each step one query reads
 * them all; at the end of a run they are read through the repository (`balancesOf`) as well.
 */
async function expectSameBalances(model: LedgerModel, real: Real, viaRepository = false): Promise<void> {
  const got: BalanceView = {};
  if (viaRepository) {
    for (const w of model.wallets.keys()) {
      for (const b of await real.ledger.balancesOf(real.merchant, w)) {
        got[`${w}|${b.currency}`] = { ledger: b.ledgerMinor, held: b.heldMinor, available: b.ledgerMinor - b.heldMinor };
      }
    }
  } else {
    const rows = await queryRows<{ account_id: string; currency: string; ledger: string; held: string }>(
      real.db,
      sql`select account_id, currency, ledger_minor::text as ledger, held_minor::text as held
            from wallet.balances where merchant_id = ${real.merchant}`,
    );
    for (const r of rows) {
      got[`${r.account_id}|${r.currency}`] = {
        ledger: BigInt(r.ledger),
        held: BigInt(r.held),
        available: BigInt(r.ledger) - BigInt(r.held),
      };
    }
  }
  const house = await queryRows<{ account_id: string; currency: string; total: string }>(
    real.db,
    sql`select account_id, currency, sum(amount_minor)::text as total from wallet.entries
         where merchant_id = ${real.merchant} and account_id like 'house:%' group by account_id, currency`,
  );
  const want: BalanceView = {};
  for (const [k, v] of model.balances) want[k] = { ledger: v.ledger, held: v.held, available: v.ledger - v.held };
  expect({ wallets: got, house: Object.fromEntries(house.map((h) => [`${h.account_id}|${h.currency}`, BigInt(h.total)])) }).toEqual({
    wallets: want,
    house: Object.fromEntries(model.house),
  });
}

class StepCommand implements fc.AsyncCommand<LedgerModel, Real> {
  constructor(readonly st: Step) {}
  check(): boolean {
    return true;
  }
  async run(model: LedgerModel, real: Real): Promise<void> {
    if (this.st.s === 'retry') {
      // A duplicate: an earlier call again, exactly as it was sent.
      if (model.history.length === 0) return;
      // Mostly one of the last three calls (a client retrying what it just sent), else any earlier one.
      const h = model.history;
      await step(model, real, this.st.recent ? h[h.length - 1 - (this.st.idx % Math.min(3, h.length))] : h[this.st.idx % h.length]);
      return;
    }
    await step(model, real, resolve(model, this.st));
  }
  toString(): string {
    return JSON.stringify(this.st);
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries.

/** Mostly one of the four opened at the start; the fifth (unknown until a step opens it) rarely. */
const wallet = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 20 }, { arbitrary: fc.constant(4), weight: 1 });
const currency = fc.integer({ min: 0, max: CURRENCIES.length - 1 });
const ref: fc.Arbitrary<Pick> = fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.nat(), weight: 1 });
const dst: fc.Arbitrary<DstPick> = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 20 },
  { arbitrary: fc.constant('self' as const), weight: 1 },
  { arbitrary: fc.constant('fifth' as const), weight: 1 },
);
/** Currency offset: 0 same currency, else cross-currency. */
const currencyOff = fc.integer({ min: 0, max: CURRENCIES.length - 1 });
const amount = (max: number) => fc.integer({ min: 1, max });
const cmd = (a: fc.Arbitrary<Step>) => a.map((st) => new StepCommand(st));

const commandArbs = [
  cmd(
    fc.record({
      s: fc.constant('open' as const),
      w: wallet,
      currencies: fc.subarray([...CURRENCIES], { minLength: 1 }),
      overdraft: fc.boolean(),
    }),
  ),
  cmd(fc.record({ s: fc.constant('deposit' as const), ref, w: wallet, c: currency, minor: amount(5_000) })),
  cmd(fc.record({ s: fc.constant('deposit' as const), ref, w: wallet, c: currency, minor: amount(5_000) })),
  cmd(fc.record({ s: fc.constant('withdraw' as const), ref, w: wallet, c: currency, minor: amount(3_000) })),
  ...[1, 2, 3, 4].map(() =>
    cmd(
      fc.record(
        {
          s: fc.constant('transfer' as const),
          ref,
          w: wallet,
          dst,
          dc: currency,
          cc: currencyOff,
          debit: amount(3_000),
          credit: amount(500_000),
          revenue: fc.nat(3_000),
        },
        { requiredKeys: ['s', 'ref', 'w', 'dst', 'dc', 'cc', 'debit', 'credit'] },
      ),
    ),
  ),
  ...[1, 2].map(() =>
    cmd(
      fc.record(
        { s: fc.constant('hold' as const), ref, w: wallet, c: currency, minor: amount(3_000), expiry: fc.integer({ min: 1, max: 30 }) },
        { requiredKeys: ['s', 'ref', 'w', 'c', 'minor'] },
      ),
    ),
  ),
  ...[1, 2].map(() =>
    cmd(
      fc.record(
        {
          s: fc.constant('capture' as const),
          hold: fc.nat(),
          ref,
          dst,
          pct: fc.integer({ min: 1, max: 120 }),
          cc: currencyOff,
          credit: amount(500_000),
          revenue: fc.nat(3_000),
        },
        { requiredKeys: ['s', 'hold', 'ref', 'dst', 'cc', 'credit'] },
      ),
    ),
  ),
  cmd(fc.record({ s: fc.constant('release' as const), hold: fc.nat() })),
  cmd(fc.record({ s: fc.constant('expire' as const), minute: fc.integer({ min: 0, max: 35 }) })),
  ...[1, 2, 3, 4].map(() =>
    cmd(
      fc.record(
        {
          s: fc.constant('reverse' as const),
          ref,
          original: fc.nat(),
          permille: fc.oneof(
            { arbitrary: fc.integer({ min: 1, max: 400 }), weight: 3 },
            { arbitrary: fc.integer({ min: 1, max: 1_100 }), weight: 1 },
          ),
          jitter: fc.integer({ min: 0, max: 7 }),
        },
        { requiredKeys: ['s', 'ref', 'original', 'jitter'] },
      ),
    ),
  ),
  cmd(
    fc.record({
      s: fc.constant('status' as const),
      w: wallet,
      action: fc.constantFrom('freeze' as const, 'unfreeze' as const, 'unfreeze' as const, 'close' as const),
    }),
  ),
  ...[1, 2, 3].map(() => cmd(fc.record({ s: fc.constant('retry' as const), idx: fc.nat(), recent: fc.boolean() }))),
];

/** Every run starts from four wallets, three funded, one allowing overdraft; a step may open the fifth. */
const BOOTSTRAP: Call[] = [
  { op: 'open', wallet: 'ACC_A', currencies: ['USD', 'EUR'], overdraft: false },
  { op: 'open', wallet: 'ACC_B', currencies: ['EUR'], overdraft: false },
  { op: 'open', wallet: 'acc_c', currencies: ['USD'], overdraft: false },
  { op: 'open', wallet: 'zz_d', currencies: ['JPY'], overdraft: true },
  { op: 'deposit', ref: 'boot-1', wallet: 'ACC_A', currency: 'USD', minor: 8_000n },
  { op: 'deposit', ref: 'boot-2', wallet: 'ACC_A', currency: 'EUR', minor: 6_000n },
  { op: 'deposit', ref: 'boot-3', wallet: 'acc_c', currency: 'USD', minor: 3_000n },
  { op: 'deposit', ref: 'boot-4', wallet: 'ACC_B', currency: 'JPY', minor: 9_000n },
];

const RUNS: Record<Driver, { runs: number; steps: number }> = {
  pglite: { runs: 60, steps: 30 },
  postgres: { runs: 40, steps: 30 },
};

describe.each<Driver>(DRIVERS)('ledger model on %s', (driver) => {
  let t: ServiceTestDb;
  let ledger: LedgerRepository;

  beforeAll(async () => {
    t = await openServiceTestDb(driver, 'wallet', { poolSize: 4 });
    ledger = new LedgerRepository(t.db);
  }, 60_000);

  afterAll(() => t?.close(), 30_000);

  const { runs, steps } = RUNS[driver];
  it(`agrees with the model: ${runs} runs × up to ${steps} steps (+${BOOTSTRAP.length} setup), verifyLedger clean after each`, async () => {
    let stepsRun = 0;
    SEEN.clear();
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbs, { maxCommands: steps, size: 'max' }), async (cmds) => {
        const real: Real = { ledger, db: t.db, merchant: `m_model_${randomBytes(4).toString('hex')}` };
        const model = new LedgerModel();
        try {
          for (const c of BOOTSTRAP) await step(model, real, c);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          await expectSameBalances(model, real, true);
          const report = await verifyLedger(t.db);
          expect(report.violations).toEqual([]);
          expect(report.ok).toBe(true);
          stepsRun += model.history.length;
        } finally {
          // Holds left active with an expiry would be swept by the next run's `expire`: sweep them now.
          await ledger.expireHolds(minute(1_000_000), 100_000);
        }
      }),
      {
        numRuns: runs,
        // A fixed seed by default: the coverage check below asks that rare steps (a replayed
        // reversal) came up, which a random seed misses now and then. FC_SEED explores others.
        seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : 42,
        // Shrinking replays whole runs against the database: bound it, so a failure still reports
        // its (best) counterexample before Jest's timeout would swallow it.
        interruptAfterTimeLimit: 90_000,
      },
    );
    // The runs did exercise every kind of step, replays and the common refusals.
    const wanted = [
      ...['open', 'deposit', 'withdraw', 'transfer', 'hold', 'capture', 'release', 'expire', 'reverse', 'status'].map((op) => `${op} ok`),
      ...['deposit', 'transfer', 'hold', 'reverse'].map((op) => `${op} replay`),
      'transfer INSUFFICIENT_FUNDS',
      'transfer REFERENCE_REUSED',
      'transfer ACCOUNT_NOT_FOUND',
      'capture HOLD_NOT_FOUND',
      'reverse TRANSFER_NOT_FOUND',
    ];
    expect(wanted.filter((w) => !SEEN.has(w))).toEqual([]);
    expect(stepsRun).toBeGreaterThan(runs * (BOOTSTRAP.length + steps / 3));
  }, 150_000);
});
