import { ApiProperty } from '@nestjs/swagger';
import { ERROR_HTTP_STATUS, ErrorCode } from './errors';

export class ErrorDetailDto {
  @ApiProperty({ example: 'amount', required: false }) field?: string;
  @ApiProperty({ example: 'AMOUNT_TOO_PRECISE' }) reason!: string;
  @ApiProperty({ example: 'amount "1.234" has 3 decimals but USD allows at most 2' }) message!: string;
}

export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_HTTP_STATUS), example: 'VALIDATION_ERROR' }) code!: ErrorCode;
  @ApiProperty({ example: 'Invalid request' }) message!: string;
  @ApiProperty({ type: [ErrorDetailDto] }) details!: ErrorDetailDto[];
  @ApiProperty({ example: 'req_5f0c6a2e9b' }) request_id!: string;
}

/** `{"error":{"code","message","details","request_id"}}`: the one error envelope. */
export class ErrorEnvelopeDto {
  @ApiProperty({ type: ErrorBodyDto }) error!: ErrorBodyDto;
}
