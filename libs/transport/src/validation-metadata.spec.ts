import 'reflect-metadata';
import { Type, plainToInstance } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  Matches,
  MetadataStorage,
  Min,
  ValidateNested,
  getMetadataStorage,
  registerDecorator,
  validateSync,
} from 'class-validator';
import { memoizeValidationMetadata } from './validation-metadata';

class Amount {
  @Matches(/^[A-Z]{3}$/) currency!: string;
  @IsInt() @Min(1) minor!: number;
}

class Base {
  @Matches(/^[a-z]+$/) id!: string;
}

class Transfer extends Base {
  @ValidateNested() @Type(() => Amount) amount!: Amount;
  @IsOptional() @Matches(/^g:/, { groups: ['strict'] }) note?: string;
}

function errorsOf(plain: object, groups?: string[]) {
  const errors = validateSync(plainToInstance(Transfer, plain), { whitelist: true, forbidNonWhitelisted: true, groups });
  const flat = (es: typeof errors, at = ''): string[] =>
    es.flatMap((e) => [
      ...Object.keys(e.constraints ?? {}).map((c) => `${at}${e.property}:${c}`),
      ...flat(e.children ?? [], `${at}${e.property}.`),
    ]);
  return flat(errors).sort();
}

const cases: Array<[object, string[]?]> = [
  [{ id: 'abc', amount: { currency: 'USD', minor: 5 } }],
  [{ id: 'ABC', amount: { currency: 'usd', minor: 0 } }],
  [{ id: 'abc', amount: { currency: 'USD', minor: 5 }, extra: 1 }],
  [{ id: 'abc', amount: { currency: 'USD', minor: 5 }, note: 'x' }, ['strict']],
  [{ id: 'abc', amount: { currency: 'USD', minor: 5 }, note: 'x' }],
];

describe('memoizeValidationMetadata', () => {
  it('validates exactly as class-validator does: own, inherited and nested rules, unknown fields, groups', () => {
    const before = cases.map(([plain, groups]) => errorsOf(plain, groups));
    expect(before[0]).toEqual([]);
    expect(before[1]).toEqual(['amount.currency:matches', 'amount.minor:min', 'id:matches']);
    expect(before[2]).toEqual(['extra:whitelistValidation']);
    // Only the group's rules apply: the others' fields count as unknown.
    expect(before[3]).toEqual(['amount:whitelistValidation', 'id:whitelistValidation', 'note:matches']);

    memoizeValidationMetadata();
    memoizeValidationMetadata(); // idempotent: wrapped once
    // Twice: the first call fills the memo, the second answers from it.
    expect(cases.map(([plain, groups]) => errorsOf(plain, groups))).toEqual(before);
    expect(cases.map(([plain, groups]) => errorsOf(plain, groups))).toEqual(before);
  });

  it('answers one shared lookup per class and option set', () => {
    memoizeValidationMetadata();
    const storage = getMetadataStorage();
    const a = storage.getTargetValidationMetadatas(Transfer, '', false, false);
    expect(storage.getTargetValidationMetadatas(Transfer, '', false, false)).toBe(a);
    expect(storage.getTargetValidationMetadatas(Transfer, '', false, false, ['strict'])).not.toBe(a);
    expect(storage.groupByPropertyName(a)).toBe(storage.groupByPropertyName(a));
  });

  it('a rule registered after a class was validated is applied (the memo is cleared)', () => {
    memoizeValidationMetadata();
    const valid = { id: 'abc', amount: { currency: 'USD', minor: 5 } };
    expect(errorsOf(valid)).toEqual([]);
    // A rule added at run time on the parent (as a mapped type registers its copied rules).
    registerDecorator({
      name: 'notAbc',
      target: Base,
      propertyName: 'id',
      validator: { validate: (v: unknown) => v !== 'abc' },
    });
    expect(errorsOf(valid)).toEqual(['id:notAbc']);
  });

  it('wraps the store it is given, not only the global one', () => {
    const storage = new MetadataStorage();
    memoizeValidationMetadata(storage);
    expect(storage.getTargetValidationMetadatas(Amount, '', false, false)).toEqual([]);
  });
});
