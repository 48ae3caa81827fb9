export * from './types';
export * from './listeners';
export * from './prng';
export * from './ecb-reference.provider';
export * from './live-feed.provider';
export * from './http.provider';
export * from './rate-book';
export * from './spread';
