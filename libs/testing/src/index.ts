export * from './nats-server';
export * from './postgres';
export * from './runtime';
export * from './service-db';
