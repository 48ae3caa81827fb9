export * from './database';
export * from './database.module';
export * from './paths';
export * from './columns';
export * from './retry';
export * from './statements';
export * from './keyed-batcher';
