import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AccountActionRequest,
  AccountListResponse,
  AccountResponse,
  CaptureHoldRequest,
  EntryListResponse,
  HoldStateResponse,
  ListAccountsRequest,
  ListEntriesRequest,
  LookupRequest,
  LookupResponse,
  ReleaseHoldRequest,
  ReverseRequest,
  ReverseResponse,
  WithdrawalRequest,
  WithdrawalResponse,
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

  @MessagePattern(ROUTES.walletListAccounts.pattern)
  listAccounts(@Payload() req: ListAccountsRequest): Promise<AccountListResponse> {
    return this.wallet.listAccounts(req);
  }

  @MessagePattern(ROUTES.walletFreeze.pattern)
  freeze(@Payload() req: AccountActionRequest): Promise<AccountResponse> {
    return this.wallet.setStatus(req.account_id, 'freeze');
  }

  @MessagePattern(ROUTES.walletUnfreeze.pattern)
  unfreeze(@Payload() req: AccountActionRequest): Promise<AccountResponse> {
    return this.wallet.setStatus(req.account_id, 'unfreeze');
  }

  @MessagePattern(ROUTES.walletClose.pattern)
  close(@Payload() req: AccountActionRequest): Promise<AccountResponse> {
    return this.wallet.setStatus(req.account_id, 'close');
  }

  @MessagePattern(ROUTES.walletWithdraw.pattern)
  withdraw(@Payload() req: WithdrawalRequest): Promise<HttpOutcome<WithdrawalResponse>> {
    return this.wallet.withdraw(req);
  }

  @MessagePattern(ROUTES.walletEntries.pattern)
  entries(@Payload() req: ListEntriesRequest): Promise<EntryListResponse> {
    return this.wallet.entries(req);
  }

  @MessagePattern(RPCS.walletCaptureHold.pattern)
  captureHold(@Payload() req: CaptureHoldRequest): Promise<HoldStateResponse> {
    return this.wallet.captureHold(req);
  }

  @MessagePattern(RPCS.walletReleaseHold.pattern)
  releaseHold(@Payload() req: ReleaseHoldRequest): Promise<HoldStateResponse> {
    return this.wallet.releaseHold(req);
  }

  @MessagePattern(RPCS.walletReverse.pattern)
  reverse(@Payload() req: ReverseRequest): Promise<ReverseResponse> {
    return this.wallet.reverse(req);
  }

  @MessagePattern(RPCS.walletLookup.pattern)
  lookup(@Payload() req: LookupRequest): Promise<LookupResponse> {
    return this.wallet.lookup(req);
  }
}
