import { Controller, Get, Headers, HttpCode, HttpException, HttpStatus, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../../common/auth';
import { ApiErrors, ErrorResponse } from '../../common/error-responses';
import { page, PaginationQuery } from '../../common/pagination';
import { Audited } from '../audit';
import { BackupIdParams } from '../backups';
import { decideRange } from './byte-range';
import { CustomerExportsService } from './customer-exports.service';
import { CustomerExportPage, CustomerExportResponse, CustomerExportStatusResponse } from './dto/customer-export.response';

/** The parts of Express's response a download sets; the rest goes through Nest's StreamableFile. */
interface DownloadResponse {
  req: { method: string };
  status(code: number): unknown;
  setHeader(name: string, value: string | number): unknown;
  once(event: 'finish', listener: () => void): unknown;
}

/** A tenant's own exports. The tenant is the token's, never a path or body value; other roles get 403. */
@ApiTags('customer-self-backup')
@Roles('tenant_user')
@Controller('api/tenant/backup')
export class CustomerSelfBackupController {
  constructor(private readonly exports: CustomerExportsService) {}

  @Post('create')
  @HttpCode(HttpStatus.ACCEPTED)
  @Audited('customer-backup.create', 'backup')
  @ApiOperation({
    summary: 'Start an export of your data (a zip of CSV files)',
    description: 'Answers 202 with the PENDING export; poll GET /api/tenant/backup/status. CUSTOMER_BACKUP_DAILY_LIMIT exports per UTC day (failed ones do not count): beyond that 429 with Retry-After.',
  })
  @ApiAcceptedResponse({ type: CustomerExportResponse })
  @ApiErrors(404, 429)
  async create(@CurrentPrincipal() principal: Principal): Promise<CustomerExportResponse> {
    return CustomerExportResponse.from(await this.exports.create(principal), new Date());
  }

  @Get('status')
  @ApiOperation({ summary: 'Your newest export, whether it can be downloaded, and whether another can be requested today' })
  @ApiOkResponse({ type: CustomerExportStatusResponse })
  @ApiErrors()
  async status(@CurrentPrincipal() principal: Principal): Promise<CustomerExportStatusResponse> {
    const now = new Date();
    const { latest, allowance } = await this.exports.status(principal, now);
    return CustomerExportStatusResponse.from(latest, allowance, now);
  }

  @Get('history')
  @ApiOperation({ summary: 'Your exports, newest first, expired and failed ones included' })
  @ApiOkResponse({ type: CustomerExportPage })
  @ApiErrors(400)
  async history(@CurrentPrincipal() principal: Principal, @Query() query: PaginationQuery): Promise<CustomerExportPage> {
    const now = new Date();
    const [rows, total] = await this.exports.history(principal, query.limit, query.offset);
    return page(
      rows.map((row) => CustomerExportResponse.from(row, now)),
      total,
      query,
    );
  }

  @Get('download/:backupId')
  @Audited('customer-backup.download', 'backup')
  @ApiOperation({
    summary: 'Download an export (a zip), decrypted on the fly',
    description: 'Supports a single `Range` (206 with Content-Range; 416 when it starts past the end) so an interrupted download resumes; `If-Range` with the ETag. 410 once the export expired.',
  })
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'The whole zip', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 206, description: 'The requested range of the zip', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 409, description: 'The export is not completed (pending, running or failed)', type: ErrorResponse })
  @ApiResponse({ status: 410, description: 'The export expired and its file was deleted', type: ErrorResponse })
  @ApiResponse({ status: 416, description: 'The range starts past the end of the zip', type: ErrorResponse })
  @ApiErrors(400, 404)
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param() { backupId }: BackupIdParams,
    @Headers('range') range: string | undefined,
    @Headers('if-range') ifRange: string | undefined,
    @Res({ passthrough: true }) response: DownloadResponse,
  ): Promise<StreamableFile> {
    const download = await this.exports.openDownload(principal, backupId);
    const decision = decideRange(download.size, range, ifRange, download);
    if (decision.kind === 'unsatisfiable') {
      response.setHeader('Content-Range', `bytes */${download.size}`);
      throw new HttpException(`The requested range starts past the end of the ${download.size}-byte export`, HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
    }
    const { start, end } = decision.kind === 'partial' ? decision : { start: 0, end: download.size - 1 };
    const body = await download.read(start, end);
    // Headers only now: every check passed, so an error response can no longer inherit them.
    response.status(decision.kind === 'partial' ? HttpStatus.PARTIAL_CONTENT : HttpStatus.OK);
    response.setHeader('Accept-Ranges', 'bytes');
    response.setHeader('ETag', download.etag);
    response.setHeader('Last-Modified', download.lastModified.toUTCString());
    response.setHeader('Cache-Control', 'private, no-store');
    if (decision.kind === 'partial') response.setHeader('Content-Range', `bytes ${start}-${end}/${download.size}`);
    // A response that delivered the last byte completes a download, the last piece of a resumed one included.
    if (end === download.size - 1 && response.req.method === 'GET') response.once('finish', () => void this.exports.downloadCompleted(principal, backupId));
    return new StreamableFile(body, { type: 'application/zip', disposition: `attachment; filename="${download.fileName}"`, length: end - start + 1 }).setErrorHandler((_error, res) => {
      if (res.destroyed) return;
      // The service has reported the cause; past the headers, only cutting the connection tells the client the file is incomplete.
      if (res.headersSent) return res.destroy?.();
      res.statusCode = HttpStatus.INTERNAL_SERVER_ERROR;
      res.send('The export could not be read; please request a new one');
    });
  }
}
