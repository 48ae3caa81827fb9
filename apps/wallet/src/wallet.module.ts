import { Module } from '@nestjs/common';
import { WalletDemoData } from './demo-data';
import { LedgerRepository } from './persistence/ledger.repository';
import { WalletController } from './wallet.controller';
import { WalletJobs } from './wallet-jobs';
import { WalletService } from './wallet.service';

/** The wallet feature: the ledger and balances. The monolith imports this module. */
@Module({ controllers: [WalletController], providers: [WalletService, LedgerRepository, WalletDemoData, WalletJobs] })
export class WalletModule {}
