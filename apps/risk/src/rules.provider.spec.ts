import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RulesFileError } from './domain';
import { RulesProvider, loadRulesFile, rulesPath } from './rules.provider';

const SHIPPED = resolve(__dirname, '..', 'rules', 'default.rules.json');

describe('rulesPath', () => {
  it('is the shipped default without RISK_RULES_FILE (or with it empty)', () => {
    expect(rulesPath({})).toBe(SHIPPED);
    expect(rulesPath({ RISK_RULES_FILE: '' })).toBe(SHIPPED);
  });

  it('is RISK_RULES_FILE when set', () => {
    expect(rulesPath({ RISK_RULES_FILE: '/etc/paygate/rules.json' })).toBe('/etc/paygate/rules.json');
  });
});

describe('loadRulesFile', () => {
  let dir: string;
  const saved = process.env.RISK_RULES_FILE;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'risk-rules-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    if (saved === undefined) delete process.env.RISK_RULES_FILE;
    else process.env.RISK_RULES_FILE = saved;
  });

  /** The shipped file, with one change, written to a temp file. */
  function writeVariant(name: string, change: (json: Record<string, unknown> & { rules: Record<string, unknown>[] }) => void): string {
    const json = JSON.parse(readFileSync(SHIPPED, 'utf8')) as Record<string, unknown> & { rules: Record<string, unknown>[] };
    change(json);
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(json, null, 2));
    return path;
  }

  it('loads the shipped rules file, validated and frozen', () => {
    const rules = loadRulesFile(rulesPath({}));
    expect(rules.version).toBe('2026-11-25.1');
    expect(rules.reference_currency).toBe('USD');
    expect(rules.thresholds).toEqual({ review: 50, decline: 80 });
    expect(rules.rules.map((r) => r.code)).toEqual([
      'HIGH_AMOUNT',
      'VERY_HIGH_AMOUNT',
      'VELOCITY_1M',
      'VELOCITY_1H',
      'NEW_DESTINATION',
      'ROUND_AMOUNT',
      'UNPRICED_CURRENCY',
      'BLOCKED_ACCOUNT',
      'BLOCKED_DESTINATION',
    ]);
    expect(rules.lists.blocked_accounts).toEqual(['ACC_BLOCKED_001', 'ACC_BLOCKED_002']);
    expect(Object.isFrozen(rules)).toBe(true);
    expect(Object.isFrozen(rules.rules[0].when)).toBe(true);
  });

  it('loads a valid file named by RISK_RULES_FILE', () => {
    const path = writeVariant('valid.json', (j) => {
      j.version = 'custom-1';
    });
    process.env.RISK_RULES_FILE = path;
    expect(rulesPath()).toBe(path);
    const provider = new RulesProvider();
    expect(provider.current().version).toBe('custom-1');
  });

  it('rejects an invalid rule with a RulesFileError naming the file and the path of the bad field', () => {
    const path = writeVariant('bad-amount.json', (j) => {
      (j.rules[1].when as Record<string, unknown>).gte = 25000; // a JSON number for an amount
    });
    process.env.RISK_RULES_FILE = path;
    let error: unknown;
    try {
      loadRulesFile(rulesPath());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RulesFileError);
    const e = error as RulesFileError;
    expect(e.path).toBe('rules[1].when.gte');
    expect(e.source).toBe(path);
    expect(e.message).toContain(path);
    expect(e.message).toContain('rules[1].when.gte');
    expect(e.message).toMatch(/JSON numbers are not accepted/);
  });

  it.each<[string, (j: Record<string, unknown> & { rules: Record<string, unknown>[] }) => void, string]>([
    [
      'unknown feature',
      (j) => {
        j.rules[4].when = { feature: 'new_destinatoin' };
      },
      'rules[4].when.feature',
    ],
    [
      'weight out of range',
      (j) => {
        j.rules[2].weight = 101;
      },
      'rules[2].weight',
    ],
    [
      'unknown list',
      (j) => {
        j.rules[7].when = { feature: 'account_in', list: 'nope' };
      },
      'rules[7].when.list',
    ],
    [
      'nested bad amount',
      (j) => {
        j.rules[5].when = { all: [{ feature: 'amount_ref', lt: '5000.001' }] };
      },
      'rules[5].when.all[0].lt',
    ],
  ])('names the bad field for %s', (name, change, field) => {
    const path = writeVariant(`${name.replace(/ /g, '-')}.json`, change);
    expect(() => loadRulesFile(path)).toThrow(RulesFileError);
    expect(() => loadRulesFile(path)).toThrow(`${path}: ${field} `);
  });

  it('stops the provider at start with the same error (no fallback to the default)', () => {
    const path = writeVariant('bad-threshold.json', (j) => {
      j.thresholds = { review: 90, decline: 80 };
    });
    process.env.RISK_RULES_FILE = path;
    const provider = new RulesProvider();
    expect(() => provider.onModuleInit()).toThrow(RulesFileError);
    expect(() => provider.current()).toThrow(`${path}: thresholds.review (90) must be lower than thresholds.decline (80)`);
  });

  it('rejects a file that is not JSON with a RulesFileError naming the file', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "version": "v1", }');
    expect(() => loadRulesFile(path)).toThrow(RulesFileError);
    expect(() => loadRulesFile(path)).toThrow(`${path}: rules file is not valid JSON: `);
  });

  it('fails on a missing file with an error naming it', () => {
    const path = join(dir, 'missing.json');
    expect(() => loadRulesFile(path)).toThrow(path);
  });
});
