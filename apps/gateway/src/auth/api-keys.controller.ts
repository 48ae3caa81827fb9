import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { DEMO_MERCHANT_ID, DomainError, ErrorEnvelopeDto, Scope } from '@paygate/contracts';
import { EdgeRequest, ROUTE_SCOPE } from '@paygate/http';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyManager } from './api-key.manager';
import {
  ApiKeyDto,
  ApiKeyListResponse,
  CreateApiKeyRequest,
  CreatedApiKeyDto,
  KEY_ID_PATTERN,
  ListApiKeysRequest,
  RotateApiKeyRequest,
  RotatedApiKeyDto,
  toKeyDto,
} from './api-keys.dto';

const ADMIN = SetMetadata(ROUTE_SCOPE, 'admin' satisfies Scope);

function errors(...statuses: number[]): MethodDecorator[] {
  return [400, 401, 403, 429, ...statuses].map((status) => ApiResponse({ status, type: ErrorEnvelopeDto, description: 'Error envelope' }));
}

function applyAll(...decorators: MethodDecorator[]): MethodDecorator {
  return (target, key, descriptor) => {
    for (const d of decorators.reverse()) d(target, key, descriptor);
  };
}

function keyId(id: string): string {
  if (!KEY_ID_PATTERN.test(id)) throw new DomainError('API_KEY_NOT_FOUND', `No API key ${id.slice(0, 80)}`);
  return id;
}

/**
 * Key management of the calling merchant, on the gateway itself (keys live in its `auth` schema):
 * admin scope. The CLI (`npm run cli -- keys …`) does the same against DATABASE_URL, for the
 * first admin key of a production deployment.
 */
@ApiTags('api_keys')
@ApiSecurity('bearer')
@ApiSecurity('api-key')
@UseGuards(ApiKeyGuard)
@Controller('api_keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyManager) {}

  private merchant(req: EdgeRequest): string {
    return req.raw.merchantId ?? DEMO_MERCHANT_ID;
  }

  @Post()
  @HttpCode(201)
  @ADMIN
  @applyAll(
    ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key (the secret is in this answer only)' }),
    ApiResponse({ status: 201, type: CreatedApiKeyDto, description: 'Created; `key` is the secret, shown once' }),
    ...errors(),
  )
  async create(@Req() req: EdgeRequest, @Body() body: CreateApiKeyRequest): Promise<CreatedApiKeyDto> {
    const { record, secret } = await this.keys.create({
      merchantId: this.merchant(req),
      name: body.name,
      scopes: body.scopes,
      rateLimitPerSec: body.rate_limit_per_sec,
      rateLimitBurst: body.rate_limit_burst,
    });
    return { ...toKeyDto(record), key: secret };
  }

  @Get()
  @ADMIN
  @applyAll(
    ApiOperation({ operationId: 'listApiKeys', summary: "The merchant's API keys (never their secrets), revoked ones included" }),
    ApiResponse({ status: 200, type: ApiKeyListResponse, description: 'Success' }),
    ...errors(),
  )
  async list(@Req() req: EdgeRequest, @Query() query: ListApiKeysRequest): Promise<ApiKeyListResponse> {
    const page = await this.keys.list({ merchantId: this.merchant(req), limit: query.limit ?? 20, startingAfter: query.starting_after });
    const data = page.data.map((k) => toKeyDto(k));
    return { data, has_more: page.hasMore, next_cursor: page.hasMore ? data[data.length - 1].id : null };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ADMIN
  @applyAll(
    ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key at once (401 for it from now on)' }),
    ApiParam({ name: 'id', example: 'key_0123456789abcdef' }),
    ApiResponse({ status: 200, type: ApiKeyDto, description: 'Revoked' }),
    ...errors(404, 409),
  )
  async revoke(@Req() req: EdgeRequest, @Param('id') id: string): Promise<ApiKeyDto> {
    return toKeyDto(await this.keys.revoke(keyId(id), this.merchant(req)));
  }

  @Post(':id/rotate')
  @HttpCode(201)
  @ADMIN
  @applyAll(
    ApiOperation({
      operationId: 'rotateApiKey',
      summary: 'Rotate an API key: a new secret; the old one is revoked at once or after a grace period',
    }),
    ApiParam({ name: 'id', example: 'key_0123456789abcdef' }),
    ApiResponse({ status: 201, type: RotatedApiKeyDto, description: 'The new key (secret shown once) and the old one' }),
    ...errors(404, 409),
  )
  async rotate(@Req() req: EdgeRequest, @Param('id') id: string, @Body() body: RotateApiKeyRequest): Promise<RotatedApiKeyDto> {
    const { created, previous } = await this.keys.rotate(keyId(id), body.grace_period_seconds ?? 0, this.merchant(req));
    return { key: { ...toKeyDto(created.record), key: created.secret }, previous: toKeyDto(previous) };
  }
}
