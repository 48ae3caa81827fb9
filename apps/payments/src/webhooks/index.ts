export { verifyWebhookSignature, signWebhookPayload, SIGNATURE_HEADER, EVENT_ID_HEADER } from './domain/signing';
export { WebhooksModule } from './webhooks.module';
