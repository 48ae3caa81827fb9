import { Module } from '@nestjs/common';
import { RATE_STREAM } from '@paygate/contracts';
import { createEventStreamController } from '@paygate/http';
import { READINESS_CHECK } from '@paygate/platform';
import { FxController } from './fx.controller';
import { FxService } from './fx.service';
import { FxRepository } from './persistence/fx.repository';
import { RatesEngine } from './rates.engine';

/** `GET /rates/stream` on the fx port (no key, as the service's other routes). */
export const FxRatesStream = createEventStreamController({ ...RATE_STREAM, name: 'FxRatesStreamController' });

/** The fx feature: rates, conversions, quotes and the live stream. The monolith imports this module. */
@Module({
  controllers: [FxController, FxRatesStream],
  providers: [FxService, FxRepository, RatesEngine, { provide: READINESS_CHECK, useExisting: RatesEngine }],
  exports: [READINESS_CHECK],
})
export class FxModule {}
