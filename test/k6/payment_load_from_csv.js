// The seed's "Load Testing dengan k6": realistic traffic from the dummygen CSV
// (id,currency,amount,source_account,destination_account), a random row per iteration.
//
//   k6 run -e PAYMENTS=http://127.0.0.1:8081 test/k6/payment_load_from_csv.js
//
// Env: PAYMENTS (base URL, default http://localhost:8081), API_KEY (Bearer token, for the gateway),
// CSV_PATH (default ../data/dummy_transactions.csv: k6 resolves open() against this script's directory;
// an absolute path always works, and a path relative to $PWD is tried when PWD is in the environment),
// REPLAY=1 (send the CSV ids as they are: a row picked twice is an idempotent replay), VUS, DURATION, P95_MS.
/* global __ENV, __VU, __ITER, open, console */ // k6's globals
import http from 'k6/http';
import { check, sleep } from 'k6';
import { SharedArray } from 'k6/data';
import { Counter } from 'k6/metrics';

const PAYMENTS = (__ENV.PAYMENTS || 'http://localhost:8081').replace(/\/+$/, '');
const API_KEY = __ENV.API_KEY || '';
const CSV_PATH = __ENV.CSV_PATH || '../data/dummy_transactions.csv';
const REPLAY = __ENV.REPLAY === '1';
const RUN = __ENV.RUN_ID || Date.now().toString(36);
const COLUMNS = ['id', 'currency', 'amount', 'source_account', 'destination_account'];

export const options = {
  scenarios: {
    csv: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '15s', target: Number(__ENV.VUS || 10) },
        { duration: __ENV.DURATION || '1m', target: Number(__ENV.VUS || 10) },
        { duration: '10s', target: 0 },
      ],
      gracefulRampDown: '5s',
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: [`p(95)<${Number(__ENV.P95_MS || 500)}`],
    checks: ['rate>0.99'],
  },
};

http.setResponseCallback(http.expectedStatuses(200, 202, 400));

function readCsv(path) {
  const candidates = [path];
  if (__ENV.PWD && path.charAt(0) !== '/') candidates.push(`${__ENV.PWD}/${path}`);
  for (let i = 0; i < candidates.length; i++) {
    try {
      return open(candidates[i]);
    } catch (e) {
      if (i === candidates.length - 1) throw e;
    }
  }
}

/** No CSV library in k6 offline: the dummygen format has no quoted fields, so split lines and commas. */
const csvData = new SharedArray('dummy_transactions', function () {
  const lines = readCsv(CSV_PATH)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines[0].split(',').map((h) => h.trim());
  for (const c of COLUMNS) if (header.indexOf(c) < 0) throw new Error(`${CSV_PATH}: no "${c}" column in the header`);
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row = {};
    header.forEach((h, i) => (row[h] = (cells[i] || '').trim()));
    return row;
  });
});
if (csvData.length === 0) throw new Error(`${CSV_PATH} has no rows`);

const outcomes = new Counter('payment_outcomes');
const replays = new Counter('payment_replays');

/** The JSON by hand: the amount is the CSV text as a JSON number, exact however many digits it has. */
function payloadOf(row, id) {
  const amount = /^\d+(\.\d+)?$/.test(row.amount) ? row.amount : JSON.stringify(row.amount);
  return (
    `{"id":${JSON.stringify(id)},"currency":${JSON.stringify(row.currency)},"amount":${amount},` +
    `"source_account":${JSON.stringify(row.source_account)},"destination_account":${JSON.stringify(row.destination_account)}}`
  );
}

function parse(res) {
  try {
    return res.json();
  } catch {
    return null;
  }
}

/** 200 CAPTURED, 202 PENDING, a 400 FAILED payment; with REPLAY=1 also a 409 for a replay still in progress. */
function acceptable(res, body) {
  if (res.status === 200 || res.status === 202) return !!body && typeof body.status === 'string';
  if (res.status === 400) return !!body && body.status === 'FAILED' && !!body.failure_code;
  return REPLAY && res.status === 409 && !!body && !!body.error && body.error.code === 'IDEMPOTENCY_IN_PROGRESS';
}

export default function () {
  const randomPayment = csvData[Math.floor(Math.random() * csvData.length)];
  const id = REPLAY ? randomPayment.id : `${randomPayment.id}-${__VU}-${__ITER}-${RUN}`;
  const payload = payloadOf(randomPayment, id);
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (API_KEY) headers.Authorization = `Bearer ${API_KEY}`;
  const params = { headers, tags: { name: 'POST /payments' } };

  const res = http.post(`${PAYMENTS}/payments`, payload, params);
  const body = parse(res);
  const paymentStatus = body && typeof body.status === 'string' ? body.status : 'NONE';
  const replayed = res.headers['Idempotent-Replayed'] === 'true';
  const tags = { status: String(res.status), payment_status: paymentStatus, replayed: String(replayed) };

  check(
    res,
    {
      'status is 200/202 or a 400 FAILED payment': (r) => acceptable(r, body),
      'answers the CSV row': () => res.status === 409 || (!!body && body.id === id && body.currency === randomPayment.currency),
    },
    tags,
  );
  outcomes.add(1, body && body.failure_code ? { ...tags, failure_code: body.failure_code } : tags);
  if (replayed) replays.add(1);
  if (!acceptable(res, body)) console.warn(`POST /payments ${id} → ${res.status}: ${String(res.body).slice(0, 300)}`);
  sleep(Number(__ENV.SLEEP || 0.1));
}
