/** `npm run grafana:generate`: writes grafana/dashboards/payment.json from grafana/src/dashboard.ts. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardJson } from './dashboard';

export const DASHBOARD_FILE = join(__dirname, '..', '..', 'grafana', 'dashboards', 'payment.json');

writeFileSync(process.argv[2] ?? DASHBOARD_FILE, dashboardJson());
process.stdout.write(`wrote ${process.argv[2] ?? DASHBOARD_FILE}\n`);
