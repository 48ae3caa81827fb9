import { Module } from '@nestjs/common';
import { FxController } from './fx.controller';
import { FxService } from './fx.service';

/** The fx feature: rates and conversions. The monolith imports this module. */
@Module({ controllers: [FxController], providers: [FxService] })
export class FxModule {}
