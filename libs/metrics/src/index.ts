export * from './seed-metrics';
export * from './metrics.module';
export * from './rpc-metrics.interceptor';
export * from './http-metrics';
export * from './process-metrics';
