import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiResponse } from '@nestjs/swagger';

/** The JSON body of every error (SPEC §6). */
export class ErrorResponse {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({ example: 'tenantId must be a UUID' }) message!: string;
  @ApiProperty({ required: false, example: 'BACKUP.NOT_FOUND', description: 'Stable error code of domain errors' }) code?: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; the message names the field',
  401: 'Missing, malformed or expired bearer token',
  403: 'The token’s role may not use this route',
  404: 'Unknown id',
  409: 'A conflicting operation is running on the same tenant',
  429: 'Daily limit reached',
};

/** Documents bearer auth and the error responses a route can give. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ApiBearerAuth(),
    ...[401, 403, ...statuses].map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponse })),
  );
}
