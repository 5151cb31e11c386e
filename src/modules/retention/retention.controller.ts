import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors } from '../../common/error-responses';
import { Audited } from '../audit';
import { PolicyTypeParams, RetentionPolicyBody, RetentionPolicyResponse, RetentionRunQuery, RetentionRunResponse } from './dto/retention.dto';
import { RunIdParams } from './dto/run-params';
import { RetentionPolicies } from './retention-policy.service';
import { RetentionRunner } from './retention-runner.service';

@ApiTags('retention')
@Roles('super_admin')
@Controller('api/super-admin/retention')
export class RetentionController {
  constructor(
    private readonly policies: RetentionPolicies,
    private readonly runner: RetentionRunner,
  ) {}

  @Get('policies')
  @ApiOperation({ summary: 'The policy in force for each backup type', description: 'TENANT, PRE_RESTORE and DISASTER; `source: default` until one is set (SPEC §3 defaults from BACKUP_RETENTION_DAYS, PRE_RESTORE_RETENTION_DAYS, DISASTER_BACKUP_RETENTION_DAYS).' })
  @ApiOkResponse({ type: [RetentionPolicyResponse] })
  @ApiErrors()
  async list(): Promise<RetentionPolicyResponse[]> {
    return (await this.policies.inForce()).map(RetentionPolicyResponse.from);
  }

  @Put('policies/:type')
  @Audited('retention-policy.update', 'retention-policy')
  @ApiOperation({ summary: 'Set the policy of a backup type', description: 'Grandfather-father-son (`{"kind":"gfs","hourly":0,"daily":7,"weekly":4,"monthly":12,"yearly":0}`) or keep-for-days (`{"kind":"days","days":30}`). Every version is kept in the catalog; the audit record points at the new one.' })
  @ApiOkResponse({ type: RetentionPolicyResponse })
  @ApiErrors(400)
  async set(@Param() { type }: PolicyTypeParams, @Body() body: RetentionPolicyBody, @CurrentPrincipal() principal: Principal): Promise<RetentionPolicyResponse> {
    return RetentionPolicyResponse.from(await this.policies.set(type, body, principal.sub));
  }

  @Post('run')
  @HttpCode(HttpStatus.OK)
  @Audited('retention.run', 'retention-run')
  @ApiOperation({
    summary: 'Apply the retention policies now',
    description:
      'dryRun=true (default): answers 200 with every candidate and the reason it expires, and every kept backup with what keeps it; nothing is deleted. dryRun=false: answers 202 with the run; a worker deletes each candidate at every provider, then marks its record DELETED; poll GET /retention/runs/{runId}.',
  })
  @ApiOkResponse({ type: RetentionRunResponse, description: 'Dry run' })
  @ApiAcceptedResponse({ type: RetentionRunResponse, description: 'Real run, queued' })
  @ApiErrors(400)
  async run(@Query() { dryRun }: RetentionRunQuery, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: { status(code: number): unknown }): Promise<RetentionRunResponse> {
    if (dryRun) return RetentionRunResponse.from(await this.runner.dryRun(principal.sub));
    response.status(HttpStatus.ACCEPTED);
    return RetentionRunResponse.from(await this.runner.request(principal.sub));
  }

  @Get('runs/:runId')
  @ApiOperation({ summary: 'One retention run: status, progress, candidates, kept backups, deletions' })
  @ApiOkResponse({ type: RetentionRunResponse })
  @ApiErrors(400, 404)
  async get(@Param() { runId }: RunIdParams): Promise<RetentionRunResponse> {
    return RetentionRunResponse.from(await this.runner.get(runId));
  }
}
