import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ConversionResponse,
  ConversionResult,
  ConvertRequest,
  ConvertResponse,
  CreateConversionRequest,
  CreateQuoteRequest,
  CurrenciesResponse,
  GetConversionRequest,
  GetRateRequest,
  HttpOutcome,
  ListRatesRequest,
  QuoteResponse,
  RateResponse,
  RatesResponse,
  ROUTES,
  RPCS,
} from '@paygate/contracts';
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

  @MessagePattern(ROUTES.fxRates.pattern)
  rates(@Payload() req: ListRatesRequest): RatesResponse {
    return this.fx.listRates(req.base);
  }

  @MessagePattern(ROUTES.fxCurrencies.pattern)
  currencies(): CurrenciesResponse {
    return this.fx.currencies();
  }

  @MessagePattern(ROUTES.fxCreateQuote.pattern)
  createQuote(@Payload() req: CreateQuoteRequest): Promise<HttpOutcome<QuoteResponse>> {
    return this.fx.createQuote(req);
  }

  @MessagePattern(ROUTES.fxGetConversion.pattern)
  conversion(@Payload() req: GetConversionRequest): Promise<ConversionResponse> {
    return this.fx.getConversion(req.id);
  }

  @MessagePattern(RPCS.fxCreateConversion.pattern)
  createConversion(@Payload() req: CreateConversionRequest): Promise<ConversionResult> {
    return this.fx.createConversion(req);
  }
}
