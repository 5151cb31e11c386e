import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { PROVIDER_NAMES } from '../../../libs/storage/storage.port';
import { StorageService } from './storage.service';

class ProviderStatusResponse {
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiProperty({ description: 'The first configured provider is primary' }) primary!: boolean;
  @ApiProperty() reachable!: boolean;
  @ApiProperty({ nullable: true, type: Number }) objects!: number | null;
  @ApiProperty({ nullable: true, type: Number }) bytes!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Storage only, at list price (docs/OPERATIONS.md)' }) estimatedMonthlyCostUsd!: number | null;
  @ApiPropertyOptional() error?: string;
}

class StorageStatusResponse {
  @ApiProperty({ type: [ProviderStatusResponse] }) providers!: ProviderStatusResponse[];
}

@ApiTags('storage')
@Roles('super_admin')
@Controller('api/super-admin/storage')
export class StorageController {
  constructor(private readonly storage: StorageService) {}

  @Get('status')
  @ApiOkResponse({ type: StorageStatusResponse, description: 'Per provider: reachable, objects, bytes, estimated monthly cost' })
  @ApiErrors()
  async status(): Promise<StorageStatusResponse> {
    return { providers: await this.storage.status() };
  }
}
