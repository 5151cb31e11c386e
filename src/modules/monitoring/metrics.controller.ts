import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth';
import { MetricsService } from './metrics.service';

/** Prometheus scrapes it without a token, like the health probes: it carries counts and ids, never secrets or tenant data. */
@ApiTags('monitoring')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format (docs/MONITORING.md lists the metrics)' })
  async scrape(@Res({ passthrough: true }) response: { setHeader(name: string, value: string): void }): Promise<string> {
    const text = await this.metrics.render();
    response.setHeader('Content-Type', this.metrics.contentType);
    return text;
  }
}
