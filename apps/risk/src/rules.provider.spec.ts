import { mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { RulesFileError } from './domain';
import { RiskMetrics } from './risk.metrics';
import { riskSettings } from './risk.settings';
import { RulesProvider, RulesSource, loadRulesFile, rulesPath } from './rules.provider';

const SHIPPED = resolve(__dirname, '..', 'rules', 'default.rules.json');
type RulesJson = Record<string, unknown> & { rules: Array<Record<string, unknown>>; thresholds: Record<string, number> };
const shipped = (): RulesJson => JSON.parse(readFileSync(SHIPPED, 'utf8')) as RulesJson;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'risk-rules-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The shipped file with one change, written to `name` (with a fresh mtime, so a change is always visible to the watcher). */
let tick = 0;
function writeVariant(name: string, change: (json: RulesJson) => void = () => undefined): string {
  const json = shipped();
  change(json);
  return writeRaw(name, JSON.stringify(json, null, 2));
}
function writeRaw(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  const t = new Date(Date.UTC(2030, 0, 1) + ++tick * 1000);
  utimesSync(path, t, t);
  return path;
}

describe('risk settings', () => {
  it('default to the shipped rules, no shadow, polling every second', () => {
    expect(riskSettings({})).toEqual({ rulesFile: SHIPPED, pollMs: 1000 });
    expect(rulesPath({})).toBe(SHIPPED);
    expect(rulesPath({ RISK_RULES_FILE: '' })).toBe(SHIPPED);
  });

  it('read RISK_RULES_FILE, RISK_SHADOW_RULES_FILE and RISK_RULES_POLL_MS', () => {
    expect(
      riskSettings({
        RISK_RULES_FILE: '/etc/paygate/rules.json',
        RISK_SHADOW_RULES_FILE: '/etc/paygate/draft.json',
        RISK_RULES_POLL_MS: '250',
      }),
    ).toEqual({
      rulesFile: '/etc/paygate/rules.json',
      shadowRulesFile: '/etc/paygate/draft.json',
      pollMs: 250,
    });
    expect(riskSettings({ RISK_RULES_POLL_MS: '0' }).pollMs).toBe(0);
  });

  it('reject bad values with one clear line per variable', () => {
    expect(() => riskSettings({ RISK_RULES_POLL_MS: '50', RISK_SHADOW_RULES_FILE: SHIPPED })).toThrow(
      'Invalid configuration:\n' +
        '  RISK_RULES_POLL_MS: must be 0 (no watching) or a whole number of milliseconds from 100 to 60000, got "50"\n' +
        '  RISK_SHADOW_RULES_FILE: must be another file than RISK_RULES_FILE (the shadow scores a draft next to the live rules)',
    );
    expect(() => riskSettings({ RISK_RULES_POLL_MS: '1s' })).toThrow('RISK_RULES_POLL_MS: must be 0 (no watching)');
    expect(() => riskSettings({ RISK_RULES_FILE: ' rules.json' })).toThrow(
      'RISK_RULES_FILE: must be a file path without surrounding spaces',
    );
  });
});

describe('loadRulesFile', () => {
  it('loads the shipped rules file, validated and frozen', () => {
    const rules = loadRulesFile(SHIPPED);
    expect(rules.version).toBe('2026-11-26.1');
    expect(rules.rules.map((r) => r.code)).toEqual([
      'HIGH_AMOUNT',
      'VERY_HIGH_AMOUNT',
      'VELOCITY_1M',
      'VELOCITY_1H',
      'NEW_DESTINATION',
      'ROUND_AMOUNT',
      'CARD_TESTING',
      'STRUCTURING',
      'NEAR_THRESHOLD',
      'NEW_ACCOUNT_LARGE',
      'LARGE_BURST',
      'AMOUNT_SPIKE',
      'HIGH_RISK_CORRIDOR',
      'UNPRICED_CURRENCY',
      'BLOCKED_ACCOUNT',
      'BLOCKED_DESTINATION',
    ]);
    expect(Object.isFrozen(rules)).toBe(true);
    expect(Object.isFrozen(rules.rules[0].when)).toBe(true);
  });

  it('rejects an invalid rule with a RulesFileError naming the file and the path of the bad field', () => {
    const path = writeVariant('bad-amount.json', (j) => {
      (j.rules[1].when as Record<string, unknown>).gte = 25000; // a JSON number for an amount
    });
    let error: unknown;
    try {
      loadRulesFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RulesFileError);
    const e = error as RulesFileError;
    expect(e.path).toBe('rules[1].when.gte');
    expect(e.source).toBe(path);
    expect(e.message).toMatch(new RegExp(`^${path}: rules\\[1\\]\\.when\\.gte must be a decimal string.*JSON numbers are not accepted`));
  });

  it.each<[string, (j: RulesJson) => void, string]>([
    ['unknown feature', (j) => void (j.rules[4].when = { feature: 'new_destinatoin' }), 'rules[4].when.feature'],
    ['weight out of range', (j) => void (j.rules[2].weight = 101), 'rules[2].weight'],
    ['unknown list', (j) => void (j.rules[14].when = { feature: 'account_in', list: 'nope' }), 'rules[14].when.list'],
    ['nested bad amount', (j) => void (j.rules[5].when = { all: [{ feature: 'amount_ref', lt: '5000.001' }] }), 'rules[5].when.all[0].lt'],
    ['unknown band', (j) => void (j.rules[6].when = { feature: 'in_band', band: 'nano' }), 'rules[6].when.band'],
  ])('names the bad field for %s', (name, change, field) => {
    const path = writeVariant(`${name.replace(/ /g, '-')}.json`, change);
    expect(() => loadRulesFile(path)).toThrow(RulesFileError);
    expect(() => loadRulesFile(path)).toThrow(`${path}: ${field} `);
  });

  it('rejects a file that is not JSON, or that cannot be read, with a RulesFileError naming it', () => {
    const broken = writeRaw('broken.json', '{ "version": "v1", }');
    expect(() => loadRulesFile(broken)).toThrow(RulesFileError);
    expect(() => loadRulesFile(broken)).toThrow(`${broken}: rules file is not valid JSON: `);
    const missing = join(dir, 'missing.json');
    expect(() => loadRulesFile(missing)).toThrow(`${missing}: rules file cannot be read: ENOENT`);
  });
});

describe('RulesSource: hot reload', () => {
  const metricsOf = async (registry: Registry) => registry.metrics();

  it('reloads a changed file once it has been stable for one poll; the new rules are in force at once', () => {
    const path = writeVariant('hot.json', (j) => void (j.version = 'hot-1'));
    const source = new RulesSource(path, 'live');
    expect(source.load().version).toBe('hot-1');
    expect(source.check()).toBe('unchanged');

    writeVariant('hot.json', (j) => {
      j.version = 'hot-2';
      j.thresholds.review = 40;
    });
    expect(source.check()).toBe('pending'); // seen changed: wait one poll for writes to settle
    expect(source.current().version).toBe('hot-1');
    expect(source.check()).toBe('reloaded');
    expect(source.current()).toMatchObject({ version: 'hot-2', thresholds: { review: 40, decline: 80 } });
    expect(source.check()).toBe('unchanged');
    expect(source.status()).toMatchObject({ role: 'live', file: path, version: 'hot-2', last_error: null });
  });

  it('a bad file is rejected with a clear error while the old rules keep running; a fixed file loads again', async () => {
    const registry = new Registry();
    const metrics = new RiskMetrics(registry);
    const path = writeVariant('bad-reload.json', (j) => void (j.version = 'good-1'));
    const source = new RulesSource(path, 'live', metrics);
    source.load();
    const results: string[] = [];
    source.onReload((r) => results.push(r));

    writeVariant('bad-reload.json', (j) => {
      j.version = 'bad-2';
      j.thresholds = { review: 90, decline: 80 };
    });
    expect(source.check()).toBe('pending');
    expect(source.check()).toBe('rejected');
    expect(source.current().version).toBe('good-1');
    const status = source.status()!;
    expect(status.version).toBe('good-1');
    expect(status.last_error!.message).toBe(`${path}: thresholds.review (90) must be lower than thresholds.decline (80)`);
    // The same bad file is not re-read (and re-logged) every second.
    expect(source.check()).toBe('unchanged');

    writeRaw('bad-reload.json', '{"version": "half-writ'); // a half-written file
    source.check();
    expect(source.check()).toBe('rejected');
    expect(source.status()!.last_error!.message).toContain('is not valid JSON');

    unlinkSync(path); // deleted
    source.check();
    expect(source.check()).toBe('rejected');
    expect(source.status()!.last_error!.message).toContain('cannot be read');
    expect(source.current().version).toBe('good-1');

    writeVariant('bad-reload.json', (j) => void (j.version = 'good-3'));
    source.check();
    expect(source.check()).toBe('reloaded');
    expect(source.current().version).toBe('good-3');
    expect(source.status()!.last_error).toBeNull();
    expect(results).toEqual(['rejected', 'rejected', 'rejected', 'reloaded']);

    const text = await metricsOf(registry);
    expect(text).toContain('risk_rules_reloads_total{rules="live",result="error"} 3');
    expect(text).toContain('risk_rules_reloads_total{rules="live",result="ok"} 1');
    expect(text).toContain('risk_rules_info{rules="live",version="good-3"} 1');
    expect(text).not.toContain('version="good-1"');
  });

  it('reloadNow reads the file whatever its stat says', () => {
    const path = writeVariant('now.json', (j) => void (j.version = 'now-1'));
    const source = new RulesSource(path, 'shadow');
    source.load();
    writeVariant('now.json', (j) => void (j.version = 'now-2'));
    expect(source.reloadNow()).toBe('reloaded');
    expect(source.current().version).toBe('now-2');
  });

  it('watches the file on a timer: a change is picked up without a restart', async () => {
    const path = writeVariant('watched.json', (j) => void (j.version = 'watch-1'));
    const source = new RulesSource(path, 'live');
    source.load();
    const reloaded = new Promise<string>((done) => source.onReload((r, s) => done(`${r} ${s.current().version}`)));
    source.start(20);
    try {
      writeVariant('watched.json', (j) => void (j.version = 'watch-2'));
      await expect(reloaded).resolves.toBe('reloaded watch-2');
    } finally {
      source.stop();
    }
  });
});

describe('RulesProvider', () => {
  it('loads the live rules named by RISK_RULES_FILE when Nest gives it no settings', () => {
    const saved = process.env.RISK_RULES_FILE;
    process.env.RISK_RULES_FILE = writeVariant('env.json', (j) => void (j.version = 'custom-1'));
    try {
      expect(new RulesProvider().current().version).toBe('custom-1');
    } finally {
      if (saved === undefined) delete process.env.RISK_RULES_FILE;
      else process.env.RISK_RULES_FILE = saved;
    }
  });

  it('stops at start on a bad live or shadow file, with the same error (no fallback to the default)', () => {
    const bad = writeVariant('bad-threshold.json', (j) => void (j.thresholds = { review: 90, decline: 80 }));
    const live = new RulesProvider({ rulesFile: bad, pollMs: 0 });
    expect(() => live.onModuleInit()).toThrow(RulesFileError);
    expect(() => live.current()).toThrow(`${bad}: thresholds.review (90) must be lower than thresholds.decline (80)`);
    const shadow = new RulesProvider({ rulesFile: SHIPPED, shadowRulesFile: bad, pollMs: 0 });
    expect(() => shadow.onModuleInit()).toThrow(`${bad}: thresholds.review (90)`);
  });

  it('shadow mode: the draft is loaded alongside and reported; no shadow without the setting', () => {
    const draft = writeVariant('draft.json', (j) => void (j.version = 'draft-1'));
    const p = new RulesProvider({ rulesFile: SHIPPED, shadowRulesFile: draft, pollMs: 0 });
    p.onModuleInit();
    expect(p.current().version).toBe('2026-11-26.1');
    expect(p.shadow()?.version).toBe('draft-1');
    expect(p.status()).toMatchObject({
      live: { role: 'live', version: '2026-11-26.1' },
      shadow: { role: 'shadow', version: 'draft-1', evaluated: true },
    });
    const none = new RulesProvider({ rulesFile: SHIPPED, pollMs: 0 });
    none.onModuleInit();
    expect(none.shadow()).toBeUndefined();
    expect(none.status().shadow).toBeNull();
  });

  it('a shadow in another reference currency is loaded but not evaluated (velocity sums are in one currency)', () => {
    const draft = writeVariant('draft-eur.json', (j) => {
      j.version = 'draft-eur';
      j.reference_currency = 'EUR';
    });
    const p = new RulesProvider({ rulesFile: SHIPPED, shadowRulesFile: draft, pollMs: 0 });
    p.onModuleInit();
    expect(p.shadow()).toBeUndefined();
    expect(p.status().shadow).toMatchObject({ version: 'draft-eur', evaluated: false });
  });

  it('starts and stops watching with the app', async () => {
    const path = writeVariant('app.json', (j) => void (j.version = 'app-1'));
    const p = new RulesProvider({ rulesFile: path, pollMs: 100 });
    p.onModuleInit();
    const reloaded = new Promise<void>((done) => p.sources().live!.onReload(() => done()));
    p.onApplicationBootstrap();
    try {
      writeVariant('app.json', (j) => void (j.version = 'app-2'));
      await reloaded;
      expect(p.current().version).toBe('app-2');
    } finally {
      p.onApplicationShutdown();
    }
  });
});
