import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];
type Grouped = Record<string, ValidationMetadata[]>;

const MEMOIZED = Symbol.for('paygate.validationMetadataMemoized');

/**
 * class-validator looks up a class's rules at every `validate()`: it scans every registered class
 * for ancestors and filters their rules (O(all rules) per call), then groups them by property.
 * Yet a class's rules, its own and inherited, are all registered when its module loads (its
 * decorators and its parents' run at class definition), before any instance can be validated.
 * So both lookups are memoized here, per class and per option set (schema, always, strictGroups,
 * groups), for the process's one metadata store; a rule registered later (a mapped type built
 * at run time) clears the memo. Idempotent.
 *
 * class-validator's own executor only reads what these return (it filters into new arrays), so
 * sharing one result between calls changes nothing but the cost: 16-18 % less per validation of
 * a payment or transfer payload (`node scripts/bench-validation.js`).
 */
export function memoizeValidationMetadata(storage: Storage = getMetadataStorage()): void {
  const s = storage as Storage & { [MEMOIZED]?: true };
  if (s[MEMOIZED]) return;
  const lookup: Lookup = s.getTargetValidationMetadatas.bind(s);
  const group = s.groupByPropertyName.bind(s);
  const add = s.addValidationMetadata.bind(s);
  let lookups = new WeakMap<object, Map<string, ValidationMetadata[]>>();
  let groupings = new WeakMap<ValidationMetadata[], Grouped>();
  s.addValidationMetadata = (metadata) => {
    add(metadata);
    lookups = new WeakMap();
    groupings = new WeakMap();
  };
  s.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let byOptions = lookups.get(target);
    if (!byOptions) lookups.set(target, (byOptions = new Map()));
    let found = byOptions.get(key);
    if (!found) byOptions.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
  s.groupByPropertyName = (metadatas) => {
    let grouped = groupings.get(metadatas);
    if (!grouped) groupings.set(metadatas, (grouped = group(metadatas)));
    return grouped;
  };
  s[MEMOIZED] = true;
}
