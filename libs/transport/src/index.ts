export * from './request-context';
export * from './in-process';
export * from './rpc-client';
export * from './errors';
export * from './rpc-enhancers';
export * from './transport.module';
export * from './event-bus';
export * from './trace-context';
