export * from './runtime-config';
export * from './health';
export * from './service-root.module';
export * from './bootstrap';
export * from './runtime-config.module';
