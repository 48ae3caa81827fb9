export * from './http-context';
export * from './edge-middleware';
export * from './errors.filter';
export * from './forwarder';
export * from './swagger';
export * from './edge.module';
export * from './event-stream';
