import { microservicesEnvironment } from './support/environments';
import { webhooksSuite } from './support/webhooks-suite';

webhooksSuite('webhooks: microservices (JetStream durable consumer, PostgreSQL)', microservicesEnvironment, { replicas: true });
