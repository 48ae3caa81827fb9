import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PageLimit, Scope } from '@paygate/contracts';
import { KeyRecord } from './api-key.repository';
import { KeyStatus, MAX_GRACE_SECONDS, keyStatus } from './api-key.manager';
import { SCOPES } from './scopes';

export const KEY_ID_PATTERN = /^key_[A-Za-z0-9_]{1,64}$/;

export class CreateApiKeyRequest {
  @ApiProperty({ required: false, example: 'checkout backend', description: 'A label for humans, 1–100 characters' })
  @IsOptional()
  @IsString()
  @Matches(/^[^\p{C}]{1,100}$/u, { message: 'name must be 1-100 printable characters' })
  name?: string;

  @ApiProperty({
    example: ['read', 'write'],
    enum: SCOPES,
    isArray: true,
    description: 'read: GET routes; write: mutating routes (and read); admin: key management (and everything)',
  })
  @IsArray()
  @ArrayNotEmpty({ message: 'scopes must list at least one of read, write, admin' })
  @ArrayMaxSize(3)
  @IsIn(SCOPES, { each: true, message: 'scopes must be read, write and/or admin' })
  scopes!: Scope[];

  @ApiProperty({
    required: false,
    example: 50,
    description:
      "This key's sustained requests per second, up to 3 decimals (0.5: one every 2 s; 0: unlimited); default: the gateway's RATE_LIMIT_PER_SEC",
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber(
    { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 },
    { message: 'rate_limit_per_sec must be a number with at most 3 decimals' },
  )
  @Min(0)
  @Max(1_000_000)
  rate_limit_per_sec?: number;

  @ApiProperty({
    required: false,
    example: 100,
    description: "Requests this key may make at once (the bucket's size); default: its rate, or the gateway's RATE_LIMIT_BURST",
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rate_limit_burst?: number;
}

export class ListApiKeysRequest {
  @PageLimit()
  limit?: number;

  @ApiProperty({ required: false, example: 'key_0123456789abcdef', description: 'Cursor: the `next_cursor` of the previous page' })
  @IsOptional()
  @Matches(KEY_ID_PATTERN, { message: 'starting_after must be a key id (key_…)' })
  starting_after?: string;
}

export class RotateApiKeyRequest {
  @ApiProperty({
    required: false,
    example: 3600,
    default: 0,
    description: `How long the old secret keeps working, 0–${MAX_GRACE_SECONDS} seconds; 0 (default): revoked at once`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  grace_period_seconds?: number;
}

export class RateLimitDto {
  @ApiProperty({ example: 50 }) per_sec!: number | null;
  @ApiProperty({ example: 100 }) burst!: number | null;
}

export class ApiKeyDto {
  @ApiProperty({ example: 'key_0123456789abcdef' }) id!: string;
  @ApiProperty({ example: 'merchant_demo' }) merchant_id!: string;
  @ApiProperty({ example: 'checkout backend' }) name!: string;
  @ApiProperty({ example: '0123456789abcdef', description: 'The public part of the key (`pk_<prefix>_…`), to tell keys apart' })
  prefix!: string;
  @ApiProperty({ example: ['read', 'write'], enum: SCOPES, isArray: true }) scopes!: string[];
  @ApiProperty({ example: 'active', enum: ['active', 'revoked', 'expired'] }) status!: KeyStatus;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) created_at!: string;
  @ApiProperty({ example: null, nullable: true, type: String }) revoked_at!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'End of the rotation grace period' }) expires_at!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'The key this one replaced' }) rotated_from!: string | null;
  @ApiProperty({ type: RateLimitDto, nullable: true, description: "null: the gateway's default limit" }) rate_limit!: RateLimitDto | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ example: 'pk_0123456789abcdef_s3cr3t…', description: 'The secret key: shown this once, never again' }) key!: string;
}

export class RotatedApiKeyDto {
  @ApiProperty({ type: CreatedApiKeyDto, description: 'The new key, with its secret (shown once)' }) key!: CreatedApiKeyDto;
  @ApiProperty({ type: ApiKeyDto, description: 'The old key: revoked, or expiring at `expires_at`' }) previous!: ApiKeyDto;
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyDto] }) data!: ApiKeyDto[];
  @ApiProperty({ example: false }) has_more!: boolean;
  @ApiProperty({ example: null, nullable: true, type: String }) next_cursor!: string | null;
}

export function toKeyDto(k: KeyRecord, now: Date = new Date()): ApiKeyDto {
  return {
    id: k.id,
    merchant_id: k.merchantId,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    status: keyStatus(k, now),
    created_at: k.createdAt.toISOString(),
    revoked_at: k.revokedAt?.toISOString() ?? null,
    expires_at: k.expiresAt?.toISOString() ?? null,
    rotated_from: k.rotatedFrom,
    rate_limit: k.rateLimitPerSec === null && k.rateLimitBurst === null ? null : { per_sec: k.rateLimitPerSec, burst: k.rateLimitBurst },
  };
}
