import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { readFileSync, statSync } from 'node:fs';
import { RulesFile, RulesFileError, parseRulesFile } from './domain';
import { RiskMetrics } from './risk.metrics';
import { RISK_SETTINGS, RiskSettings, riskSettings } from './risk.settings';

const log = new Logger('RiskRules');

/** The path of the live rules file: `RISK_RULES_FILE`, or the shipped default. */
export function rulesPath(env: NodeJS.ProcessEnv = process.env): string {
  return riskSettings(env).rulesFile;
}

/** Reads, parses and validates a rules file; every failure is a RulesFileError naming the file. */
export function loadRulesFile(path: string): RulesFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RulesFileError('', `cannot be read: ${(e as Error).message}`, path);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // JSON.parse's message does not say which file: name it, like every other rules file error.
    throw new RulesFileError('', `is not valid JSON: ${(e as Error).message}`, path);
  }
  return parseRulesFile(raw, path);
}

export type RulesRole = 'live' | 'shadow';

export interface RulesStatus {
  role: RulesRole;
  file: string;
  version: string;
  rules: number;
  loaded_at: string;
  /** The last rejected reload (the rules above kept running), until a good file loads. */
  last_error: { message: string; at: string } | null;
}

export type CheckResult = 'unchanged' | 'pending' | 'reloaded' | 'rejected';

/**
 * One rules file, validated at load and reloaded when it changes on disk, without a restart.
 * Watching polls the file's modification time, size and inode (robust to editors that replace
 * the file and to mounted volumes, where fs.watch misses events); a change is read once the
 * file has stayed the same for one more poll (a debounce against half-written files). A bad
 * file is rejected with a clear error (logged, counted, shown in /healthz) and the rules in
 * force keep running; the same bad file is not re-read until it changes again.
 */
export class RulesSource {
  private rules?: RulesFile;
  private loadedAt?: Date;
  /** Stat of the content in force or last rejected: a change is anything else. */
  private settledKey?: string;
  private pendingKey?: string;
  private lastError: { message: string; at: Date } | null = null;
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<(result: 'reloaded' | 'rejected', source: RulesSource) => void>();

  constructor(
    readonly path: string,
    readonly role: RulesRole,
    private readonly metrics?: RiskMetrics,
  ) {}

  /** First load: a bad file throws (the service does not start on rules it cannot read). */
  load(): RulesFile {
    const key = this.statKey();
    const rules = loadRulesFile(this.path);
    this.install(rules, key);
    log.log(`${this.role} rules ${rules.version} loaded from ${this.path} (${rules.rules.length} rules)`);
    return rules;
  }

  current(): RulesFile {
    if (!this.rules) throw new Error(`${this.role} rules are not loaded yet`);
    return this.rules;
  }

  loaded(): boolean {
    return this.rules !== undefined;
  }

  /** One poll: reload when the file changed and has been stable since the previous poll. */
  check(): CheckResult {
    const key = this.statKey();
    if (key === this.settledKey) {
      this.pendingKey = undefined;
      return 'unchanged';
    }
    if (key !== this.pendingKey) {
      this.pendingKey = key;
      return 'pending';
    }
    return this.reload(key);
  }

  /** Reload now, whatever the file's stat says (an operator's "reload", tests). */
  reloadNow(): 'reloaded' | 'rejected' {
    return this.reload(this.statKey());
  }

  /** Calls `listener` after every reload attempt; returns an unsubscribe. */
  onReload(listener: (result: 'reloaded' | 'rejected', source: RulesSource) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(pollMs: number): void {
    if (pollMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.check(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  status(): RulesStatus | null {
    if (!this.rules) return null;
    return {
      role: this.role,
      file: this.path,
      version: this.rules.version,
      rules: this.rules.rules.length,
      loaded_at: this.loadedAt!.toISOString(),
      last_error: this.lastError && { message: this.lastError.message, at: this.lastError.at.toISOString() },
    };
  }

  private reload(key: string): 'reloaded' | 'rejected' {
    this.pendingKey = undefined;
    this.settledKey = key;
    let result: 'reloaded' | 'rejected';
    try {
      const rules = loadRulesFile(this.path);
      const previous = this.rules?.version;
      this.install(rules, key);
      this.lastError = null;
      log.log(`${this.role} rules ${rules.version} reloaded from ${this.path} (${rules.rules.length} rules; was ${previous ?? 'none'})`);
      this.metrics?.reloads.inc({ rules: this.role, result: 'ok' });
      result = 'reloaded';
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.lastError = { message, at: new Date() };
      log.error(`${this.role} rules reload rejected, ${this.rules?.version ?? 'no rules'} keep running: ${message}`);
      this.metrics?.reloads.inc({ rules: this.role, result: 'error' });
      result = 'rejected';
    }
    for (const l of this.listeners) l(result, this);
    return result;
  }

  private install(rules: RulesFile, key: string): void {
    if (this.rules) this.metrics?.rulesInfo.remove({ rules: this.role, version: this.rules.version });
    this.rules = rules;
    this.loadedAt = new Date();
    this.settledKey = key;
    this.metrics?.rulesInfo.set({ rules: this.role, version: rules.version }, 1);
  }

  /** mtime, size and inode; "missing" when the file cannot be stat'ed (a reload then reports why). */
  private statKey(): string {
    try {
      const s = statSync(this.path, { bigint: true });
      return `${s.mtimeNs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }
}

/**
 * The live rules file and, in shadow mode, a draft one (`RISK_SHADOW_RULES_FILE`) scored
 * alongside it. Both are validated at start (a bad file stops the service with the error) and
 * reloaded on change while the service runs.
 */
@Injectable()
export class RulesProvider implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private live?: RulesSource;
  private draft?: RulesSource;
  private settings?: RiskSettings;
  private warnedIncompatible?: string;

  constructor(
    @Optional() @Inject(RISK_SETTINGS) settings?: RiskSettings,
    @Optional() private readonly metrics?: RiskMetrics,
  ) {
    this.settings = settings;
  }

  onModuleInit(): void {
    const settings = (this.settings ??= riskSettings(process.env));
    const live = new RulesSource(settings.rulesFile, 'live', this.metrics);
    live.load();
    this.live = live;
    if (settings.shadowRulesFile !== undefined) {
      const draft = new RulesSource(settings.shadowRulesFile, 'shadow', this.metrics);
      draft.load();
      this.draft = draft;
      this.compatibleShadow();
    }
  }

  onApplicationBootstrap(): void {
    const pollMs = this.settings?.pollMs ?? 0;
    this.live?.start(pollMs);
    this.draft?.start(pollMs);
  }

  onApplicationShutdown(): void {
    this.live?.stop();
    this.draft?.stop();
  }

  /** The live rules (loading them on first use outside Nest). */
  current(): RulesFile {
    if (!this.live) this.onModuleInit();
    return this.live!.current();
  }

  /** The shadow rules, when configured and scoring in the live reference currency. */
  shadow(): RulesFile | undefined {
    return this.compatibleShadow();
  }

  sources(): { live?: RulesSource; shadow?: RulesSource } {
    return { live: this.live, shadow: this.draft };
  }

  status(): { live: RulesStatus | null; shadow: (RulesStatus & { evaluated: boolean }) | null } {
    const shadow = this.draft?.status() ?? null;
    return { live: this.live?.status() ?? null, shadow: shadow && { ...shadow, evaluated: this.compatibleShadow() !== undefined } };
  }

  /** Velocity sums are kept in one currency: a draft in another reference currency is not evaluated (said once per pair). */
  private compatibleShadow(): RulesFile | undefined {
    if (!this.draft || !this.live) return undefined;
    const draft = this.draft.current();
    const live = this.live.current();
    if (draft.reference_currency === live.reference_currency) return draft;
    const pair = `${live.version}/${draft.version}`;
    if (this.warnedIncompatible !== pair) {
      this.warnedIncompatible = pair;
      log.error(
        `shadow rules ${draft.version} (${this.draft.path}) price in ${draft.reference_currency} but the live rules ${live.version} in ${live.reference_currency}: the shadow is not evaluated until they agree`,
      );
    }
    return undefined;
  }
}
