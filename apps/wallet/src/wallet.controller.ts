import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BalanceResponse, GetBalanceRequest, ROUTES } from '@paygate/contracts';
import { WalletService } from './wallet.service';

@Controller()
export class WalletController {
  constructor(private readonly wallet: WalletService) {}

  @MessagePattern(ROUTES.walletBalance.pattern)
  balance(@Payload() req: GetBalanceRequest): Promise<BalanceResponse> {
    return this.wallet.balance(req.account_id);
  }
}
