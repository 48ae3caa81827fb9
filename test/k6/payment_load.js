// Random payments at a constant arrival rate (open model) against POST /payments.
//
//   k6 run -e PAYMENTS=http://127.0.0.1:8081 test/k6/payment_load.js
//   k6 run -e PAYMENTS=http://127.0.0.1:8080 -e API_KEY=... test/k6/payment_load.js   (through the gateway)
//
// Env: PAYMENTS (base URL, default http://localhost:8081), API_KEY (sent as a Bearer token when set),
// RATE (payments per second, default 20), DURATION (default 1m), VUS / MAX_VUS (pre-allocated / max VUs),
// P95_MS (the p(95) threshold, default 500).
/* global __ENV, __VU, __ITER, console */ // k6's globals
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Counter } from 'k6/metrics';

const PAYMENTS = (__ENV.PAYMENTS || 'http://localhost:8081').replace(/\/+$/, '');
const API_KEY = __ENV.API_KEY || '';
const RUN = __ENV.RUN_ID || Date.now().toString(36);

export const options = {
  scenarios: {
    payments: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 20),
      timeUnit: '1s',
      duration: __ENV.DURATION || '1m',
      preAllocatedVUs: Number(__ENV.VUS || 20),
      maxVUs: Number(__ENV.MAX_VUS || 200),
    },
  },
  thresholds: {
    // 400 FAILED is a business decline, not a failed request (see setResponseCallback below).
    http_req_failed: ['rate<0.01'],
    http_req_duration: [`p(95)<${Number(__ENV.P95_MS || 500)}`],
    'http_req_duration{status:200}': [`p(95)<${Number(__ENV.P95_MS || 500)}`],
    checks: ['rate>0.99'],
  },
};

http.setResponseCallback(http.expectedStatuses(200, 202, 400));

const outcomes = new Counter('payment_outcomes');

// Units per 1 USD (rough, only to keep amounts in a realistic band) and decimals per currency.
const CURRENCIES = {
  USD: { perUsd: 1, decimals: 2 },
  EUR: { perUsd: 0.9, decimals: 2 },
  GBP: { perUsd: 0.8, decimals: 2 },
  SGD: { perUsd: 1.35, decimals: 2 },
  IDR: { perUsd: 16000, decimals: 2 },
  JPY: { perUsd: 150, decimals: 0 },
};
const CODES = Object.keys(CURRENCIES);

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const account = (prefix) => `${prefix}${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;

/** Mostly everyday amounts; a few worth ≥ 5,000 USD (risk review → 202) and ≥ 25,000 USD (decline → 400). */
function usdValue() {
  const r = Math.random();
  if (r < 0.03) return 25000 + Math.random() * 10000;
  if (r < 0.1) return 5000 + Math.random() * 15000;
  return 1 + Math.random() * 2500;
}

/** An exact decimal string with the currency's decimals (JPY: an integer), never below one minor unit. */
function amountIn(code) {
  const c = CURRENCIES[code];
  const scale = 10 ** c.decimals;
  const minor = Math.max(1, Math.round(usdValue() * c.perUsd * scale));
  if (c.decimals === 0) return String(minor);
  return `${Math.floor(minor / scale)}.${String(minor % scale).padStart(c.decimals, '0')}`;
}

function parse(res) {
  try {
    return res.json();
  } catch {
    return null;
  }
}

/** 200 CAPTURED, 202 PENDING, or a 400 whose body is a FAILED payment with its failure_code. */
function acceptable(res, payment) {
  if (res.status === 200 || res.status === 202) return !!payment && typeof payment.status === 'string';
  return res.status === 400 && !!payment && payment.status === 'FAILED' && !!payment.failure_code;
}

export default function () {
  const currency = pick(CODES);
  const id = `K6-${RUN}-${__VU}-${__ITER}`;
  const amount = amountIn(currency);
  // The amount goes as a JSON number, as the seed sends it, written from the exact decimal text.
  const payload =
    `{"id":${JSON.stringify(id)},"currency":${JSON.stringify(currency)},"amount":${amount},` +
    `"source_account":${JSON.stringify(account('ACC_SRC_'))},"destination_account":${JSON.stringify(account('ACC_DST_'))}}`;
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (API_KEY) headers.Authorization = `Bearer ${API_KEY}`;

  const res = http.post(`${PAYMENTS}/payments`, payload, { headers, tags: { name: 'POST /payments' } });
  const payment = parse(res);
  const paymentStatus = payment && typeof payment.status === 'string' ? payment.status : 'NONE';
  const tags = { status: String(res.status), payment_status: paymentStatus, currency };

  check(
    res,
    {
      'status is 200/202 or a 400 FAILED payment': (r) => acceptable(r, payment),
      'answers the payment that was sent': () => !!payment && payment.id === id && payment.currency === currency,
      'HTTP status matches the payment status': () =>
        (res.status === 200 && (paymentStatus === 'CAPTURED' || paymentStatus === 'AUTHORIZED')) ||
        (res.status === 202 && (paymentStatus === 'PENDING' || paymentStatus === 'PROCESSING')) ||
        (res.status === 400 && paymentStatus === 'FAILED'),
    },
    tags,
  );
  outcomes.add(1, payment && payment.failure_code ? { ...tags, failure_code: payment.failure_code } : tags);
  if (!acceptable(res, payment)) console.warn(`POST /payments ${id} → ${res.status}: ${String(res.body).slice(0, 300)}`);
  sleep(Number(__ENV.SLEEP || 0));
}
