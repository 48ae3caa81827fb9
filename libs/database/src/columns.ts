import { sql } from 'drizzle-orm';
import { timestamp } from 'drizzle-orm/pg-core';

// Schema files import this module by relative path: drizzle-kit loads them without the
// tsconfig path aliases (and without pulling the whole database library in).
/** `created_at timestamptz not null default now()`: the same column in every service's schema. */
export const createdAt = () =>
  timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`);

/** `updated_at timestamptz not null default now()`. */
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`);
