import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { Audited } from '../audit';
import { RunIdParams } from './dto/run-params';
import { StatusQuery, StorageScanResponse, StorageStatusResponse, SweepQuery } from './dto/storage.dto';
import { StorageScans } from './storage-scans.service';
import { StorageStatusService } from './storage-status.service';

@ApiTags('storage')
@Roles('super_admin')
@Controller('api/super-admin/storage')
export class StorageStatusController {
  constructor(
    private readonly status: StorageStatusService,
    private readonly scans: StorageScans,
  ) {}

  @Get('status')
  @ApiOperation({
    summary: 'Per provider: reachable, objects, bytes, estimated monthly cost, what orphan sweeps reclaimed',
    description: 'Objects and bytes are the catalog’s totals (one query, whatever the number of objects); `recount=true` also starts a job that counts what is actually at each provider, shown as `lastRecount` once done.',
  })
  @ApiOkResponse({ type: StorageStatusResponse })
  @ApiErrors(400)
  async get(@Query() { recount }: StatusQuery, @CurrentPrincipal() principal: Principal): Promise<StorageStatusResponse> {
    const started = recount ? await this.scans.requestRecount(principal.sub) : undefined;
    return StorageStatusResponse.from(await this.status.status(), started);
  }

  @Post('sweep')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('storage.sweep', 'storage-scan')
  @ApiOperation({
    summary: 'Sweep orphans and leftovers of crashed writes at every provider',
    description:
      'Objects of no live backup and unfinished uploads older than ORPHAN_GRACE_HOURS; objects with a sidecar but no record are kept (catalog rebuild). dryRun=true (default) lists without removing. Answers 202 with the scan; poll GET /storage/scans/{runId}.',
  })
  @ApiAcceptedResponse({ type: StorageScanResponse })
  @ApiErrors(400)
  async sweep(@Query() { dryRun }: SweepQuery, @CurrentPrincipal() principal: Principal): Promise<StorageScanResponse> {
    return StorageScanResponse.from(await this.scans.requestSweep(dryRun, principal.sub));
  }

  @Get('scans/:runId')
  @ApiOperation({ summary: 'One storage scan (orphan sweep or recount): status, progress, what it found' })
  @ApiOkResponse({ type: StorageScanResponse })
  @ApiErrors(400, 404)
  async scan(@Param() { runId }: RunIdParams): Promise<StorageScanResponse> {
    return StorageScanResponse.from(await this.scans.get(runId));
  }
}
