import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export interface DocsOptions {
  title: string;
  description: string;
  version: string;
  withApiKeys: boolean;
}

export function buildOpenApi(app: INestApplication, o: DocsOptions): OpenAPIObject {
  const builder = new DocumentBuilder().setTitle(o.title).setDescription(o.description).setVersion(o.version);
  if (o.withApiKeys) {
    builder
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key as a bearer token' }, 'bearer')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key');
  }
  return SwaggerModule.createDocument(app, builder.build(), { autoTagControllers: false });
}

/** Swagger UI at /docs, the OpenAPI document at /docs-json. */
export function mountDocs(app: INestApplication, o: DocsOptions): OpenAPIObject {
  const doc = buildOpenApi(app, o);
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return doc;
}
