export * from './engine';
export * from './features';
export * from './fx';
export * from './history';
export * from './rules';
