import { projectRoot } from '@paygate/database/paths';
import { join } from 'node:path';

/** The risk service's own settings, read from the environment at start. */
export interface RiskSettings {
  /** The live rules file (`RISK_RULES_FILE`, default the shipped `apps/risk/rules/default.rules.json`). */
  rulesFile: string;
  /** A draft rules file scored alongside the live one, never deciding (`RISK_SHADOW_RULES_FILE`). */
  shadowRulesFile?: string;
  /** How often the rules files' modification time is checked, ms (`RISK_RULES_POLL_MS`, default 1000; 0 turns watching off). */
  pollMs: number;
}

export const RISK_SETTINGS = Symbol('RISK_SETTINGS');

export const DEFAULT_RULES_POLL_MS = 1000;

/** The path of the shipped rules file. */
export function defaultRulesPath(): string {
  return join(projectRoot(), 'apps', 'risk', 'rules', 'default.rules.json');
}

/**
 * Reads and validates the risk settings; a bad value stops the process with a message in the
 * runtime config's format ("Invalid configuration:" then one line per variable).
 */
export function riskSettings(env: NodeJS.ProcessEnv = process.env): RiskSettings {
  const problems: string[] = [];
  const path = (name: string): string | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (v.trim() !== v || v.includes('\0'))
      problems.push(`  ${name}: must be a file path without surrounding spaces, got ${JSON.stringify(v)}`);
    return v;
  };
  const rulesFile = path('RISK_RULES_FILE') ?? defaultRulesPath();
  const shadowRulesFile = path('RISK_SHADOW_RULES_FILE');
  let pollMs = DEFAULT_RULES_POLL_MS;
  const rawPoll = env.RISK_RULES_POLL_MS;
  if (rawPoll !== undefined && rawPoll !== '') {
    pollMs = /^[0-9]{1,6}$/.test(rawPoll) ? Number(rawPoll) : NaN;
    if (!(pollMs === 0 || (pollMs >= 100 && pollMs <= 60_000))) {
      problems.push(
        `  RISK_RULES_POLL_MS: must be 0 (no watching) or a whole number of milliseconds from 100 to 60000, got ${JSON.stringify(rawPoll)}`,
      );
    }
  }
  if (shadowRulesFile !== undefined && shadowRulesFile === rulesFile) {
    problems.push('  RISK_SHADOW_RULES_FILE: must be another file than RISK_RULES_FILE (the shadow scores a draft next to the live rules)');
  }
  if (problems.length > 0) throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  const settings: RiskSettings = { rulesFile, pollMs };
  if (shadowRulesFile !== undefined) settings.shadowRulesFile = shadowRulesFile;
  return settings;
}
