import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { version } from '../package.json';

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('TenantVault')
      .setDescription(
        'Backup and disaster recovery of a multi-tenant platform. Every /api route needs `Authorization: Bearer <JWT>` (HS256, claims sub, role, tenant_id). Errors are `{statusCode, error, message, code?}`. Long work answers 202 with a record to poll.',
      )
      .setVersion(version)
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
