export * from './runtime-config';
export * from './health';
export * from './service-root.module';
export * from './bootstrap';
