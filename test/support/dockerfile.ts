/**
 * docker/Dockerfile read as data, so tests can check it and replay its runtime stage without a
 * Docker engine (test/deploy-image.e2e-spec.ts): stages of instructions, continuations joined,
 * comments dropped, global ARGs substituted.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

export interface Instruction {
  op: string;
  args: string;
}
export interface Stage {
  name: string;
  from: string;
  steps: Instruction[];
}

/** The Dockerfile as stages of instructions (continuations joined, comments dropped, ARGs substituted). */
export function dockerfileStages(): Stage[] {
  const lines = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, rest] = /^(\S+)\s+(.*)$/.exec(line)!;
    const text = rest.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? '');
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = text.split('=');
      args[k] = v;
    } else if (op === 'FROM') {
      const [from, , name] = text.split(/\s+/);
      stages.push({ name: name ?? String(stages.length), from, steps: [] });
    } else {
      stages[stages.length - 1].steps.push({ op, args: text });
    }
  }
  return stages;
}

export const stage = (name: string) => dockerfileStages().find((s) => s.name === name)!;
export const execForm = (s: Stage, op: string): string[] => JSON.parse(s.steps.find((i) => i.op === op)?.args ?? '[]') as string[];
/** The runtime stage's HEALTHCHECK command (exec form, after its options). */
export const healthcheckCommand = (): string[] =>
  JSON.parse(/CMD (\[.*\])\s*$/.exec(stage('runtime').steps.find((i) => i.op === 'HEALTHCHECK')!.args)![1]) as string[];
