export * from './errors';
export * from './envelope';
export * from './services';
export * from './validators';
export * from './routes';
export * from './error-envelope';
export * from './fx';
export * from './wallet';
