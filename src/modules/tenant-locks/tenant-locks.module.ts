import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { TenantLock } from './tenant-lock.entity';
import { TenantLocksService } from './tenant-locks.service';

@Module({
  imports: [MikroOrmModule.forFeature([TenantLock])],
  providers: [TenantLocksService],
  exports: [TenantLocksService],
})
export class TenantLocksModule {}
