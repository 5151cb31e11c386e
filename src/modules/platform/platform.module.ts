import { Global, Module } from '@nestjs/common';
import { PlatformDatabase } from './platform-database.service';

@Global()
@Module({ providers: [PlatformDatabase], exports: [PlatformDatabase] })
export class PlatformModule {}
