import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AccountResponse,
  BalanceResponse,
  CreateAccountRequest,
  DepositRequest,
  DepositResponse,
  GetAccountRequest,
  GetBalanceRequest,
  HoldRequest,
  HoldResponse,
  HttpOutcome,
  ROUTES,
  RPCS,
  ResolveAccountsRequest,
  ResolveAccountsResponse,
  TransferRequest,
  TransferResponse,
} from '@paygate/contracts';
import { WalletService } from './wallet.service';

@Controller()
export class WalletController {
  constructor(private readonly wallet: WalletService) {}

  @MessagePattern(ROUTES.walletBalance.pattern)
  balance(@Payload() req: GetBalanceRequest): Promise<BalanceResponse> {
    return this.wallet.balance(req.account_id);
  }

  @MessagePattern(ROUTES.walletCreateAccount.pattern)
  createAccount(@Payload() req: CreateAccountRequest): Promise<AccountResponse> {
    return this.wallet.createAccount(req);
  }

  @MessagePattern(ROUTES.walletGetAccount.pattern)
  account(@Payload() req: GetAccountRequest): Promise<AccountResponse> {
    return this.wallet.account(req.account_id);
  }

  @MessagePattern(ROUTES.walletDeposit.pattern)
  deposit(@Payload() req: DepositRequest): Promise<HttpOutcome<DepositResponse>> {
    return this.wallet.deposit(req);
  }

  @MessagePattern(RPCS.walletResolveAccounts.pattern)
  resolve(@Payload() req: ResolveAccountsRequest): Promise<ResolveAccountsResponse> {
    return this.wallet.resolve(req);
  }

  @MessagePattern(RPCS.walletTransfer.pattern)
  transfer(@Payload() req: TransferRequest): Promise<TransferResponse> {
    return this.wallet.transfer(req);
  }

  @MessagePattern(RPCS.walletHold.pattern)
  hold(@Payload() req: HoldRequest): Promise<HoldResponse> {
    return this.wallet.hold(req);
  }
}
