import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ConvertRequest, ConvertResponse, GetRateRequest, RateResponse, ROUTES } from '@paygate/contracts';
import { FxService } from './fx.service';

@Controller()
export class FxController {
  constructor(private readonly fx: FxService) {}

  @MessagePattern(ROUTES.fxRate.pattern)
  rate(@Payload() req: GetRateRequest): RateResponse {
    return this.fx.getRate(req);
  }

  @MessagePattern(ROUTES.fxConvert.pattern)
  convert(@Payload() req: ConvertRequest): ConvertResponse {
    return this.fx.convert(req);
  }
}
