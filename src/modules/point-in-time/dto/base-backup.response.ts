import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageMeta } from '../../../common/pagination';
import { BackupRecord, BackupResponse } from '../../backups';
import { BaseBackupRange } from '../base-backup-range.entity';

export class WalRangeResponse {
  @ApiProperty({ description: 'Timeline the backup began on' }) timeline!: number;
  @ApiProperty({ example: '0/2000028', description: 'Where its WAL starts (LSN)' }) startLsn!: string;
  @ApiProperty({ example: '0/2000100', description: 'Where recovery from it becomes consistent (LSN)' }) stopLsn!: string;
  @ApiProperty() startedAt!: Date;
  @ApiProperty({ description: 'The earliest instant a recovery from this backup can stop at' }) stoppedAt!: Date;
  @ApiProperty() walSegmentSize!: number;
  @ApiProperty() serverVersion!: string;
}

export class BaseBackupResponse extends BackupResponse {
  @ApiPropertyOptional({ type: WalRangeResponse, description: 'Known once the backup completed' }) walRange?: WalRangeResponse;

  static of(record: BackupRecord, range: BaseBackupRange | null): BaseBackupResponse {
    const walRange = range
      ? { timeline: range.timeline, startLsn: range.startLsn, stopLsn: range.stopLsn, startedAt: range.startedAt, stoppedAt: range.stoppedAt, walSegmentSize: range.walSegmentSize, serverVersion: range.serverVersion }
      : undefined;
    return { ...BackupResponse.from(record), walRange };
  }
}

export class BaseBackupPage extends PageMeta {
  @ApiProperty({ type: [BaseBackupResponse] }) items!: BaseBackupResponse[];
}
