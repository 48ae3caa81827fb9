import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';

/** The gateway's live page at `/` and its keyless summary (see dashboard.controller.ts). */
@Module({ controllers: [DashboardController], providers: [DashboardService] })
export class DashboardModule {}
