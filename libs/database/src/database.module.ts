import { DynamicModule, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DatabaseHandle, DatabaseSettings, Db, openDatabase } from './database';
import { migrationsFolder } from './paths';

export const DATABASE = Symbol('DATABASE');
export const DB = Symbol('DB');

/** Injects the drizzle database of the service this app runs. */
export const InjectDb = (): ParameterDecorator => Inject(DB);

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly handle: DatabaseHandle) {}
  async onApplicationShutdown(): Promise<void> {
    await this.handle.close();
  }
}

export interface DatabaseModuleOptions extends DatabaseSettings {
  /** The service whose migrations (apps/<service>/src/persistence/migrations) this connection applies. */
  service: string;
  /** The Postgres schema the service owns; its migrations table lives there too. */
  schema: string;
}

@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      // Global within one service's app only (its single connection, like its config).
      global: true,
      providers: [
        {
          provide: DATABASE,
          useFactory: async (): Promise<DatabaseHandle> => {
            const handle = openDatabase(options);
            await handle.migrate(options.schema, migrationsFolder(options.service));
            return handle;
          },
        },
        { provide: DB, inject: [DATABASE], useFactory: (h: DatabaseHandle): Db => h.db },
        DatabaseLifecycle,
      ],
      exports: [DATABASE, DB],
    };
  }
}
