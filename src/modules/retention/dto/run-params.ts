import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class RunIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'runId must be a UUID' })
  runId!: string;
}

/** Fields every background run answers with (SPEC §6: status and progress, polled). */
export class RunResponseBase {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED'] }) status!: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiProperty({ description: 'A token subject, or `scheduler`' }) initiatedBy!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ required: false }) startedAt?: Date;
  @ApiProperty({ required: false }) completedAt?: Date;
  @ApiProperty({ required: false }) errorMessage?: string;
}
