import { Module } from '@nestjs/common';

/**
 * Ticketing: barcodes signed per event, security-stock blanks, print runs and print@home delivery.
 * Owns the `ticketing` schema. Built out by the Ticketing issue; present now so the composition root is complete.
 */
@Module({})
export class TicketingModule {}
