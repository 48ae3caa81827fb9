import { Module } from '@nestjs/common';
import { WalletDemoData } from './demo-data';
import { WalletRepository } from './persistence/wallet.repository';
import { WalletController } from './wallet.controller';
import { WalletService } from './wallet.service';

/** The wallet feature: the ledger and balances. The monolith imports this module. */
@Module({ controllers: [WalletController], providers: [WalletService, WalletRepository, WalletDemoData] })
export class WalletModule {}
