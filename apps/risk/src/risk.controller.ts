import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ROUTES, ScoreRequest, ScoreResponse } from '@paygate/contracts';
import { RiskService } from './risk.service';

@Controller()
export class RiskController {
  constructor(private readonly risk: RiskService) {}

  @MessagePattern(ROUTES.riskScore.pattern)
  score(@Payload() req: ScoreRequest): Promise<ScoreResponse> {
    return this.risk.score(req);
  }
}
