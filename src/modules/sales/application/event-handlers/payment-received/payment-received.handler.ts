import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  IntegrationEventConsumer,
  OnIntegrationEvent,
} from '../../../../../infrastructure/messaging/integration-event-handler.decorator';
import { ESCROW_EVENTS, PaymentReceived } from '../../../../escrow/contracts';
import { MarkOrderPaidCommand } from '../../commands/order.commands';

/** Escrow's PaymentReceived → Sales' own MarkOrderPaid command, in the inbox row's transaction (exactly one effect). */
@Injectable()
@OnIntegrationEvent(ESCROW_EVENTS.PaymentReceived, 'sales.mark-order-paid')
export class PaymentReceivedHandler implements IntegrationEventConsumer<PaymentReceived> {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: PaymentReceived, em: EntityManager): Promise<void> {
    const p = event.payload;
    await this.commands.execute(
      new MarkOrderPaidCommand(em, { orderId: p.orderId, paymentId: p.paymentId, amount: p.amount, method: p.method, receivedAt: p.receivedAt }),
    );
  }
}
