import { ValidationOptions, registerDecorator } from 'class-validator';

export const METADATA_LIMITS = { keys: 20, keyLength: 40, valueLength: 500 } as const;

function metadataProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'metadata must be an object';
  const entries = Object.entries(value);
  if (entries.length > METADATA_LIMITS.keys) return `metadata may hold at most ${METADATA_LIMITS.keys} keys`;
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > METADATA_LIMITS.keyLength) return `metadata keys must be 1-${METADATA_LIMITS.keyLength} characters`;
    if (typeof v !== 'string') return `metadata.${k} must be a string`;
    if (v.length > METADATA_LIMITS.valueLength) return `metadata.${k} must be at most ${METADATA_LIMITS.valueLength} characters`;
  }
  return undefined;
}

/** Stripe-style metadata: a small flat object of string values. */
export function IsMetadata(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isMetadata',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => metadataProblem(value) === undefined,
        defaultMessage: (args) => metadataProblem(args?.value) ?? 'metadata is invalid',
      },
    });
}
