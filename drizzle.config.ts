import { defineConfig } from 'drizzle-kit';

/**
 * One service at a time: `SERVICE=wallet npx drizzle-kit generate` (or `npm run db:generate`).
 * Each service owns its schema and its migrations folder; the migrations table lives in that schema.
 */
const service = process.env.SERVICE;
const schemas: Record<string, string> = { gateway: 'auth', payments: 'payments', fx: 'fx', wallet: 'wallet', risk: 'risk' };
if (!service || !schemas[service]) throw new Error(`SERVICE must be one of ${Object.keys(schemas).join(', ')}`);

export default defineConfig({
  dialect: 'postgresql',
  schema: `./apps/${service}/src/persistence/schema.ts`,
  out: `./apps/${service}/src/persistence/migrations`,
  schemaFilter: [schemas[service]],
  migrations: { schema: schemas[service], table: '__migrations' },
});
