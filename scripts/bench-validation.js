#!/usr/bin/env node
/**
 * Micro-benchmark of payload validation (`npm run build` first, then
 * `node scripts/bench-validation.js [rounds]`): the one ValidationPipe every HTTP body and every
 * message payload goes through, on a payment request and a wallet transfer (nested amounts),
 * with the monolith's classes loaded (the metadata store as in production). Each round runs
 * class-validator's own metadata lookup and the memoized one (memoizeValidationMetadata) in
 * separate processes, alternately; prints the median µs per validation of each.
 */
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const N = 50_000;
const dist = join(__dirname, '..', 'dist', 'apps', 'monolith');

async function child(memo) {
  require(join(dist, 'apps', 'monolith', 'src', 'monolith.js'));
  const { ValidationPipe } = require('@nestjs/common');
  const { CreatePaymentRequest, TransferRequest } = require(join(dist, 'libs', 'contracts', 'src', 'index.js'));
  if (memo) require(join(dist, 'libs', 'transport', 'src', 'index.js')).memoizeValidationMetadata();
  const pipe = new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  const amount = { currency: 'USD', amount_minor: '1234' };
  const cases = [
    [CreatePaymentRequest, { id: 'PAY-1', currency: 'USD', amount: '12.34', source_account: 'ACC_001', destination_account: 'ACC_DST_0001' }],
    [TransferRequest, { reference: 'r1', source_account: 'ACC_001', destination_account: 'ACC_DST_0001', debit: amount, credit: amount }],
  ];
  const out = {};
  for (const [metatype, value] of cases) {
    const meta = { type: 'body', metatype, data: undefined };
    for (let i = 0; i < N / 5; i++) await pipe.transform(structuredClone(value), meta); // warm-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await pipe.transform(structuredClone(value), meta);
    out[metatype.name] = Number(process.hrtime.bigint() - t0) / N / 1000;
  }
  process.stdout.write(JSON.stringify(out));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

if (process.argv[2] === '--child') {
  void child(process.argv[3] === 'memo');
} else {
  const rounds = Number(process.argv[2] ?? 5);
  const runs = { plain: [], memo: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['plain', 'memo']) {
      runs[mode].push(JSON.parse(execFileSync(process.execPath, [__filename, '--child', mode], { encoding: 'utf8' })));
    }
  }
  console.log(`${rounds} rounds of ${N} validations per class, Node ${process.version}; median µs per validation`);
  for (const name of Object.keys(runs.plain[0])) {
    const plain = median(runs.plain.map((r) => r[name]));
    const memo = median(runs.memo.map((r) => r[name]));
    console.log(`${name.padEnd(22)} class-validator's lookup ${plain.toFixed(1).padStart(6)}   memoized ${memo.toFixed(1).padStart(6)}   (${((memo / plain - 1) * 100).toFixed(0)} %)`);
  }
}
