/**
 * `paygate` command-line tools: `node dist/apps/cli/apps/cli/src/main.js <command> [options]`,
 * or through npm: `npm run dummygen -- -n 1000`, `npm run load -- --rate 200`, `npm run bench`.
 * Each command is a module exporting `run(argv)`, resolving to the process exit code.
 */
type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  dummygen: { summary: "generate the seed's CSV of dummy transactions", load: async () => (await import('./dummygen/command')).run },
  load: { summary: 'open-loop load against a running gateway or payments service', load: async () => (await import('./load/command')).run },
  bench: { summary: 'benchmark scenarios and the machine ceilings → Markdown', load: async () => (await import('./bench/command')).run },
  'bench:chart': {
    summary: 'draw docs/bench-history.svg from the recorded bench runs',
    load: async () => (await import('./bench/history-chart')).run,
  },
  'ledger:verify': {
    summary: 'check every ledger invariant over the whole database',
    load: async () => (await import('./ledger-verify/command')).run,
  },
  'risk:backtest': {
    summary: 'score a labelled CSV offline with the risk rules → confusion matrix',
    load: async () => (await import('./backtest/command')).run,
  },
  keys: {
    summary: 'API keys: create, list, revoke, rotate (against DATABASE_URL)',
    load: async () => (await import('./keys/command')).run,
  },
  'payments:reconcile': {
    summary: 'compare payments with the wallet ledger, both ways',
    load: async () => (await import('./reconcile/command')).run,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: paygate <command> [options]   (<command> --help for its options)\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(name && name !== '--help' && name !== '-h' ? `unknown command: ${name}\n\n${usage()}` : usage());
    return name === '--help' || name === '-h' ? 0 : 2;
  }
  return (await command.load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
