import { Module } from '@nestjs/common';

/**
 * The payments feature module (the monolith imports it). Its message handlers arrive with the
 * seed-flow issue; the process, port, schema, health and metrics are already real.
 */
@Module({})
export class PaymentsModule {}
