import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { projectRoot } from '@paygate/database';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RulesFile, RulesFileError, parseRulesFile } from './domain';

const log = new Logger('RiskRules');

/** The path of the rules file: `RISK_RULES_FILE`, or the shipped default. */
export function rulesPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.RISK_RULES_FILE || join(projectRoot(), 'apps', 'risk', 'rules', 'default.rules.json');
}

export function loadRulesFile(path: string): RulesFile {
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // JSON.parse's message does not say which file: name it, like every other rules file error.
    throw new RulesFileError('', `is not valid JSON: ${(e as Error).message}`, path);
  }
  return parseRulesFile(raw, path);
}

/** The active rules file, loaded and validated at start (a bad file stops the service with a clear message). */
@Injectable()
export class RulesProvider implements OnModuleInit {
  private rules?: RulesFile;

  onModuleInit(): void {
    const path = rulesPath();
    this.rules = loadRulesFile(path);
    log.log(`rules ${this.rules.version} loaded from ${path} (${this.rules.rules.length} rules)`);
  }

  current(): RulesFile {
    if (!this.rules) this.onModuleInit();
    return this.rules!;
  }
}
