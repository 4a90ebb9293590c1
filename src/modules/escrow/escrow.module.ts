import { Module } from '@nestjs/common';

/**
 * Escrow: the trust-account ledger, payment matching, settlements and payouts. Owns the `escrow` schema.
 * Built out by the Escrow issue; present now so the composition root is complete.
 */
@Module({})
export class EscrowModule {}
