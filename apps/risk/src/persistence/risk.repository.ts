import { Injectable, Logger } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { BatchResult, Db, InjectDb, KeyedBatcher, queryRows, retryTransaction, runStatement } from '@paygate/database';
import { SameInstantHistory, WINDOWS, type FeaturesJson, type HistoryFeatures, type HistorySpec, type RiskAssessment } from '../domain';

const log = new Logger('RiskRepository');

export interface DecisionInput {
  paymentId: string;
  account: string;
  destination?: string;
  currency: string;
  amountMinor: bigint;
  /** The amount in `referenceCurrency` (undefined: unpriced). Velocity sums and bands read it. */
  amountRefMinor?: bigint;
  referenceCurrency: string;
}

/** What is stored with a decision besides the assessment. */
export interface DecisionRecord {
  assessment: RiskAssessment;
  features: FeaturesJson;
  shadow?: { assessment: RiskAssessment; diverged: boolean };
}

export interface Decided {
  assessment: RiskAssessment;
  /** True when this call decided and recorded; false when an earlier record for the payment was returned. */
  fresh: boolean;
  /** What was recorded, when fresh. */
  record?: DecisionRecord;
}

/** A stored decision row, for audit and replay. */
export interface StoredDecision {
  assessment: RiskAssessment;
  features: FeaturesJson;
  amountRefMinor: bigint | null;
  refCurrency: string | null;
  shadow: { rulesVersion: string; score: number; decision: string; reasons: RiskAssessment['reasons']; diverged: boolean } | null;
  createdAt: string;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Conn = Db | Tx;

interface HistoryRow {
  now: string;
  c1m: number;
  c1h: number;
  c24h: number;
  s1m: string;
  s1h: string;
  s24h: string;
  age: string | null;
  seen: boolean | null;
  hist: string;
  recorded: AssessmentRow | null;
  /** Id of the account's newest decision (null: none yet). */
  newest: string | null;
  [band: string]: unknown;
}

interface AssessmentRow {
  score: number;
  decision: RiskAssessment['decision'];
  reasons: RiskAssessment['reasons'];
  rules_version: string;
}

/**
 * Persistence of risk decisions (owns the `risk` schema). Velocity is read from the recorded
 * decisions in PostgreSQL (or PGlite), so every replica sees the same history. Decisions of one
 * account are serialised by the account's advisory lock: each is computed on every earlier one
 * (N concurrent payments see counts 0…N−1, so a burst cannot slip under a velocity threshold),
 * and all share the database clock. Usually in two round trips: the history is read without a
 * lock, and `risk.record_decision` records the decision under the lock only if no other decision
 * of the account came in since (else it is decided again inside a locked transaction). A
 * payment is recorded once (unique on merchant + payment id). A hot account's payments that wait
 * while one of its decisions is made are decided together: one read, each decided on it plus the
 * ones before it, recorded together at the read's instant (`risk.record_decisions_together`).
 */
@Injectable()
export class RiskRepository {
  /** A merchant's history reads (same spec and shape) that arrive while one runs: one statement. */
  private readonly reads = new KeyedBatcher<HistoryRead, HistoryRow>((items) => this.readBatch(items));
  /** A merchant's optimistic records that arrive while one batch records: one statement. */
  private readonly records = new KeyedBatcher<unknown[], RecordOutcome>((items) => this.recordBatch(items));
  /** One account's decisions: one batch at a time, the ones that waited decided together. */
  private readonly accounts = new KeyedBatcher<DecisionItem, Decided>((items) => this.decideBatch(items));

  constructor(@InjectDb() private readonly db: Db) {}

  async recorded(merchantId: string, paymentId: string): Promise<RiskAssessment | undefined> {
    const [row] = await queryRows<AssessmentRow>(
      this.db,
      sql`select score, decision, reasons, rules_version from risk.decisions where merchant_id = ${merchantId} and payment_id = ${paymentId}`,
    );
    return row && toAssessment(row);
  }

  /** The account's history now, without recording anything (a dry run). */
  async history(merchantId: string, account: string, destination: string | undefined, spec: HistorySpec): Promise<HistoryFeatures> {
    return (await this.historyIn(this.db, merchantId, account, destination, spec, undefined)).history;
  }

  /**
   * Scores and records a payment's decision once: `decide` gets the account's history (not
   * counting this payment) and returns what to record; an earlier or concurrent record for the
   * payment wins and is returned instead (with `fresh: false`).
   */
  async decideOnce(
    merchantId: string,
    input: DecisionInput,
    spec: HistorySpec,
    decide: (h: HistoryFeatures) => DecisionRecord,
  ): Promise<Decided> {
    if (input.referenceCurrency !== spec.referenceCurrency) {
      throw new RangeError(`input priced in ${input.referenceCurrency}, history spec in ${spec.referenceCurrency}`);
    }
    // One account's decisions in this process go one batch at a time, so the fast path's check
    // rarely fails here; other replicas are what the check is for.
    return this.accounts.submit(`${merchantId}:${input.account}`, { merchantId, input, spec, decide });
  }

  /** One account's decisions that waited while its previous ones were made. */
  private async decideBatch(items: DecisionItem[]): Promise<Array<BatchResult<Decided>>> {
    if (items.length > 1) {
      // A failure here recorded nothing (one statement records all or none): each is decided alone.
      const together = await this.decideTogether(items).catch((e: unknown) => {
        log.warn(`deciding ${items.length} payments of one account together failed (${(e as Error).message}); deciding each alone`);
        return undefined;
      });
      if (together) return together.map((value) => ({ ok: true, value }));
    }
    const out: Array<BatchResult<Decided>> = [];
    for (const { merchantId, input, spec, decide } of items) {
      try {
        const fast = await this.decideOptimistically(merchantId, input, spec, decide);
        out.push({ ok: true, value: fast ?? (await this.decideLocked(merchantId, input, spec, decide)) });
      } catch (error) {
        out.push({ ok: false, error });
      }
    }
    return out;
  }

  /**
   * Two round trips for several payments of one account: one history read, then each payment
   * decided on it and on the ones before it (as if each were recorded at the read's instant,
   * which is where they are recorded), then all recorded in one statement if the account's newest
   * decision is still the one the read saw. Undefined when they cannot go together (a payment
   * recorded already, a decision since the read, rules reloaded in between): the caller decides
   * them one by one, and nothing of this attempt was recorded. A payment asked twice is decided
   * once; the second call gets the same assessment (not fresh), as it would from the record.
   */
  private async decideTogether(all: DecisionItem[]): Promise<Decided[] | undefined> {
    const [{ merchantId, input: first, spec }] = all;
    if (all.some((i) => i.spec !== spec)) return undefined;
    /** Position in `items` of each payment's first call. */
    const firstOf = new Map<string, number>();
    const items: DecisionItem[] = [];
    for (const item of all) {
      if (firstOf.has(item.input.paymentId)) continue;
      firstOf.set(item.input.paymentId, items.length);
      items.push(item);
    }
    const destinations = [...new Set(items.flatMap((i) => (i.input.destination === undefined ? [] : [i.input.destination])))];
    const [row] = await runStatement<HistoryRow & { seen_list: string[] }>(this.db, togetherText(compiledQuery(spec)), [
      merchantId,
      first.account,
      destinations,
    ]);
    const history = new SameInstantHistory(historyOf(row, spec, undefined), row.seen_list, spec);
    const records = items.map(({ input, decide }) => {
      const record = decide(history.read(input.destination));
      history.record({ destination: input.destination, amountRefMinor: input.amountRefMinor });
      return record;
    });
    const values = items.map(({ input }, i) => decisionValues(merchantId, input, records[i], row.now));
    const [r] = await runStatement<{ outcome: RecordOutcome }>(this.db, RECORD_TOGETHER, [JSON.stringify(values), row.newest]);
    if (r.outcome !== 'recorded') return undefined;
    return all.map((item) => {
      const k = firstOf.get(item.input.paymentId)!;
      return items[k] === item
        ? { assessment: records[k].assessment, fresh: true, record: records[k] }
        : { assessment: records[k].assessment, fresh: false };
    });
  }

  /**
   * Two round trips and no transaction held: read the history (with the account's newest
   * decision), decide, then `risk.record_decision` records it under the account's lock only if
   * that newest decision is still the newest. Undefined when it was not (decide again, locked).
   */
  private async decideOptimistically(
    merchantId: string,
    input: DecisionInput,
    spec: HistorySpec,
    decide: (h: HistoryFeatures) => DecisionRecord,
  ): Promise<Decided | undefined> {
    const { history, now, recorded, newest } = await this.historyIn(
      this.db,
      merchantId,
      input.account,
      input.destination,
      spec,
      input.paymentId,
    );
    if (recorded) return { assessment: recorded, fresh: false };
    const record = decide(history);
    const a = record.assessment;
    const outcome = await this.records.submit(merchantId, [...decisionValues(merchantId, input, record, now), newest]);
    if (outcome === 'recorded') return { assessment: a, fresh: true, record };
    if (outcome === 'exists') {
      const earlier = await this.recorded(merchantId, input.paymentId);
      if (earlier) return { assessment: earlier, fresh: false };
    }
    return undefined;
  }

  /** The locked path: the account's advisory lock for the whole transaction, then read, decide, insert. */
  private async decideLocked(
    merchantId: string,
    input: DecisionInput,
    spec: HistorySpec,
    decide: (h: HistoryFeatures) => DecisionRecord,
  ): Promise<Decided> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`risk:${merchantId}:${input.account}`}, 0))`);
      const { history, now, recorded } = await this.historyIn(tx, merchantId, input.account, input.destination, spec, input.paymentId);
      if (recorded) return { assessment: recorded, fresh: false };
      const record = decide(history);
      const inserted = await runStatement<{ id: string }>(tx, INSERT_DECISION, decisionValues(merchantId, input, record, now));
      if (inserted.length > 0) return { assessment: record.assessment, fresh: true, record };
      const [row] = await queryRows<AssessmentRow>(
        tx,
        sql`select score, decision, reasons, rules_version from risk.decisions where merchant_id = ${merchantId} and payment_id = ${input.paymentId}`,
      );
      return { assessment: toAssessment(row), fresh: false };
    });
  }

  /** The full stored decision of a payment (audit, replay), or undefined. */
  async stored(merchantId: string, paymentId: string): Promise<StoredDecision | undefined> {
    const [row] = await queryRows<
      AssessmentRow & {
        features: FeaturesJson;
        amount_ref_minor: string | null;
        ref_currency: string | null;
        shadow_rules_version: string | null;
        shadow_score: number | null;
        shadow_decision: string | null;
        shadow_reasons: RiskAssessment['reasons'] | null;
        shadow_diverged: boolean | null;
        created_at: string;
      }
    >(
      this.db,
      sql`select score, decision, reasons, rules_version, features, amount_ref_minor::text as amount_ref_minor, ref_currency,
                 shadow_rules_version, shadow_score, shadow_decision, shadow_reasons, shadow_diverged, created_at::text as created_at
            from risk.decisions where merchant_id = ${merchantId} and payment_id = ${paymentId}`,
    );
    if (!row) return undefined;
    return {
      assessment: toAssessment(row),
      features: row.features,
      amountRefMinor: row.amount_ref_minor === null ? null : BigInt(row.amount_ref_minor),
      refCurrency: row.ref_currency,
      shadow:
        row.shadow_rules_version === null
          ? null
          : {
              rulesVersion: row.shadow_rules_version,
              score: row.shadow_score!,
              decision: row.shadow_decision!,
              reasons: row.shadow_reasons ?? [],
              diverged: row.shadow_diverged === true,
            },
      createdAt: row.created_at,
    };
  }

  /** Several history reads of one merchant, spec and shape in one statement (a lateral read per item). */
  private async readBatch(items: HistoryRead[]): Promise<Array<BatchResult<HistoryRow>>> {
    const [first] = items;
    if (items.length === 1) {
      const text = historyText(first.compiled, first.withDestination, first.withPayment);
      const [row] = await runStatement<HistoryRow>(this.db, text, [first.merchantId, first.account, first.destination, first.paymentId]);
      return [{ ok: true, value: row }];
    }
    const rows = await runStatement<HistoryRow & { item: number }>(
      this.db,
      historyBatchText(first.compiled, first.withDestination, first.withPayment),
      [first.merchantId, items.map((i) => i.account), items.map((i) => i.destination), items.map((i) => i.paymentId)],
    );
    const byItem = new Map(rows.map((r) => [Number(r.item), r]));
    return items.map((_, i) => ({ ok: true, value: byItem.get(i + 1)! }));
  }

  /**
   * Several optimistic records (`risk.record_decision`, each under its account's lock) in one
   * statement, in account order so that two replicas' batches cannot deadlock (and if a
   * deadlock with anything else happens, the whole statement runs again: nothing of it stayed).
   */
  private async recordBatch(items: unknown[][]): Promise<Array<BatchResult<RecordOutcome>>> {
    if (items.length === 1) {
      const [r] = await runStatement<{ outcome: RecordOutcome }>(this.db, RECORD_DECISION, items[0]);
      return [{ ok: true, value: r.outcome }];
    }
    const rows = await retryTransaction(() =>
      runStatement<{ item: number; outcome: RecordOutcome }>(this.db, RECORD_DECISIONS, [JSON.stringify(items)]),
    );
    const byItem = new Map(rows.map((r) => [Number(r.item), r.outcome]));
    return items.map((_, i) => ({ ok: true, value: byItem.get(i + 1)! }));
  }

  /**
   * One statement: the database clock (`statement_timestamp()`: a decision recorded on this read
   * is newer than every decision it saw, so timestamps of one account's decisions only grow), the
   * account's newest decision, the velocity aggregates over
   * the scan window, the first payment, whether the destination was paid, the history sample
   * and, when a payment id is given, its earlier record.
   */
  private async historyIn(
    db: Conn,
    merchantId: string,
    account: string,
    destination: string | undefined,
    spec: HistorySpec,
    paymentId: string | undefined,
  ): Promise<{ history: HistoryFeatures; now: string; recorded?: RiskAssessment; newest: string | null }> {
    // An aggregate without GROUP BY: exactly one row, also for an account never seen. The text
    // depends only on the spec and on which optional inputs are given: built once, prepared.
    // Outside a transaction, concurrent reads of the merchant go together (readBatch).
    const compiled = compiledQuery(spec);
    const withDestination = destination !== undefined;
    const withPayment = paymentId !== undefined;
    const row =
      db === this.db
        ? await this.reads.submit(`${merchantId}|${compiled.id}|${withDestination}:${withPayment}`, {
            merchantId,
            compiled,
            withDestination,
            withPayment,
            account,
            destination: destination ?? null,
            paymentId: paymentId ?? null,
          })
        : (
            await runStatement<HistoryRow>(db, historyText(compiled, withDestination, withPayment), [
              merchantId,
              account,
              destination ?? null,
              paymentId ?? null,
            ])
          )[0];
    const out: { history: HistoryFeatures; now: string; recorded?: RiskAssessment; newest: string | null } = {
      history: historyOf(row, spec, destination),
      now: row.now,
      newest: row.newest,
    };
    if (row.recorded) out.recorded = toAssessment(row.recorded);
    return out;
  }
}

/** The features of a history row (`seen` read for `destination`). */
function historyOf(row: HistoryRow, spec: HistorySpec, destination: string | undefined): HistoryFeatures {
  const bandCounts: Record<string, number> = {};
  for (const b of spec.bands) bandCounts[b.key] = Number(row[b.key]);
  return {
    count1m: row.c1m,
    count1h: row.c1h,
    count24h: row.c24h,
    sum1mRefMinor: BigInt(row.s1m),
    sum1hRefMinor: BigInt(row.s1h),
    sum24hRefMinor: BigInt(row.s24h),
    destinationSeen: destination === undefined ? undefined : Boolean(row.seen),
    // A row from a replica whose clock ran a hair ahead must not make an age negative.
    accountAgeSeconds: row.age === null ? undefined : Math.max(0, Number(row.age)),
    bandCounts,
    historyRefMinor: row.hist === '' ? [] : row.hist.split(',').map((v) => BigInt(v)),
  };
}

/** One payment's decision waiting for its account's batch. */
interface DecisionItem {
  merchantId: string;
  input: DecisionInput;
  spec: HistorySpec;
  decide: (h: HistoryFeatures) => DecisionRecord;
}

/** One history read waiting for its batch. */
interface HistoryRead {
  merchantId: string;
  compiled: CompiledQuery;
  withDestination: boolean;
  withPayment: boolean;
  account: string;
  destination: string | null;
  paymentId: string | null;
}

/** The SQL text of a history read that depends only on the spec (built once per spec). */
interface CompiledQuery {
  /** Names this spec's statements in batch keys. */
  id: number;
  /** The velocity and band aggregates over alias `d`. */
  aggregates: string;
  /** Filter, order and limit of the history sample over alias `h`. */
  sampleTail: string;
  /** The scan window over alias `d`. */
  scanTail: string;
}

const COMPILED = new WeakMap<HistorySpec, CompiledQuery>();
let compiledCount = 0;

/**
 * Builds the spec's part of the history read once. Only checked literals are inlined (an ISO
 * currency code, whole numbers of minor units and seconds); merchant, account, destination and
 * payment ids are always bound parameters.
 */
function compiledQuery(spec: HistorySpec): CompiledQuery {
  const cached = COMPILED.get(spec);
  if (cached) return cached;
  if (!/^[A-Z]{3}$/.test(spec.referenceCurrency)) throw new RangeError(`bad reference currency ${spec.referenceCurrency}`);
  const seconds = (n: number) => {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`bad window ${n}`);
    return `d.created_at > statement_timestamp() - interval '${n} seconds'`;
  };
  const minor = (v: bigint) => {
    if (typeof v !== 'bigint') throw new TypeError('band bounds must be bigint minor units');
    return v.toString();
  };
  if (!Number.isSafeInteger(spec.historySize) || spec.historySize < 1) throw new RangeError(`bad history size ${spec.historySize}`);
  const ref = `'${spec.referenceCurrency}'`;
  const sum = (n: number) => `coalesce(sum(d.amount_ref_minor) filter (where d.ref_currency = ${ref} and ${seconds(n)}), 0)::text`;
  const columns = [
    `count(*) filter (where ${seconds(WINDOWS['1m'])})::int as c1m`,
    `count(*) filter (where ${seconds(WINDOWS['1h'])})::int as c1h`,
    `count(*) filter (where ${seconds(WINDOWS['24h'])})::int as c24h`,
    `${sum(WINDOWS['1m'])} as s1m`,
    `${sum(WINDOWS['1h'])} as s1h`,
    `${sum(WINDOWS['24h'])} as s24h`,
    ...spec.bands.map((b, i) => {
      if (b.key !== `b${i}`) throw new RangeError(`band keys must be b0, b1, …; got ${b.key}`);
      const bounds = [
        b.gteMinor === undefined ? '' : ` and d.amount_ref_minor >= ${minor(b.gteMinor)}`,
        b.ltMinor === undefined ? '' : ` and d.amount_ref_minor < ${minor(b.ltMinor)}`,
      ];
      return `count(*) filter (where d.ref_currency = ${ref} and ${seconds(b.windowSeconds)}${bounds.join('')})::int as ${b.key}`;
    }),
  ];
  const compiled: CompiledQuery = {
    id: ++compiledCount,
    aggregates: columns.join(',\n       '),
    sampleTail: `and h.ref_currency = ${ref} and h.amount_ref_minor is not null order by h.created_at desc, h.id desc limit ${spec.historySize}`,
    scanTail: `and ${seconds(spec.maxWindowSeconds)}`,
  };
  COMPILED.set(spec, compiled);
  return compiled;
}

/** A decision's values, in the column order of INSERT_DECISION and of risk.record_decision's first 19 parameters. */
function decisionValues(merchantId: string, input: DecisionInput, record: DecisionRecord, now: string): unknown[] {
  const { assessment: a, shadow } = record;
  return [
    merchantId,
    input.paymentId,
    input.account,
    input.destination ?? null,
    input.currency,
    input.amountMinor.toString(),
    input.amountRefMinor === undefined ? null : input.amountRefMinor.toString(),
    input.referenceCurrency,
    a.score,
    a.decision,
    JSON.stringify(a.reasons),
    a.rules_version,
    JSON.stringify(record.features),
    shadow?.assessment.rules_version ?? null,
    shadow?.assessment.score ?? null,
    shadow?.assessment.decision ?? null,
    shadow ? JSON.stringify(shadow.assessment.reasons) : null,
    shadow?.diverged ?? null,
    now,
  ];
}

const DECISION_PARAMS = `$1, $2, $3, $4, $5, $6::bigint, $7::bigint, $8, $9::integer, $10, $11::jsonb, $12, $13::jsonb,
                         $14, $15::integer, $16, $17::jsonb, $18::boolean, $19::timestamptz`;

/** The locked path's insert (the account's lock is held by the transaction). */
const INSERT_DECISION = `insert into risk.decisions (merchant_id, payment_id, account, destination, currency, amount_minor, amount_ref_minor,
                                                     ref_currency, score, decision, reasons, rules_version, features,
                                                     shadow_rules_version, shadow_score, shadow_decision, shadow_reasons,
                                                     shadow_diverged, created_at)
                         values (${DECISION_PARAMS}) on conflict do nothing returning id::text`;

/** risk.record_decision (migration 0003): 'recorded', 'exists' or 'stale'. */
const RECORD_DECISION = `select risk.record_decision(${DECISION_PARAMS}, $20::bigint) as outcome`;

type RecordOutcome = 'recorded' | 'exists' | 'stale';

/** Several records: $1 is a JSON array of RECORD_DECISION's 20 values per item, recorded in account order. */
const RECORD_DECISIONS = `select s.item, risk.record_decision(s.v->>0, s.v->>1, s.v->>2, s.v->>3, s.v->>4, (s.v->>5)::bigint, (s.v->>6)::bigint,
         s.v->>7, (s.v->>8)::integer, s.v->>9, (s.v->>10)::jsonb, s.v->>11, (s.v->>12)::jsonb, s.v->>13, (s.v->>14)::integer,
         s.v->>15, (s.v->>16)::jsonb, (s.v->>17)::boolean, (s.v->>18)::timestamptz, (s.v->>19)::bigint) as outcome
    from (select w.n::int as item, w.value as v from jsonb_array_elements($1::jsonb) with ordinality as w(value, n)
           order by (w.value->>2) collate "C", w.n offset 0) s`;

/** risk.record_decisions_together (migration 0005): $1 a JSON array of decisions' values, $2 the newest decision the read saw. */
const RECORD_TOGETHER = `select risk.record_decisions_together($1::jsonb, $2::bigint) as outcome`;

/** The history statement's text per spec and shape ($1 merchant, $2 account, $3 destination, $4 payment id: each referenced in every shape, so PostgreSQL knows its type). */
const HISTORY_TEXTS = new WeakMap<CompiledQuery, Map<string, string>>();

function historyText(q: CompiledQuery, withDestination: boolean, withPayment: boolean): string {
  return cachedText(q, `${withDestination}:${withPayment}`, () =>
    historyQuery(q, withDestination, withPayment, {
      account: '$2',
      destination: '$3::text',
      payment: '$4::text',
      noDestination: '(case when $3::text is null then null::boolean end)',
      noPayment: '(case when $4::text is null then null::json end)',
    }),
  );
}

/**
 * The same read for several accounts of one merchant: $2, $3, $4 are arrays (account,
 * destination, payment id), one lateral read per item; `item` is its 1-based position.
 */
function historyBatchText(q: CompiledQuery, withDestination: boolean, withPayment: boolean): string {
  return cachedText(q, `batch:${withDestination}:${withPayment}`, () => {
    const one = historyQuery(q, withDestination, withPayment, {
      account: 'i.account',
      destination: 'i.destination',
      payment: 'i.payment',
      noDestination: 'null::boolean',
      noPayment: 'null::json',
    });
    return `select i.n::int as item, q.*
      from unnest($2::text[], $3::text[], $4::text[]) with ordinality as i(account, destination, payment, n)
      cross join lateral (${one}) q`;
  });
}

/**
 * The read for several payments of one account ($1 merchant, $2 account): the history without
 * destination or payment, and which of the destinations in $3 (text[]) the account paid before.
 */
function togetherText(q: CompiledQuery): string {
  return cachedText(q, 'together', () => {
    const one = historyQuery(q, false, false, {
      account: '$2',
      destination: '',
      payment: '',
      noDestination: 'null::boolean',
      noPayment: 'null::json',
    });
    return `select q.*, coalesce((select json_agg(distinct s.destination) from risk.decisions s
                                   where s.account = $2 and s.merchant_id = $1 and s.payment_id is not null
                                     and s.destination = any($3::text[])), '[]'::json) as seen_list
      from (${one}) q`;
  });
}

function cachedText(q: CompiledQuery, shape: string, build: () => string): string {
  let texts = HISTORY_TEXTS.get(q);
  if (!texts) HISTORY_TEXTS.set(q, (texts = new Map()));
  let text = texts.get(shape);
  if (!text) texts.set(shape, (text = build()));
  return text;
}

function historyQuery(
  q: CompiledQuery,
  withDestination: boolean,
  withPayment: boolean,
  ref: { account: string; destination: string; payment: string; noDestination: string; noPayment: string },
): string {
  /** The account's recorded payments, as rows of alias `a`. */
  const mine = (a: string) => `${a}.merchant_id = $1 and ${a}.account = ${ref.account} and ${a}.payment_id is not null`;
  const seen = withDestination
    ? `exists(select 1 from risk.decisions s where ${mine('s')} and s.destination = ${ref.destination})`
    : ref.noDestination;
  const recorded = withPayment
    ? `(select json_build_object('score', r.score, 'decision', r.decision, 'reasons', r.reasons, 'rules_version', r.rules_version)
          from risk.decisions r where r.merchant_id = $1 and r.payment_id = ${ref.payment})`
    : ref.noPayment;
  return `select statement_timestamp()::text as now, ${q.aggregates},
          (select floor(extract(epoch from (statement_timestamp() - min(f.created_at))))::bigint::text from risk.decisions f where ${mine('f')}) as age,
          ${seen} as seen,
          array_to_string(array(select h.amount_ref_minor from risk.decisions h where ${mine('h')} ${q.sampleTail}), ',') as hist,
          ${recorded} as recorded,
          (select n.id::text from risk.decisions n where ${mine('n')} order by n.created_at desc, n.id desc limit 1) as newest
     from risk.decisions d
    where ${mine('d')} ${q.scanTail}`;
}

function toAssessment(row: AssessmentRow): RiskAssessment {
  return { score: row.score, decision: row.decision, reasons: row.reasons, rules_version: row.rules_version };
}
