import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (where nest-cli.json is), found from this file in src or in dist. */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'nest-cli.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** SQL migrations are data, read from the source tree in every mode (also in the image). */
export function migrationsFolder(service: string): string {
  return join(projectRoot(), 'apps', service, 'src', 'persistence', 'migrations');
}
